"""Test-session configuration: hypothesis profiles, optional dependencies,
torch threads, example counts.

Hypothesis profiles (choose with ``SKMIXUP_HYPOTHESIS_PROFILE``, or
hypothesis's own ``--hypothesis-profile``). The default does not depend on
the machine or on the ``CI`` variable, so that the README's
``python -m pytest`` runs the same examples everywhere, CI included:

``ci`` (the default)
    Derandomized (the same examples on every machine and every run), no
    example database (a failure stored by an earlier run is not replayed
    into the next), no deadline (timing never decides a test), and
    ``max_examples=1000`` per unit of weight (each property or fuzz test
    asks for ``weight * settings.default.max_examples``), which puts more
    than 10,000 generated examples through the fuzz tests and as many
    through the invariant tests.
``dev``
    The same, derandomized, with a tenth of the examples: a quick local run
    (``SKMIXUP_HYPOTHESIS_PROFILE=dev python -m pytest -m "not slow"``).
``fuzz``
    Random exploration, on request only, with three times the ``ci``
    budget, to look for new failures: ``SKMIXUP_HYPOTHESIS_PROFILE=fuzz
    python -m pytest tests/test_fuzz.py tests/test_properties.py``. Every
    test draws from one seed, printed in the report header; set it with
    ``SKMIXUP_FUZZ_SEED=N`` (or ``--hypothesis-seed=N``) to repeat a run
    exactly. Without one, a fresh seed is drawn.

Optional dependencies: a doctest that imports pandas, matplotlib,
imbalanced-learn or Dask is skipped (with the reason) where that package is
not installed; test modules import them with
``_optional.optional_import`` (a test that uses a missing one skips) or
``pytest.importorskip`` (the whole module needs it). A base install (``pip install -e .`` plus pytest
and hypothesis) passes with skips.

``SKMIXUP_TORCH_THREADS=N`` sets ``torch.set_num_threads(N)`` before any test
runs, to check that no test depends on the number of threads.

At the end of the session the number of examples each hypothesis test of
``test_fuzz.py`` and ``test_properties.py`` generated is printed.
"""

import collections
import os
import random

import pytest
from _optional import missing_imports
from hypothesis import HealthCheck, settings

_UNIT = {"ci": 1000, "dev": 100, "fuzz": 3000}
DEFAULT_PROFILE = "ci"
#: Profiles that generate at random (the others are derandomized).
RANDOM_PROFILES = {"fuzz"}

for _name, _unit in _UNIT.items():
    _random = _name in RANDOM_PROFILES
    settings.register_profile(
        _name,
        max_examples=_unit,
        deadline=None,
        derandomize=not _random,
        # the database replays stored failures first: examples would then
        # depend on what ran before on this machine
        **({} if _random else {"database": None}),
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )

PROFILE = os.environ.get("SKMIXUP_HYPOTHESIS_PROFILE", DEFAULT_PROFILE)
if PROFILE not in _UNIT:
    raise ValueError(
        f"SKMIXUP_HYPOTHESIS_PROFILE must be one of {sorted(_UNIT)}; got {PROFILE!r}."
    )
settings.load_profile(PROFILE)

#: test name -> number of examples its body ran (printed at the end).
EXAMPLES = collections.Counter()


@pytest.fixture(scope="session")
def count_example():
    """Call with a test's name once per generated example."""

    def count(name):
        EXAMPLES[name] += 1

    return count


def _fuzz_seed(config):
    """The seed of a random profile: --hypothesis-seed, SKMIXUP_FUZZ_SEED or
    a fresh one (None for a derandomized profile, which ignores seeds)."""
    given = config.getoption("hypothesis_seed", None)
    env = os.environ.get("SKMIXUP_FUZZ_SEED")
    if PROFILE not in RANDOM_PROFILES:
        if given is not None or env:
            what = f"SKMIXUP_FUZZ_SEED={env}" if env else f"--hypothesis-seed={given}"
            raise pytest.UsageError(
                f"{what} was given, but the hypothesis profile {PROFILE!r} is "
                "derandomized and ignores seeds; add SKMIXUP_HYPOTHESIS_PROFILE=fuzz."
            )
        return None
    if given is not None:
        return given
    if env:
        try:
            return str(int(env))
        except ValueError:
            raise pytest.UsageError(
                f"SKMIXUP_FUZZ_SEED must be an integer; got {env!r}."
            ) from None
    return str(random.SystemRandom().randrange(2**32))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Before hypothesis's plugin reads --hypothesis-seed (its public option)
    # in its own pytest_configure: a random profile always runs from one
    # known seed, so that the header can print it.
    global PROFILE
    chosen = config.getoption("hypothesis_profile", None)
    if chosen is not None:  # hypothesis's own option overrides the variable
        if chosen not in _UNIT:
            raise pytest.UsageError(
                f"--hypothesis-profile must be one of {sorted(_UNIT)}; got {chosen!r}."
            )
        PROFILE = chosen
        settings.load_profile(PROFILE)
    seed = _fuzz_seed(config)
    if seed is not None:
        config.option.hypothesis_seed = seed
    threads = os.environ.get("SKMIXUP_TORCH_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
        torch.set_num_interop_threads(int(threads))


def pytest_report_header(config):
    threads = os.environ.get("SKMIXUP_TORCH_THREADS", "default")
    if PROFILE in RANDOM_PROFILES:
        seed = config.getoption("hypothesis_seed")
        how = (
            f"random, seed {seed}; repeat with SKMIXUP_HYPOTHESIS_PROFILE={PROFILE} "
            f"SKMIXUP_FUZZ_SEED={seed}"
        )
    else:
        how = "derandomized"
    return f"skmixup: hypothesis profile {PROFILE!r} ({how}), torch threads {threads}"


def pytest_collection_modifyitems(config, items):
    # A doctest that imports an optional package that is not installed is
    # skipped, with the package named (tests/_optional.py does it for test modules).
    for item in items:
        if not isinstance(item, pytest.DoctestItem):
            continue
        source = "\n".join(example.source for example in item.dtest.examples)
        absent = missing_imports(source)
        if absent:
            reason = f"doctest needs {', '.join(absent)}, which is not installed"
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter):
    if not EXAMPLES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("hypothesis examples run")
    groups = collections.Counter()
    for name, count in sorted(EXAMPLES.items()):
        write(f"{count:8d}  {name}")
        groups[name.split("::")[0]] += count
    for group, count in sorted(groups.items()):
        write(f"{count:8d}  total in {group}")
