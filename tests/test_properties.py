"""Invariants of the k-mixup core, checked with hypothesis on valid inputs.

* exact: every matching costs what scipy's assignment optimum costs;
* segment: every mixed point is ``lam * x_i + (1 - lam) * x_partner`` with
  ``lam`` in [0, 1] shared by a k-batch, and no point is mixed with itself;
* label sum: mixed one-hot labels and soft targets sum to 1;
* k=1 is mixup: with ``k=1`` the pairs do not depend on the data;
* one random_state rule: the same int gives the same pairs in
  ``kmixup_pairs`` and ``kmixup_batch``; ``alpha=0`` changes nothing.

The ``ci`` hypothesis profile (``tests/conftest.py``) runs more than 10,000
examples in this file. Data are built from a seed by numpy (fast) and include
ties (small integers) and constant blocks.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from skmixup import kmixup_batch, kmixup_pairs, match_batches

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _n(weight):
    return max(1, round(weight * settings.default.max_examples))


def _data(seed, shape, kind, dtype=np.float64):
    rng = np.random.default_rng(seed)
    if kind == "ties":
        return rng.integers(0, 3, shape).astype(dtype)
    if kind == "constant":
        return np.full(shape, 0.5, dtype=dtype)
    if kind == "clusters":
        centres = rng.standard_normal((3,) + tuple(shape[1:])) * 10
        return (
            centres[rng.integers(0, 3, shape[0])] + rng.standard_normal(shape)
        ).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


KINDS = st.sampled_from(["normal", "normal", "ties", "clusters", "constant"])


def _cost(A, B, metric):
    sq = ((A[:, None, :].astype(np.float64) - B[None, :, :]) ** 2).sum(-1)
    return sq if metric == "sqeuclidean" else np.sqrt(sq)


def _tolerance(cost, k, eps):
    # costs computed by the package in precision eps from centred data: a few
    # hundred ulps of the largest cost, per point (sqrt amplifies for
    # "euclidean" near zero, hence the square root term).
    scale = max(1.0, float(np.abs(cost).max()))
    return k * (256 * eps * scale + 64 * np.sqrt(eps) * scale)


def assert_exact(A, B, perm, metric, eps):
    """``perm`` (n_blocks, k) is an optimal assignment of each block."""
    k = A.shape[-2]
    A2, B2 = A.reshape(-1, k, A.shape[-1]), B.reshape(-1, k, B.shape[-1])
    perm = np.asarray(perm).reshape(-1, k)
    for b in range(len(A2)):
        assert sorted(perm[b].tolist()) == list(range(k))
        cost = _cost(A2[b], B2[b], metric)
        rows, cols = linear_sum_assignment(cost)
        best, got = cost[rows, cols].sum(), cost[np.arange(k), perm[b]].sum()
        assert got <= best + _tolerance(cost, k, eps), (b, got, best)


@settings(max_examples=_n(3.0))
@given(
    seed=st.integers(0, 2**32 - 1),
    lead=st.sampled_from([(), (1,), (4,), (2, 3)]),
    k=st.integers(1, 12),
    d=st.integers(1, 8) | st.sampled_from([20, 130]),
    kind=KINDS,
    metric=st.sampled_from(["euclidean", "sqeuclidean"]),
    solver=st.sampled_from(["auto", "jv", "scipy", "brute"]),
    backend=st.sampled_from(["numpy64", "numpy32", "torch64", "torch32"]),
)
def test_matching_is_exact(
    count_example, seed, lead, k, d, kind, metric, solver, backend
):
    count_example("test_properties.py::exact")
    if solver == "brute":
        k = min(k, 6)
    dtype = np.float32 if backend.endswith("32") else np.float64
    X = _data(seed, lead + (2 * k, d), kind, dtype)
    A, B = X[..., :k, :], X[..., k:, :]
    if backend.startswith("torch"):
        perm = match_batches(torch.from_numpy(A), torch.from_numpy(B), metric=metric,
                             solver=solver)  # fmt: skip
        assert isinstance(perm, torch.Tensor) and perm.dtype == torch.int64
        perm = perm.numpy()
    else:
        perm = match_batches(A, B, metric=metric, solver=solver)
    assert perm.shape == lead + (k,)
    assert_exact(A, B, perm, metric, np.finfo(dtype).eps)


def _check_draw(draw, n, k):
    partner, lam, group = (np.asarray(a) for a in (draw.partner, draw.lam, draw.group))
    assert draw.k == max(1, min(k, n // 2))
    assert partner.shape == lam.shape == group.shape == (n,)
    assert (partner != np.arange(n)).all(), "a point is mixed with itself"
    assert ((lam >= 0) & (lam <= 1)).all()
    for g in np.unique(group):
        rows = group == g
        assert rows.sum() <= draw.k
        assert np.ptp(lam[rows]) == 0, "one lambda per k-batch"
        assert len(set(partner[rows].tolist())) == rows.sum(), "partners repeat"
        assert not set(partner[rows].tolist()) & set(np.flatnonzero(rows).tolist())


def _on_segment(out, X, partner, lam, eps):
    x = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    lam = np.asarray(lam, dtype=np.float64)[:, None]
    ref = lam * x + (1 - lam) * x[partner]
    got = np.asarray(out, dtype=np.float64).reshape(len(X), -1)
    tol = 4 * eps * np.maximum(np.abs(x), np.abs(x[partner])) + 1e-300
    np.testing.assert_array_less(np.abs(got - ref), tol + np.finfo(np.float64).tiny)


@settings(max_examples=_n(2.8))
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 70),
    trailing=st.sampled_from([(1,), (3,), (7,), (2, 3), (1, 4, 4), (130,)]),
    k=st.integers(1, 40),
    alpha=st.sampled_from([1.0, 0.2, 2.0, 0.05]),
    kind=KINDS,
    metric=st.sampled_from(["euclidean", "sqeuclidean"]),
    backend=st.sampled_from(["numpy64", "numpy32", "torch64", "torch32"]),
    with_match_on=st.booleans(),
)
def test_mix_lies_on_its_segment_and_matching_is_exact(
    count_example, seed, n, trailing, k, alpha, kind, metric, backend, with_match_on
):
    count_example("test_properties.py::segment")
    dtype = np.float32 if backend.endswith("32") else np.float64
    X = _data(seed, (n,) + trailing, kind, dtype)
    F = _data(seed + 1, (n, 3), kind, dtype) if with_match_on else None
    Y = np.eye(3, dtype=dtype)[np.random.default_rng(seed).integers(0, 3, n)]
    args = (X, Y, F)
    if backend.startswith("torch"):
        args = tuple(None if a is None else torch.from_numpy(a) for a in args)
    X_mix, Y_mix, draw = kmixup_batch(args[0], args[1], k=k, alpha=alpha, metric=metric,
                                      match_on=args[2], random_state=seed, return_info=True)  # fmt: skip
    assert type(X_mix) is type(args[0]) and tuple(X_mix.shape) == X.shape
    assert X_mix.dtype == args[0].dtype
    _check_draw(draw, n, k)
    eps = np.finfo(dtype).eps
    _on_segment(X_mix, X, draw.partner, draw.lam, eps)
    _on_segment(Y_mix, Y, draw.partner, draw.lam, eps)
    feats = (F if with_match_on else X).reshape(n, -1)
    for g in np.unique(draw.group):
        rows = np.flatnonzero(draw.group == g)
        mates = np.asarray(draw.partner)[rows]
        rank = np.argsort(np.argsort(mates))
        assert_exact(
            feats[rows][None], feats[np.sort(mates)][None], rank[None], metric, eps
        )


@settings(max_examples=_n(1.5))
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 60),
    n_classes=st.integers(2, 6),
    k=st.integers(1, 16),
    alpha=st.sampled_from([1.0, 0.3, 5.0]),
    soft=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_mixed_labels_sum_to_one(
    count_example, seed, n, n_classes, k, alpha, soft, dtype
):
    count_example("test_properties.py::label_sum")
    rng = np.random.default_rng(seed)
    X = _data(seed, (n, 3), "clusters")
    if soft:
        Y = rng.dirichlet(np.ones(n_classes), n).astype(dtype)
    else:
        Y = np.eye(n_classes, dtype=dtype)[rng.integers(0, n_classes, n)]
    _, Y_mix = kmixup_batch(X, Y, k=k, alpha=alpha, random_state=seed)
    assert Y_mix.dtype == dtype
    eps = np.finfo(dtype).eps
    assert (Y_mix >= -eps).all() and (Y_mix <= 1 + 4 * eps).all()
    np.testing.assert_allclose(Y_mix.sum(axis=1), 1.0, atol=8 * n_classes * eps)


@settings(max_examples=_n(0.2))
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(4, 60),
    n_classes=st.integers(2, 4),
    k=st.integers(1, 12),
    target=st.sampled_from(["soft", "hard"]),
    match_on=st.sampled_from(["raw", "standardized"]),
)
def test_augmenter_labels(count_example, seed, n, n_classes, k, target, match_on):
    from skmixup import KMixupAugmenter

    count_example("test_properties.py::label_sum")
    rng = np.random.default_rng(seed)
    X = _data(seed, (n, 3), "clusters")
    y = rng.integers(0, n_classes, n)
    y[:2] = [0, 1]
    aug = KMixupAugmenter(k=k, target=target, match_on=match_on, random_state=seed)
    X_res, y_res = aug.fit_resample(X, y)
    assert len(X_res) == len(y_res) >= n
    assert (X_res >= X.min(0) - 1e-12).all() and (X_res <= X.max(0) + 1e-12).all()
    if target == "soft":
        assert y_res.shape[1] == len(np.unique(y))
        assert (y_res >= 0).all()
        np.testing.assert_allclose(y_res.sum(axis=1), 1.0, atol=1e-12)
    else:
        assert set(np.unique(y_res)) <= set(np.unique(y))


@settings(max_examples=_n(1.5))
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 80),
    d=st.integers(1, 6),
    alpha=st.sampled_from([1.0, 0.2]),
    kind=KINDS,
    backend=st.sampled_from(["numpy", "torch"]),
)
def test_k1_is_mixup(count_example, seed, n, d, alpha, kind, backend):
    """With k=1 the matching has nothing to choose: the pairs are those of
    plain mixup, the same for any data of the same size."""
    count_example("test_properties.py::k1_is_mixup")
    X = _data(seed, (n, d), kind)
    other = _data(seed + 7, (n, d), "normal") * 1e3
    if backend == "torch":
        X, other = torch.from_numpy(X), torch.from_numpy(other)
    a = kmixup_pairs(X, k=1, alpha=alpha, random_state=seed)
    b = kmixup_pairs(other, k=1, alpha=alpha, random_state=seed)
    np.testing.assert_array_equal(a.partner, b.partner)
    np.testing.assert_array_equal(a.lam, b.lam)
    _check_draw(a, n, 1)
    assert len(np.unique(a.group)) == n  # every point is its own k-batch
    X_mix, _, draw = kmixup_batch(
        X, k=1, alpha=alpha, random_state=seed, return_info=True
    )
    np.testing.assert_array_equal(draw.partner, a.partner)
    _on_segment(X_mix, np.asarray(X), a.partner, a.lam, np.finfo(np.float64).eps)


@settings(max_examples=_n(1.0))
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 80),
    d=st.integers(1, 6),
    k=st.integers(1, 40),
    kind=KINDS,
    metric=st.sampled_from(["euclidean", "sqeuclidean"]),
    backend=st.sampled_from(["numpy", "torch"]),
)
def test_same_int_same_pairs(count_example, seed, n, d, k, kind, metric, backend):
    count_example("test_properties.py::same_pairs")
    F = _data(seed, (n, d), kind)
    X = _data(seed + 1, (n, 2, 2), "normal")
    if backend == "torch":
        F, X = torch.from_numpy(F), torch.from_numpy(X)
    a = kmixup_pairs(F, k=k, metric=metric, random_state=seed)
    _, _, b = kmixup_batch(X, k=k, metric=metric, match_on=F, random_state=seed,
                           return_info=True)  # fmt: skip
    c = kmixup_pairs(F, k=k, metric=metric, random_state=seed)
    for field in ("partner", "lam", "group"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
        np.testing.assert_array_equal(getattr(a, field), getattr(c, field))


@settings(max_examples=_n(0.5))
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 50),
    k=st.integers(1, 20),
    backend=st.sampled_from(["numpy", "torch"]),
)
def test_alpha_zero_changes_nothing(count_example, seed, n, k, backend):
    count_example("test_properties.py::alpha0")
    X = _data(seed, (n, 3), "normal")
    Y = _data(seed + 1, (n,), "normal")
    if backend == "torch":
        X, Y = torch.from_numpy(X), torch.from_numpy(Y)
    X_mix, Y_mix = kmixup_batch(X, Y, k=k, alpha=0.0, random_state=seed)
    np.testing.assert_array_equal(np.asarray(X_mix), np.asarray(X))
    np.testing.assert_array_equal(np.asarray(Y_mix), np.asarray(Y))
