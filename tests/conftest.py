"""Test-session configuration: hypothesis profiles, torch threads, example counts.

Hypothesis profiles (choose with ``SKMIXUP_HYPOTHESIS_PROFILE``; ``ci`` is the
default when the ``CI`` environment variable is set, ``dev`` otherwise):

``ci``
    Derandomized (the same examples on every machine and every run), no
    deadline (timing never decides a test), and ``max_examples=1000`` per unit
    of weight (each property or fuzz test asks for
    ``weight * settings.default.max_examples``), which puts more than 10,000 generated examples through the fuzz
    tests and as many through the invariant tests.
``dev``
    The same tests with a tenth of the examples (the default for a local
    ``python -m pytest``).
``fuzz``
    Random (not derandomized) and three times the ``ci`` budget, to look for
    new failures: ``SKMIXUP_HYPOTHESIS_PROFILE=fuzz python -m pytest
    tests/test_fuzz.py tests/test_properties.py``.

``SKMIXUP_TORCH_THREADS=N`` sets ``torch.set_num_threads(N)`` before any test
runs, to check that no test depends on the number of threads.

At the end of the session the number of examples each hypothesis test of
``test_fuzz.py`` and ``test_properties.py`` generated is printed.
"""

import collections
import os

import pytest
from hypothesis import HealthCheck, settings

_UNIT = {"ci": 1000, "dev": 100, "fuzz": 3000}

for _name, _unit in _UNIT.items():
    settings.register_profile(
        _name,
        max_examples=_unit,
        deadline=None,
        derandomize=_name == "ci",
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )

PROFILE = os.environ.get(
    "SKMIXUP_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"
)
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


def pytest_configure(config):
    threads = os.environ.get("SKMIXUP_TORCH_THREADS")
    if threads:
        import torch

        torch.set_num_threads(int(threads))
        torch.set_num_interop_threads(int(threads))


def pytest_report_header(config):
    threads = os.environ.get("SKMIXUP_TORCH_THREADS", "default")
    return f"skmixup: hypothesis profile {PROFILE!r}, torch threads {threads}"


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
