"""Tests of the Dask support: tuning on a cluster and chunked k-mixup of Dask arrays.

Every cluster is a ``LocalCluster`` listening on 127.0.0.1 only, and is shut
down by the test (or module fixture) that started it.
"""

import argparse
import os
import pathlib
import sys

import numpy as np
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")
pytest.importorskip("imblearn")

from distributed import LocalCluster, get_task_stream  # noqa: E402
from imblearn.pipeline import Pipeline as ImbPipeline  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402

from skmixup import KMixupAugmenter, KMixupEstimator  # noqa: E402
from skmixup._dask import (  # noqa: E402
    _chunk_synthetic_counts,
    chunk_seeds,
    dask_backend,
    require_dask,
)
from skmixup.benchmarks import uci  # noqa: E402

# Two clusters alive at once (the module's and a test's own) cannot both take
# the default port of the scheduler's HTTP server; distributed picks another.
pytestmark = pytest.mark.filterwarnings("ignore:Port 8787 is already in use")

# ---------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on loopback, shut down after the module."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as lc:
        yield lc


@pytest.fixture(scope="module")
def blobs():
    """4000 points in 3 blobs, one class each; chunked by 500 rows (8 chunks)."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 60.0]])
    y = np.repeat([0, 1, 2], [1500, 1500, 1000])
    X = centres[y] + rng.standard_normal((4000, 3))
    return X, y


def _uci_args(output, *extra):
    parser = argparse.ArgumentParser()
    uci.add_arguments(parser)
    return parser.parse_args(
        [
            "--datasets",
            "iris",
            "--outer-splits",
            "2",
            "--outer-repeats",
            "1",
            "--inner-splits",
            "2",
            "--steps",
            "20",
            "--ks",
            "4",
            "--alphas",
            "0.5",
            "--output",
            str(output),
            *extra,
        ]
    )


# ---------------------------------------------------------------------------
# Tuning and benchmarks on a cluster


def _searches():
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    meta = GridSearchCV(
        KMixupEstimator(LogisticRegression(max_iter=300), random_state=0),
        {"k": [2, 8], "estimator__C": [0.1, 1.0]},
        cv=cv,
        n_jobs=-1,
    )
    sampler = GridSearchCV(
        ImbPipeline(
            [
                ("aug", KMixupAugmenter(random_state=0)),
                ("clf", LogisticRegression(max_iter=300)),
            ]
        ),
        {"aug__k": [2, 8], "aug__alpha": [0.2, 1.0]},
        cv=cv,
        n_jobs=-1,
    )
    return {"meta": meta, "sampler": sampler}


def test_grid_search_on_dask_equals_serial(cluster):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    serial = {}
    for name, search in _searches().items():
        search.set_params(n_jobs=1)
        serial[name] = search.fit(X, y).cv_results_["mean_test_score"]
    # A scheduler address: the branch of dask_backend that joins a cluster.
    with dask_backend(cluster.scheduler_address) as client:
        with get_task_stream(client) as stream:
            on_dask = {
                name: search.fit(X, y).cv_results_["mean_test_score"]
                for name, search in _searches().items()
            }
    assert len(stream.data) >= 2 * 12  # the fits did run on the workers
    for name in serial:
        np.testing.assert_array_equal(on_dask[name], serial[name])
        assert np.ptp(serial[name]) > 0  # the grid points differ: not a trivial match


@pytest.mark.skipif(
    not uci.temperature_scaling_available(),
    reason="the UCI classification run needs scikit-learn >= 1.8",
)
def test_uci_benchmark_on_local_cluster_writes_the_serial_table(tmp_path):
    assert uci.run(_uci_args(tmp_path / "serial", "--n-jobs", "1")) == 0
    assert uci.run(_uci_args(tmp_path / "dask", "--dask", "local:2")) == 0
    serial = pd.read_csv(tmp_path / "serial" / "folds.csv")
    on_dask = pd.read_csv(tmp_path / "dask" / "folds.csv")
    methods = uci.METHODS + uci.available_baselines("classification")
    assert len(serial) == 2 * len(methods)
    cols = ["dataset", "method", "repeat", "fold", "accuracy", "log_loss", "ece"]
    pd.testing.assert_frame_equal(on_dask[cols], serial[cols], check_exact=True)


def _kill_worker(*args):
    """A task that takes its worker process down with it."""
    os._exit(1)


def _die_once(marker, value):
    """Kill the worker the first time it runs, succeed when Dask retries it."""
    marker = pathlib.Path(marker)
    if not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return value


def test_lost_worker_task_is_retried(tmp_path):
    with dask_backend("local:2"):
        out = Parallel(n_jobs=-1)(
            delayed(_die_once)(str(tmp_path / "marker"), i) for i in range(3)
        )
    assert out == [0, 1, 2]
    assert (tmp_path / "marker").read_text() == "died"


@pytest.mark.skipif(
    not uci.temperature_scaling_available(),
    reason="the UCI classification run needs scikit-learn >= 1.8",
)
def test_uci_run_with_lost_workers_fails_loudly_and_writes_no_table(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(uci.UCI, "run_task", staticmethod(_kill_worker))
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with pytest.raises(distributed.scheduler.KilledWorker):
            uci.run(_uci_args(tmp_path, "--dask", "local:2"))
    assert not (tmp_path / "folds.csv").exists()
    assert not (tmp_path / "results.md").exists()


def test_unreachable_scheduler_is_a_clear_connection_error():
    with pytest.raises(ConnectionError, match=r"could not reach a Dask scheduler"):
        with dask_backend("tcp://127.0.0.1:1", timeout=1):
            pass  # pragma: no cover


@pytest.mark.parametrize("address", ["local:two", "local:0"])
def test_bad_local_address_names_the_form(address):
    with pytest.raises(ValueError, match=r"local:N"):
        with dask_backend(address):
            pass  # pragma: no cover


@pytest.mark.skipif(
    not uci.temperature_scaling_available(),
    reason="the UCI classification run needs scikit-learn >= 1.8",
)
def test_without_the_extra_errors_name_it_and_the_rest_works(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r'pip install "skmixup\[dask\]"'):
        require_dask()
    with pytest.raises(ImportError, match=r"skmixup\[dask\]"):
        uci.run(_uci_args(tmp_path, "--dask", "local:2"))
    assert not (tmp_path / "folds.csv").exists()
    # No Dask at all: numpy augmentation and the meta-estimator still work.
    for name in ("dask", "dask.array"):
        monkeypatch.setitem(sys.modules, name, None)
    X = np.random.default_rng(0).standard_normal((40, 2))
    y = np.repeat([0, 1], 20)
    X_res, _ = KMixupAugmenter(k=4, random_state=0).fit_resample(X, y)
    assert X_res.shape == (80, 2)
    KMixupEstimator(LogisticRegression(), k=4, random_state=0).fit(X, y)


# ---------------------------------------------------------------------------
# Chunked k-mixup of Dask arrays


def _compute(aug, X, y, **kwargs):
    X_res, y_res = aug.fit_resample(X, y, **kwargs)
    return (X_res, y_res), dask.compute(X_res, y_res, aug.pairs_, aug.lam_)


def _layout(row_chunks, counts, keep):
    """Output rows of originals / synthetic points, chunk by chunk."""
    orig, syn, start = [], [], 0
    for n_c, c in zip(row_chunks, counts):
        n_keep = n_c if keep else 0
        orig.append(np.arange(start, start + n_keep))
        syn.append(np.arange(start + n_keep, start + n_keep + c))
        start += n_keep + c
    return np.concatenate(orig), np.concatenate(syn)


@pytest.mark.parametrize("keep_original", [True, False])
def test_chunked_kmixup_geometry_and_soft_labels(blobs, keep_original):
    X_np, y_np = blobs
    X = da.from_array(X_np.astype(np.float32), chunks=(500, 3))
    y = da.from_array(y_np, chunks=500)
    aug = KMixupAugmenter(
        k=8, target="soft", keep_original=keep_original, random_state=0
    )
    (X_lazy, y_lazy), (X_res, y_res, pairs, lam) = _compute(aug, X, y)
    assert isinstance(X_lazy, da.Array) and isinstance(y_lazy, da.Array)
    n_keep = 500 if keep_original else 0
    assert X_lazy.chunks == ((n_keep + 500,) * 8, (3,))
    assert y_lazy.chunks == ((n_keep + 500,) * 8, (3,))
    assert X_res.dtype == X_lazy.dtype == np.float32
    assert y_res.dtype == y_lazy.dtype
    np.testing.assert_array_equal(aug.classes_, [0, 1, 2])
    orig, syn = _layout([500] * 8, [500] * 8, keep_original)
    np.testing.assert_array_equal(X_res[orig], X_np.astype(np.float32)[: len(orig)])
    # Both points of a synthetic point come from the chunk it was made in.
    a, p = pairs[:, 0], pairs[:, 1]
    chunk_of_row = np.repeat(np.arange(8), 500)
    np.testing.assert_array_equal(a // 500, chunk_of_row)
    np.testing.assert_array_equal(p // 500, chunk_of_row)
    assert (a != p).all() and ((lam >= 0) & (lam <= 1)).all()
    Xf = X_np.astype(np.float32)
    expected = lam[:, None] * Xf[a] + (1 - lam[:, None]) * Xf[p]
    np.testing.assert_allclose(X_res[syn], expected, rtol=1e-5, atol=1e-5)
    one_hot = np.eye(3, dtype=np.float32)
    expected_y = lam[:, None] * one_hot[y_np[a]] + (1 - lam[:, None]) * one_hot[y_np[p]]
    np.testing.assert_allclose(y_res[syn], expected_y, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(y_res[orig], one_hot[y_np[: len(orig)]])
    # The last chunks hold class 2 only, yet their soft labels have 3 columns
    # (global classes_), and k-mixup keeps them inside their cluster.
    assert (y_res[syn][a >= 3000][:, 2] == 1).all()


def test_each_chunk_runs_the_numpy_path_with_its_seed(blobs):
    """With raw matching, chunk i is the numpy fit_resample seeded chunk_seeds(...)[i]."""
    order = np.random.default_rng(1).permutation(4000)  # every chunk: 3 classes
    X_np, y_np = blobs[0][order], blobs[1][order]
    rows = (1000, 1500, 1500)
    X = da.from_array(X_np, chunks=(rows, 3))
    aug = KMixupAugmenter(k=4, match_on="raw", n_synthetic=0.5, random_state=7)
    _, (X_res, y_res, _, _) = _compute(aug, X, y_np)
    seeds = chunk_seeds(7, 3)
    start = out = 0
    for n_c, seed in zip(rows, seeds):
        ref = KMixupAugmenter(k=4, match_on="raw", n_synthetic=0.5, random_state=seed)
        X_ref, y_ref = ref.fit_resample(
            X_np[start : start + n_c], y_np[start : start + n_c]
        )
        np.testing.assert_array_equal(X_res[out : out + len(X_ref)], X_ref)
        np.testing.assert_array_equal(y_res[out : out + len(y_ref)], y_ref)
        start, out = start + n_c, out + len(X_ref)
    assert out == len(X_res)


def test_standardized_matching_uses_global_statistics(blobs):
    order = np.random.default_rng(1).permutation(4000)
    X_np, y_np = blobs[0][order], blobs[1][order]
    X = da.from_array(X_np, chunks=(1000, 3))
    aug = KMixupAugmenter(k=8, random_state=3)
    _, (_, _, pairs, lam) = _compute(aug, X, y_np)
    Z = (X_np - X_np.mean(axis=0)) / X_np.std(axis=0)
    for i, seed in enumerate(chunk_seeds(3, 4)):
        ref = KMixupAugmenter(k=8, match_on="raw", random_state=seed)
        ref.fit_resample(Z[1000 * i : 1000 * (i + 1)], y_np[1000 * i : 1000 * (i + 1)])
        np.testing.assert_array_equal(
            pairs[1000 * i : 1000 * (i + 1)], ref.pairs_ + 1000 * i
        )
        np.testing.assert_array_equal(lam[1000 * i : 1000 * (i + 1)], ref.lam_)


@pytest.mark.parametrize("target", ["hard", "soft", "continuous"])
def test_same_seed_same_output_other_seed_other_output(blobs, target):
    X_np, y_np = blobs
    X = da.from_array(X_np, chunks=(800, 3))
    y = da.from_array(y_np, chunks=800)

    def run(seed, scheduler):
        aug = KMixupAugmenter(k=8, target=target, random_state=seed)
        with dask.config.set(scheduler=scheduler):
            return dask.compute(*aug.fit_resample(X, y))

    first = run(0, "threads")
    again = run(0, "sync")
    other = run(1, "threads")
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_hard_labels_come_from_the_two_points(blobs):
    X_np, y_np = blobs
    X = da.from_array(X_np, chunks=(500, 3))
    aug = KMixupAugmenter(k=1, keep_original=False, random_state=0)
    (_, y_lazy), (_, y_res, pairs, _) = _compute(aug, X, da.from_array(y_np, 500))
    assert y_res.dtype == y_lazy.dtype == y_np.dtype
    from_anchor = y_res == y_np[pairs[:, 0]]
    assert (from_anchor | (y_res == y_np[pairs[:, 1]])).all()


def test_continuous_targets_are_mixed_linearly(blobs):
    X_np, _ = blobs
    y_np = np.stack([X_np[:, 0] * 2.0, X_np[:, 1] - 1.0], axis=1)
    X = da.from_array(X_np, chunks=(1000, 3))
    y = da.from_array(y_np, chunks=(500, 2))  # other chunks: rechunked to X's
    aug = KMixupAugmenter(k=4, target="continuous", random_state=0)
    (_, y_lazy), (_, y_res, pairs, lam) = _compute(aug, X, y)
    assert y_lazy.chunks[0] == (2000,) * 4
    _, syn = _layout([1000] * 4, [1000] * 4, True)
    a, p = pairs[:, 0], pairs[:, 1]
    expected = lam[:, None] * y_np[a] + (1 - lam[:, None]) * y_np[p]
    np.testing.assert_allclose(y_res[syn], expected, rtol=1e-12)


def test_integer_n_synthetic_is_split_across_chunks(blobs):
    X_np, y_np = blobs
    rows = (1000, 1500, 1500)
    counts = _chunk_synthetic_counts(1001, rows)
    np.testing.assert_array_equal(counts, [250, 376, 375])  # tie: first chunk
    X = da.from_array(X_np, chunks=(rows, 3))
    aug = KMixupAugmenter(k=4, n_synthetic=1001, keep_original=False, random_state=0)
    (X_lazy, _), (X_res, y_res, pairs, _) = _compute(aug, X, y_np)
    assert X_lazy.chunks[0] == tuple(counts)
    assert X_res.shape == (1001, 3) and y_res.shape == (1001,) and len(pairs) == 1001


def test_dask_dataframe_in_dask_dataframe_out(blobs):
    dd = pytest.importorskip("dask.dataframe")
    X_np, y_np = blobs
    frame = pd.DataFrame(X_np, columns=["a", "b", "c"])
    X = dd.from_pandas(frame, npartitions=4)
    y = dd.from_pandas(pd.Series(y_np, name="label"), npartitions=4)
    aug = KMixupAugmenter(k=4, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert isinstance(X_res, dd.DataFrame) and isinstance(y_res, dd.Series)
    X_pd, y_pd = dask.compute(X_res, y_res)
    assert list(X_pd.columns) == ["a", "b", "c"] and y_pd.name == "label"
    assert len(X_pd) == len(y_pd) == 8000
    np.testing.assert_array_equal(aug.feature_names_in_, ["a", "b", "c"])


def test_int_input_becomes_float64_and_inputs_are_not_mutated():
    rng = np.random.default_rng(0)
    X_np = rng.integers(0, 10, (200, 2))
    y_np = np.repeat([0, 1], 100)
    X_copy, y_copy = X_np.copy(), y_np.copy()
    X_res, _ = KMixupAugmenter(k=4, random_state=0).fit_resample(
        da.from_array(X_np, chunks=100), y_np
    )
    assert X_res.dtype == np.float64 and X_res.compute().dtype == np.float64
    np.testing.assert_array_equal(X_np, X_copy)
    np.testing.assert_array_equal(y_np, y_copy)


# ---------------------------------------------------------------------------
# Bad Dask input


def test_unknown_chunk_sizes_name_compute_chunk_sizes(blobs):
    X_np, y_np = blobs
    X = da.from_array(X_np, chunks=(500, 3))
    masked = X[X[:, 0] > 0]
    with pytest.raises(ValueError, match=r"X\.compute_chunk_sizes\(\)"):
        KMixupAugmenter(k=4).fit_resample(masked, y_np[:10])
    y = da.from_array(y_np, chunks=500)
    with pytest.raises(ValueError, match=r"y\.compute_chunk_sizes\(\)"):
        KMixupAugmenter(k=4).fit_resample(X, y[y >= 0])


def test_chunks_smaller_than_two_k_cap_k(blobs):
    # k is capped at half the rows of each chunk (k-batches never cross chunks).
    X_np, y_np = blobs
    X = da.from_array(X_np, chunks=(((1000, 3000 - 10, 10)), 3))
    aug = KMixupAugmenter(k=8, random_state=0)
    X_res, y_res = dask.compute(*aug.fit_resample(X, y_np))
    assert aug.k_ == 5
    assert X_res.shape == (8000, 3) and np.isfinite(X_res).all()


@pytest.mark.parametrize(
    ("kwargs", "y_kind", "error", "match"),
    [
        ({}, "short", ValueError, r"y must have shape \(4000,\)"),
        ({}, "continuous", ValueError, r"Unknown label type: 'continuous'"),
        ({"target": "soft"}, "one_class", ValueError, r"only one class"),
        ({}, "weights", TypeError, r"sample_weight is not supported with Dask"),
    ],
)
def test_bad_dask_input_is_a_clear_error(blobs, kwargs, y_kind, error, match):
    X_np, y_np = blobs
    X = da.from_array(X_np, chunks=(1000, 3))
    fit_kw = {}
    if y_kind == "short":
        y_np = y_np[:-1]
    elif y_kind == "continuous":
        y_np = X_np[:, 0]
    elif y_kind == "one_class":
        y_np = np.zeros(4000, dtype=int)
    else:
        fit_kw["sample_weight"] = np.ones(4000)
    with pytest.raises(error, match=match):
        KMixupAugmenter(k=4, **kwargs).fit_resample(X, da.from_array(y_np), **fit_kw)


@pytest.mark.parametrize("match_on", ["standardized", "raw"])
def test_nan_in_dask_input_is_an_error(blobs, match_on):
    X_np, y_np = blobs
    X_bad = X_np.copy()
    X_bad[2500, 1] = np.nan
    X = da.from_array(X_bad, chunks=(1000, 3))
    with pytest.raises(ValueError, match=r"NaN or infinity"):
        # raw matching finds it while computing (in the chunk at row 2000)
        dask.compute(*KMixupAugmenter(k=4, match_on=match_on).fit_resample(X, y_np))


def test_chunk_seeds_are_reproducible_and_distinct():
    assert chunk_seeds(0, 5) == chunk_seeds(0, 5)
    assert len(set(chunk_seeds(0, 50))) == 50
    assert chunk_seeds(0, 5) != chunk_seeds(1, 5)
    rs = np.random.RandomState(0)
    assert chunk_seeds(rs, 3) != chunk_seeds(rs, 3)  # the state advances


@pytest.mark.parametrize("exponent", (-900, 660))
def test_dask_standardisation_is_scale_safe(exponent):
    # Data of order 1e200 (or 1e-270) gives the pairs of the same data in
    # other units: the global moments are taken on a power-of-two rescaling.
    X = np.random.default_rng(0).normal(size=(400, 3))
    y = np.arange(400) % 2

    def pairs(data):
        aug = KMixupAugmenter(k=4, random_state=0)
        X_res, _ = aug.fit_resample(da.from_array(data, chunks=(200, 3)), y)
        X_res, pairs_ = dask.compute(X_res, aug.pairs_)
        assert np.isfinite(X_res).all()
        return pairs_

    np.testing.assert_array_equal(pairs(np.ldexp(X, exponent)), pairs(X))
