"""The helpers the benchmarks share: outer folds and the run files."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from skmixup.benchmarks._common import outer_folds, run_costliest_first, write_run


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
