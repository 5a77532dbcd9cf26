"""The helpers the benchmarks share: outer folds, the run files, the runner,
and the rule that benchmarks use only the library's public names."""

import argparse
import ast
import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import skmixup
from skmixup.benchmarks import _runner
from skmixup.benchmarks._common import outer_folds, run_costliest_first, write_run

BENCHMARKS = Path(skmixup.__file__).parent / "benchmarks"


def _absolute(node, package="skmixup.benchmarks"):
    """The module an import statement reads from, made absolute."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


def private_imports(source):
    """Imports of a private skmixup module or name in ``source``, outside the
    benchmarks' own modules."""

    def private(module):
        own = module == "skmixup.benchmarks" or module.startswith("skmixup.benchmarks.")
        hidden = any(p.startswith("_") for p in module.split(".") if p != "__main__")
        return module.split(".")[0] == "skmixup" and hidden and not own

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if private(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node)
            if module.split(".")[0] != "skmixup":
                continue
            if private(module):
                found.append(module)
            elif not module.startswith("skmixup.benchmarks"):
                names = [a.name for a in node.names if a.name.startswith("_")]
                found += [f"{module}.{name}" for name in names]
    return found


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from skmixup._dask import dask_backend", ["skmixup._dask"]),
        ("import skmixup._matching", ["skmixup._matching"]),
        ("from .._mixing import kmixup_batch", ["skmixup._mixing"]),
        ("from ..datasets import _metadata", ["skmixup.datasets._metadata"]),
        ("from skmixup.datasets import _metadata", ["skmixup.datasets._metadata"]),
        ("from skmixup import kmixup_batch, dask_backend", []),
        ("from ..toydata import make_spiral", []),
        ("from ._common import csv_list as _csv_list", []),
        ("from ._stats import paired_test", []),
        ("from sklearn.utils._param_validation import Interval", []),
    ],
)
def test_private_import_finder(source, expected):
    assert private_imports(source) == expected


@pytest.mark.parametrize("path", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_benchmarks_import_only_public_library_names(path):
    assert private_imports(path.read_text(encoding="utf-8")) == []


def test_dask_backend_is_public_and_documented():
    assert "dask_backend" in skmixup.__all__
    assert "Parameters" in skmixup.dask_backend.__doc__
    api = (Path(skmixup.__file__).parents[1] / "docs" / "api.rst").read_text()
    assert "   dask_backend\n" in api


def test_task_seed_is_per_fold_and_stable():
    seeds = {
        _runner.task_seed(0, d, r, f)
        for d in range(3)
        for r in range(2)
        for f in range(5)
    }
    assert len(seeds) == 30 and all(0 <= s < 2**31 - 1 for s in seeds)
    assert _runner.task_seed(0, 1, 0, 2) == _runner.task_seed(0, 1, 0, 2)
    assert _runner.task_seed(0, 1, 0, 2) != _runner.task_seed(1, 1, 0, 2)


@pytest.mark.parametrize(
    "steps, n_train, batch, epochs",
    [(300, 640, 64, 30), (300, 6400, 64, 3), (10, 6400, 64, 1), (5, 10, 64, 5)],
)
def test_epochs_for(steps, n_train, batch, epochs):
    assert _runner.epochs_for(steps, n_train, batch) == epochs


def test_fits_counts_the_inner_search_and_the_refit():
    assert _runner.fits({"a": [1]}, 3) == 1
    assert _runner.fits({}, 3) == 1
    assert _runner.fits({"a": [1, 2], "b": [1, 2, 3]}, 2) == 6 * 2 + 1


def test_subsample_keeps_the_class_shares():
    y = np.repeat([0, 1], [80, 20])
    train = np.arange(100)
    config = SimpleNamespace(max_train=50)
    kept = _runner.subsample(train, y, config, seed=0)
    assert len(kept) == 50 and np.bincount(y[kept]).tolist() == [40, 10]
    assert _runner.subsample(train, y, SimpleNamespace(max_train=None), 0) is train


@pytest.mark.parametrize("text", ["local:0", "local:x", "local:", "local:-2"])
def test_dask_address_refuses_bad_local_counts(text):
    with pytest.raises(argparse.ArgumentTypeError, match="use 'local:N' with N >= 1"):
        _runner.dask_address(text)


@pytest.mark.parametrize("text", ["local:2", "tcp://127.0.0.1:8786"])
def test_dask_address_accepts(text):
    assert _runner.dask_address(text) == text


def test_config_from_args_layers_defaults_preset_options_values():
    args = SimpleNamespace(outer_splits=4, inner_splits=None, seed=7, other=1)
    config = _runner.Config.from_args(
        args, {"outer_splits": 3, "outer_repeats": 1}, max_train=10
    )
    assert (config.outer_splits, config.outer_repeats) == (4, 1)
    assert (config.inner_splits, config.seed, config.max_train) == (3, 7, 10)


def test_load_named_gives_csv_files_their_stem_made_unique(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.csv").write_text("x,y\n1,0\n2,1\n3,0\n")
    paths = [str(tmp_path / "a" / "same.csv"), str(tmp_path / "b" / "same.csv")]
    data = _runner.load_named(["iris", *paths], lambda given, bunch: given)
    assert list(data) == ["iris", "same", "same_2"]
    assert data["same_2"] == paths[1]


def _config(**kw):
    return SimpleNamespace(
        **{
            "datasets": ("a", "b"),
            "outer_splits": 3,
            "outer_repeats": 2,
            "seed": 5,
            **kw,
        }
    )


@pytest.mark.parametrize("stratified", [True, False])
def test_outer_folds_partition_every_repeat(stratified):
    rng = np.random.default_rng(0)
    # an image-shaped X (n, 4, 4) and a table: both are split by rows
    data = {
        "a": (rng.normal(size=(30, 4, 4)), np.repeat([0, 1, 2], 10)),
        "b": (rng.normal(size=(21, 3)), np.repeat([0, 1], [14, 7])),
    }
    splits = list(outer_folds(_config(), data, stratified=stratified))
    assert len(splits) == 2 * 3 * 2
    for index, name in enumerate(("a", "b")):
        mine = [s for s in splits if s[1] == name]
        assert {s[0] for s in mine} == {index}
        y = data[name][1]
        for repeat in range(2):
            tests = [s[5] for s in mine if s[2] == repeat]
            assert [s[3] for s in mine if s[2] == repeat] == [0, 1, 2]
            assert np.array_equal(np.sort(np.concatenate(tests)), np.arange(len(y)))
            for _, _, _, _, train, test in (s for s in mine if s[2] == repeat):
                assert np.intersect1d(train, test).size == 0
                if stratified:  # every class in every test fold, in proportion
                    counts = np.bincount(y[test], minlength=y.max() + 1)
                    expected = np.bincount(y, minlength=y.max() + 1) / 3
                    assert np.all(np.abs(counts - expected) <= 1)


def test_outer_folds_are_seeded_per_dataset():
    data = {name: (np.zeros((12, 2)), np.tile([0, 1], 6)) for name in ("a", "b")}
    first = [s[5] for s in outer_folds(_config(), data)]
    again = [s[5] for s in outer_folds(_config(), data)]
    other = [s[5] for s in outer_folds(_config(seed=6), data)]
    assert all(np.array_equal(u, v) for u, v in zip(first, again))
    assert not all(np.array_equal(u, v) for u, v in zip(first, other))
    # the same data under two names get different folds (seed + index)
    assert not all(np.array_equal(u, v) for u, v in zip(first[:6], first[6:]))


def test_write_run(tmp_path):
    write_run(
        str(tmp_path),
        "uci",
        config={"steps": 3, "ks": (4, 16)},
        report="| a |",
        wall=1.5,
        n_jobs=2,
        load_average_start="0.1, 0.2, 0.3",
    )
    meta = json.loads((tmp_path / "run.json").read_text())
    assert meta["config"] == {"steps": 3, "ks": [4, 16]}
    assert meta["wall_seconds"] == 1.5 and meta["n_jobs"] == 2
    assert meta["load_average_start"] == "0.1, 0.2, 0.3"
    assert meta["command"].startswith("python -m skmixup.benchmarks uci")
    assert {"python", "torch", "platform", "load_average_end"} <= meta.keys()
    assert (tmp_path / "results.md").read_text() == "| a |\n"


def _square(x):
    return x * x


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_run_costliest_first(n_jobs):
    tasks = [(1,), (2,), (3,), (4,), (5,)]
    costs = [1, 5, 2, 5, 0]
    seen = []
    results = run_costliest_first(
        _square, tasks, costs, n_jobs, on_done=lambda n, r: seen.append((n, r))
    )
    # back in task order, whatever order they ran in
    assert results == [1, 4, 9, 16, 25]
    # started (and, with joblib's ordered generator, reported) costliest
    # first; ties keep their order
    assert seen == [(1, 4), (2, 16), (3, 9), (4, 1), (5, 25)]


def test_run_costliest_first_refuses_missing_results(monkeypatch):
    import joblib

    class ShortParallel:  # a backend that loses the last task
        def __init__(self, *args, **kwargs):
            pass

        def __call__(self, calls):
            calls = list(calls)
            return (f(*args, **kwargs) for f, args, kwargs in calls[:-1])

    monkeypatch.setattr(joblib, "Parallel", ShortParallel)
    with pytest.raises(RuntimeError, match="only 2 of 3 tasks returned"):
        run_costliest_first(
            _square, [(1,), (2,), (3,)], [0, 0, 0], 1, on_done=lambda n, r: None
        )


# ---------------------------------------------------------------------------
# Command-line options: checked once (skmixup.benchmarks._common), refused
# before any work with one "error:" line and exit status 2. Parsing only: no
# benchmark runs here.

from skmixup.benchmarks import _common  # noqa: E402
from skmixup.benchmarks.__main__ import build_parser, main  # noqa: E402

CV_COMMANDS = ("uci", "imbalanced", "images")
BAD_OPTIONS = [
    # before: -5 ran on "-5 workers" (one), 0 meant all cores
    ("--n-jobs", "-5", "or -1 for one per core"),
    ("--n-jobs", "0", "or -1 for one per core"),
    ("--n-jobs", "two", "or -1 for one per core"),
    # before: a traceback from scikit-learn's K-fold
    ("--outer-splits", "1", "integer >= 2"),
    ("--inner-splits", "1", "integer >= 2"),
    ("--outer-repeats", "0", "integer >= 1"),
    ("--seed", "-1", "integer in [0, 2147483647]"),
    ("--seed", str(2**40), "integer in [0, 2147483647]"),
    ("--max-train", "0", "integer >= 1"),
    ("--ks", "1", "int values >= 2"),
    ("--ks", "4,x", "comma-separated list of int"),
    ("--ks", ",", "non-empty"),
]
TRAINING_OPTIONS = [
    ("--alphas", "-1", "float values >= 0"),
    ("--alphas", "nan", "float values >= 0"),
    ("--alphas", "inf", "float values >= 0"),
    ("--steps", "0", "integer >= 1"),
    ("--batch-size", "-3", "integer >= 1"),
]


def _refused(capsys, argv, match):
    """main(argv) exits 2 with one error line naming the option, no traceback."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "Traceback" not in err, err
    assert f"argument {argv[1]}: " in errors[0] and match in errors[0], errors[0]


@pytest.mark.parametrize("command", CV_COMMANDS)
@pytest.mark.parametrize(("option", "value", "match"), BAD_OPTIONS)
def test_shared_options_refused(capsys, tmp_path, command, option, value, match):
    _refused(capsys, [command, option, value, "--output", str(tmp_path)], match)


@pytest.mark.parametrize("command", ["uci", "images"])
@pytest.mark.parametrize(("option", "value", "match"), TRAINING_OPTIONS)
def test_training_options_refused(capsys, tmp_path, command, option, value, match):
    _refused(capsys, [command, option, value, "--output", str(tmp_path)], match)


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["imbalanced", "--neighbors", "0"], "int values >= 1"),
        (["images", "--channels", "8,0"], "int values >= 1"),
        (["categorical", "--alpha", "-1"], "finite number >= 0"),
        (["categorical", "--outer-splits", "1"], "integer >= 2"),
        (["categorical", "--seed", "-2"], "integer in [0,"),
        (["neural", "--seed", "x"], "integer in [0,"),
        (["matching", "--seed", "-1"], "integer in [0,"),
        (["uci", "--dask", "local:x"], "'local:N'"),
    ],
)
def test_other_options_refused(capsys, argv, match):
    _refused(capsys, argv, match)


@pytest.mark.parametrize("command", CV_COMMANDS)
def test_shared_options_parse(command):
    argv = [command, "--n-jobs", "-1", "--outer-splits", "2", "--inner-splits", "2",
            "--seed", "7", "--ks", "2,8", "--max-train", "50"]  # fmt: skip
    args = build_parser().parse_args(argv)
    assert (args.outer_splits, args.inner_splits, args.seed) == (2, 2, 7)
    assert args.ks == (2, 8) and args.max_train == 50
    assert _common.resolve_n_jobs(args.n_jobs) == (os.cpu_count() or 1)
    assert _common.resolve_n_jobs(3) == 3
    assert _common.resolve_n_jobs(None, 1) == 1


class TestCheckFolds:
    # 3 classes of 10, 6 and 4 samples
    y = np.repeat([0, 1, 2], [10, 6, 4])

    def test_fewest_of_the_smallest_class_in_a_training_fold(self):
        # a stratified test fold holds at most ceil(4 / 3) = 2 of class 2
        assert _common.check_folds("d", self.y, outer_splits=3) == 2
        assert _common.check_folds("d", self.y, outer_splits=4, inner_splits=3) == 3
        # without stratification: the smallest training fold, 20 - ceil(20 / 3)
        assert _common.check_folds("d", self.y, outer_splits=3, stratified=False) == 13

    def test_max_train_keeps_the_floor_of_each_share(self):
        # training folds of up to 20 - 20 // 4 = 15 rows cut to 5: class 2
        # keeps at least floor(3 * 5 / 15) = 1
        assert _common.check_folds("d", self.y, outer_splits=4, max_train=5) == 1
        assert _common.check_folds("d", self.y, outer_splits=4, max_train=100) == 3

    def test_outer_splits_above_the_smallest_class(self):
        with pytest.raises(
            ValueError,
            match=r"^'d': its smallest class has 4 samples, fewer than --outer-splits 5",
        ):
            _common.check_folds("d", self.y, outer_splits=5)
        with pytest.raises(ValueError, match="it has 20 samples, fewer than"):
            _common.check_folds("d", self.y, outer_splits=21, stratified=False)

    def test_inner_splits_above_a_training_fold(self):
        with pytest.raises(
            ValueError, match=r"as few as 2 samples .* fewer than --inner-splits 3"
        ):
            _common.check_folds("d", self.y, outer_splits=3, inner_splits=3)
        with pytest.raises(ValueError, match="raise --max-train"):
            _common.check_folds(
                "d", self.y, outer_splits=4, inner_splits=2, max_train=5
            )


def _no_work(*args, **kwargs):
    raise AssertionError("work started before the options were checked")


@pytest.mark.parametrize(
    "argv",
    [
        ["uci", "--datasets", "{csv}", "--outer-splits", "5"],
        ["uci", "--datasets", "{csv}", "--outer-splits", "3", "--inner-splits", "3"],
        ["uci", "--datasets", "{csv}", "--outer-splits", "2", "--max-train", "4"],
        ["imbalanced", "--datasets", "{csv}", "--outer-splits", "5"],
        ["images", "--outer-splits", "200"],  # digits: 174 of the rarest digit
    ],
)
def test_data_checks_run_before_any_fit(monkeypatch, capsys, tmp_path, argv):
    from skmixup.benchmarks import uci

    if argv[0] == "uci" and not uci.temperature_scaling_available():
        pytest.skip("the UCI classification run needs scikit-learn >= 1.8")
    # two classes of 16 and 4 rows
    rows = ["a,b,y"] + [f"{i},{i % 5},{int(i < 4)}" for i in range(20)]
    csv = tmp_path / "small.csv"
    csv.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr("skmixup.benchmarks._runner.run_costliest_first", _no_work)
    argv = [a.replace("{csv}", str(csv)) for a in argv]
    assert main([*argv, "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert "--outer-splits" in err[0] or "--inner-splits" in err[0]


def test_add_device_argument_is_the_one_device_option():
    from skmixup.benchmarks._common import add_device_argument

    parser = argparse.ArgumentParser()
    add_device_argument(parser, default="cpu", help="h", choices=("cpu", "cuda"))
    assert parser.parse_args([]).device == "cpu"
    assert parser.parse_args(["--device", "cuda"]).device == "cuda"
    with pytest.raises(SystemExit):
        parser.parse_args(["--device", "tpu"])
    free = argparse.ArgumentParser()
    add_device_argument(free, default=None, help="h")
    assert free.parse_args(["--device", "cuda:1"]).device == "cuda:1"
