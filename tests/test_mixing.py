"""Tests of the k-mixup step (skmixup._mixing.kmixup_batch)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from sklearn.datasets import load_iris

from skmixup import (
    KMixupDraw,
    _backend,
    effective_k,
    kmixup_batch,
    kmixup_pairs,
    match_batches,
)
from skmixup._matching import match_rows
from skmixup._mixing import draw, draw_batches, mix_step, standardize


def make_data(n=40, d=3, n_classes=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    Y = np.eye(n_classes, dtype=dtype)[rng.integers(0, n_classes, size=n)]
    return X, Y


def expected_mix(V, info):
    """lam * V + (1 - lam) * V[partner], in float64."""
    V = np.asarray(V, dtype=np.float64)
    w = info.lam.astype(np.float64).reshape((-1,) + (1,) * (V.ndim - 1))
    return w * V + (1 - w) * V[info.partner]


def assert_groups_optimal(feats, info, metric="euclidean", rtol=1e-9):
    """Each k-batch is matched to its partners by an optimal assignment."""
    feats = np.asarray(feats, dtype=np.float64)
    for g in np.unique(info.group):
        anchors = np.flatnonzero(info.group == g)
        partners = info.partner[anchors]
        chosen = cdist(feats[anchors], feats[partners], metric)
        opt = chosen[linear_sum_assignment(chosen)].sum()
        np.testing.assert_allclose(np.trace(chosen), opt, rtol=rtol, atol=1e-12)


def assert_valid_draw(info, n, k):
    assert isinstance(info, KMixupDraw)
    assert info.k == effective_k(k, n)
    assert info.partner.dtype == np.int64 and info.group.dtype == np.int64
    # every point is used once as a partner, and never as its own
    np.testing.assert_array_equal(np.sort(info.partner), np.arange(n))
    if n >= 2:
        assert not np.any(info.partner == np.arange(n))
    assert np.all((info.lam >= 0) & (info.lam <= 1))
    # one lambda per k-batch; full groups of k, at most one smaller group
    sizes = np.bincount(info.group)
    assert np.all(sizes[:-1] == info.k) and 1 <= sizes[-1] <= info.k
    for g in range(len(sizes)):
        members = info.group == g
        assert np.unique(info.lam[members]).size == 1
        # a k-batch and its partners share no point
        assert not np.intersect1d(np.flatnonzero(members), info.partner[members]).size


# ----------------------------------------------------------------------------
# The mixing itself
# ----------------------------------------------------------------------------
class TestMixing:
    @pytest.mark.parametrize("k", (1, 2, 3, 5, 8, 20, 64))
    @pytest.mark.parametrize("metric", ("sqeuclidean", "euclidean"))
    def test_segment_labels_and_optimality(self, k, metric):
        X, Y = make_data(n=43, seed=k)
        X_mix, Y_mix, info = kmixup_batch(
            X, Y, k=k, metric=metric, random_state=k, return_info=True
        )
        assert_valid_draw(info, 43, k)
        np.testing.assert_allclose(X_mix, expected_mix(X, info), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(Y_mix, expected_mix(Y, info), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(Y_mix.sum(axis=1), 1.0, rtol=1e-12)
        assert np.all(Y_mix >= 0)
        assert_groups_optimal(X, info, metric)

    def test_groups_are_matched_with_match_batches(self):
        # The pairing of every full k-batch is what match_batches returns on
        # the same two clouds (the matching is not reimplemented).
        X, _ = make_data(n=48, seed=3)
        _, _, info = kmixup_batch(X, k=8, random_state=0, return_info=True)
        for g in range(6):
            anchors = np.flatnonzero(info.group == g)
            pool = np.sort(info.partner[anchors])
            perm = match_batches(X[anchors], X[pool])
            np.testing.assert_array_equal(info.partner[anchors], pool[perm])

    @pytest.mark.parametrize("d", (3, 15, 16, 128, 129))
    def test_optimal_on_both_sides_of_the_fused_feature_limit(self, d):
        # Up to FUSED_MAX_FEATURES the cost blocks are built inside the
        # compiled kernel (with dot products from _DOT_MIN_FEATURES = 16 on),
        # beyond it by a batched matrix product.
        from skmixup._matching import FUSED_MAX_FEATURES

        assert FUSED_MAX_FEATURES == 128
        X, Y = make_data(n=90, d=d, seed=d)
        _, _, info = kmixup_batch(X, Y, k=9, random_state=d, return_info=True)
        assert_valid_draw(info, 90, 9)
        assert_groups_optimal(X, info)

    @pytest.mark.parametrize("k", (2, 5, 16))
    @pytest.mark.parametrize("metric", ("sqeuclidean", "euclidean"))
    def test_fused_kernel_gives_the_unfused_pairs(self, k, metric, monkeypatch):
        # Up to FUSED_MAX_FEATURES numpy batches are matched by one fused
        # compiled pass (skmixup._jv._match_rows); beyond it, by batched cost
        # blocks and the block solver. Same seed, same pairs.
        import skmixup._matching as matching_mod

        X, Y = make_data(n=203, seed=k)
        fused = kmixup_batch(X, Y, k=k, metric=metric, random_state=1, return_info=True)
        monkeypatch.setattr(matching_mod, "FUSED_MAX_FEATURES", 0)
        plain = kmixup_batch(X, Y, k=k, metric=metric, random_state=1, return_info=True)
        np.testing.assert_array_equal(fused[2].partner, plain[2].partner)
        np.testing.assert_array_equal(fused[0], plain[0])

    def test_non_finite_features_raise(self):
        X, Y = make_data(n=40, seed=0)
        X[7, 1] = np.nan
        with pytest.raises(ValueError, match="X must be finite"):
            kmixup_batch(X, Y, k=8, random_state=0)

    def test_k_not_dividing_the_batch(self):
        X, Y = make_data(n=50, seed=1)
        _, _, info = kmixup_batch(X, Y, k=8, random_state=1, return_info=True)
        assert_valid_draw(info, 50, 8)
        np.testing.assert_array_equal(np.bincount(info.group), [8] * 6 + [2])
        assert_groups_optimal(X, info)

    @pytest.mark.parametrize("n, k", [(64, 100), (64, 64), (64, 32), (7, 4), (3, 10)])
    def test_k_capped_at_half_the_batch(self, n, k):
        X, Y = make_data(n=n, seed=n)
        _, _, info = kmixup_batch(X, Y, k=k, random_state=0, return_info=True)
        assert info.k == min(k, n // 2)
        assert_valid_draw(info, n, k)
        assert_groups_optimal(X, info)

    def test_effective_k(self):
        assert effective_k(16, 256) == 16
        assert effective_k(16, 20) == 10
        assert effective_k(4, 1) == 1
        assert effective_k(4, 0) == 1
        assert effective_k(1, 1000) == 1

    def test_match_on_drives_the_matching(self):
        rng = np.random.default_rng(4)
        X = rng.normal(size=(60, 3))
        Z = rng.normal(size=(60, 2))  # unrelated matching features
        X_mix, _, info = kmixup_batch(
            X, k=10, match_on=Z, random_state=2, return_info=True
        )
        assert_groups_optimal(Z, info)
        np.testing.assert_allclose(X_mix, expected_mix(X, info), rtol=1e-12, atol=1e-14)
        # ... and the pairing differs from matching on X itself
        _, _, info_x = kmixup_batch(X, k=10, random_state=2, return_info=True)
        assert not np.array_equal(info.partner, info_x.partner)

    @pytest.mark.parametrize("Y_shape", [(30,), (30, 1), (30, 4)])
    def test_targets_shapes(self, Y_shape):
        X, _ = make_data(n=30)
        Y = np.random.default_rng(0).normal(size=Y_shape)
        _, Y_mix, info = kmixup_batch(X, Y, k=4, random_state=0, return_info=True)
        assert Y_mix.shape == Y_shape
        np.testing.assert_allclose(Y_mix, expected_mix(Y, info), rtol=1e-12, atol=1e-14)

    def test_integer_inputs_are_promoted(self):
        X = np.arange(40).reshape(20, 2)
        Y = np.arange(20) % 2
        X_mix, Y_mix, info = kmixup_batch(X, Y, k=3, random_state=0, return_info=True)
        assert X_mix.dtype == np.float64 and Y_mix.dtype == np.float64
        np.testing.assert_allclose(Y_mix, expected_mix(Y, info), rtol=1e-12, atol=1e-14)

    def test_no_targets(self):
        X, _ = make_data()
        X_mix, Y_mix = kmixup_batch(X, k=4, random_state=0)
        assert Y_mix is None and X_mix.shape == X.shape

    def test_lambda_follows_beta(self):
        # Beta(a, a) has mean 1/2 and variance 1 / (4 (2a + 1)).
        X = np.zeros((6000, 1))
        for alpha in (0.2, 2.0):
            _, _, info = kmixup_batch(
                X, k=1, alpha=alpha, random_state=0, return_info=True
            )
            assert abs(info.lam.mean() - 0.5) < 0.02
            np.testing.assert_allclose(
                info.lam.var(), 1 / (4 * (2 * alpha + 1)), rtol=0.1
            )


# ----------------------------------------------------------------------------
# k = 1, alpha = 0 and tiny batches
# ----------------------------------------------------------------------------
class TestSpecialCases:
    def test_k1_is_ordinary_mixup(self, monkeypatch):
        def no_ot(*args, **kwargs):
            raise AssertionError("k=1 must not solve an assignment")

        import skmixup._matching as matching_mod

        monkeypatch.setattr(matching_mod, "_solve_on_host", no_ot)
        monkeypatch.setattr(matching_mod, "_match_rows", no_ot)
        X, Y = make_data(n=31)
        partners_of_0 = set()
        for seed in range(30):
            X_mix, Y_mix, info = kmixup_batch(
                X, Y, k=1, random_state=seed, return_info=True
            )
            assert_valid_draw(info, 31, 1)
            np.testing.assert_allclose(
                X_mix, expected_mix(X, info), rtol=1e-12, atol=1e-14
            )
            assert np.unique(info.lam).size == 31  # one lambda per point
            partners_of_0.add(int(info.partner[0]))
        assert len(partners_of_0) > 10  # the partner is random

    @pytest.mark.parametrize("backend", ("numpy", "torch"))
    def test_alpha_zero_returns_input(self, backend):
        X, Y = make_data()
        if backend == "torch":
            X, Y = torch.from_numpy(X), torch.from_numpy(Y)
        X_mix, Y_mix, info = kmixup_batch(X, Y, k=4, alpha=0, return_info=True)
        assert X_mix is X and Y_mix is Y
        np.testing.assert_array_equal(info.lam, 1.0)
        np.testing.assert_array_equal(info.partner, np.arange(40))

    @pytest.mark.parametrize("n", (0, 1))
    def test_batches_too_small_to_mix(self, n):
        X, Y = np.zeros((n, 2)), np.zeros(n)
        X_mix, Y_mix, info = kmixup_batch(X, Y, k=4, random_state=0, return_info=True)
        assert X_mix is X and Y_mix is Y
        assert info.k == 1 and info.partner.shape == (n,)

    def test_two_points(self):
        X = np.array([[0.0], [1.0]])
        X_mix, _, info = kmixup_batch(X, k=5, random_state=0, return_info=True)
        np.testing.assert_array_equal(info.partner, [1, 0])
        np.testing.assert_allclose(
            X_mix[:, 0], [1 - info.lam[0], info.lam[1]], rtol=1e-12
        )


# ----------------------------------------------------------------------------
# Self-pairs: the design's point (iris, batch of 64)
# ----------------------------------------------------------------------------
def naive_second_shuffle(X, k, rng):
    """Partner k-batches drawn by a second shuffle of the same batch."""
    n = X.shape[0]
    anchors = rng.permutation(n).reshape(-1, k)
    pool = rng.permutation(n).reshape(-1, k)
    perm = match_batches(X[anchors], X[pool])
    partner = np.empty(n, dtype=np.int64)
    partner[anchors.ravel()] = np.take_along_axis(pool, perm, axis=1).ravel()
    return partner


class TestSelfPairs:
    @pytest.fixture(scope="class")
    def iris_batches(self):
        X = load_iris().data
        rng = np.random.default_rng(0)
        return [X[rng.choice(len(X), 64, replace=False)] for _ in range(40)]

    @pytest.mark.parametrize("k", (1, 2, 4, 8, 16, 32, 64, 100))
    def test_self_pair_rate_is_zero(self, iris_batches, k):
        for seed, X in enumerate(iris_batches):
            _, _, info = kmixup_batch(X, k=k, random_state=seed, return_info=True)
            assert not np.any(info.partner == np.arange(64))

    def test_naive_scheme_would_self_pair(self, iris_batches):
        # Contrast: with a second shuffle, a point drawn in both k-batches is
        # usually matched with itself (distance 0); ~13% at k=16, ~100% at k=64.
        rng = np.random.default_rng(1)
        rate = {
            k: np.mean(
                [
                    np.mean(naive_second_shuffle(X, k, rng) == np.arange(64))
                    for X in iris_batches
                ]
            )
            for k in (16, 64)
        }
        assert 0.06 < rate[16] < 0.35
        assert rate[64] > 0.95


# ----------------------------------------------------------------------------
# Randomness, dtypes, backends, immutability
# ----------------------------------------------------------------------------
class TestRandomness:
    def test_same_seed_same_output_other_seed_different(self):
        X, Y = make_data()
        a = kmixup_batch(X, Y, k=4, random_state=3)
        b = kmixup_batch(X, Y, k=4, random_state=3)
        c = kmixup_batch(X, Y, k=4, random_state=4)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert not np.allclose(a[0], c[0])

    @pytest.mark.parametrize("make_rng", (np.random.RandomState, np.random.default_rng))
    def test_numpy_random_objects(self, make_rng):
        X, _ = make_data()
        first = kmixup_batch(X, k=4, random_state=make_rng(0))[0]
        np.testing.assert_array_equal(
            first, kmixup_batch(X, k=4, random_state=make_rng(0))[0]
        )
        rng = make_rng(0)
        kmixup_batch(X, k=4, random_state=rng)
        # the generator advanced: the next step draws new pairs
        assert not np.allclose(first, kmixup_batch(X, k=4, random_state=rng)[0])

    @pytest.mark.parametrize("seed", (0, 2**40, np.int64(7)))
    def test_any_non_negative_int_seed(self, seed):
        X, _ = make_data()
        a = kmixup_pairs(X, k=4, random_state=seed)
        b = kmixup_batch(X, k=4, random_state=seed, return_info=True)[2]
        np.testing.assert_array_equal(a.partner, b.partner)

    def test_negative_seed(self):
        with pytest.raises(
            ValueError, match="The 'random_state' parameter of kmixup_pairs must be"
        ):
            kmixup_pairs(np.zeros((4, 2)), random_state=-1)

    def test_none_is_random(self):
        X, _ = make_data()
        assert not np.allclose(kmixup_batch(X, k=4)[0], kmixup_batch(X, k=4)[0])


class TestDtypesAndTorch:
    def test_float32_stays_float32(self):
        X, Y = make_data(dtype=np.float32)
        X_mix, Y_mix, info = kmixup_batch(X, Y, k=5, random_state=0, return_info=True)
        assert X_mix.dtype == np.float32 and Y_mix.dtype == np.float32
        np.testing.assert_allclose(X_mix, expected_mix(X, info), rtol=1e-6, atol=1e-6)

    @pytest.mark.parametrize("dtype", (torch.float32, torch.float64))
    @pytest.mark.parametrize("k", (1, 3, 8))
    def test_torch_in_torch_out(self, dtype, k):
        X, Y = make_data(n=45, seed=k)
        Xt = torch.from_numpy(X).to(dtype)
        Yt = torch.from_numpy(Y).to(dtype)
        X_mix, Y_mix, info = kmixup_batch(Xt, Yt, k=k, random_state=0, return_info=True)
        for out in (X_mix, Y_mix):
            assert isinstance(out, torch.Tensor)
            assert out.dtype == dtype and out.device == Xt.device
        assert isinstance(info.partner, np.ndarray) and isinstance(info.lam, np.ndarray)
        assert_valid_draw(info, 45, k)
        tol = 1e-12 if dtype == torch.float64 else 1e-5
        np.testing.assert_allclose(
            X_mix.numpy(), expected_mix(Xt.numpy(), info), rtol=tol, atol=tol
        )
        np.testing.assert_allclose(
            Y_mix.numpy(), expected_mix(Yt.numpy(), info), rtol=tol, atol=tol
        )
        assert_groups_optimal(
            Xt.numpy(), info, rtol=1e-9 if dtype == torch.float64 else 1e-5
        )

    @pytest.mark.parametrize("k", (2, 4, 8))
    def test_torch_and_numpy_draw_the_same(self, k):
        # All randomness is drawn on the host: same seed, same pairs.
        X, Y = make_data(n=40, seed=k)
        X_np, Y_np, info_np = kmixup_batch(X, Y, k=k, random_state=5, return_info=True)
        X_t, Y_t, info_t = kmixup_batch(
            torch.from_numpy(X),
            torch.from_numpy(Y),
            k=k,
            random_state=5,
            return_info=True,
        )
        np.testing.assert_array_equal(info_t.partner, info_np.partner)
        np.testing.assert_array_equal(info_t.lam, info_np.lam)
        np.testing.assert_array_equal(info_t.group, info_np.group)
        np.testing.assert_allclose(X_t.numpy(), X_np, rtol=1e-12)
        np.testing.assert_allclose(Y_t.numpy(), Y_np, rtol=1e-12)

    @pytest.mark.parametrize("dtype", (torch.float16, torch.bfloat16))
    @pytest.mark.parametrize("k", (2, 8))
    def test_half_precision_tensors(self, k, dtype):
        # 16-bit inputs are matched on a float32 copy and mixed in their dtype.
        X, Y = make_data(n=48, d=3, seed=k)
        Xt, Yt = torch.from_numpy(X).to(dtype), torch.from_numpy(Y).to(dtype)
        X_mix, Y_mix, info = kmixup_batch(Xt, Yt, k=k, random_state=0, return_info=True)
        assert X_mix.dtype == dtype and Y_mix.dtype == dtype
        assert_valid_draw(info, 48, k)
        X_half = Xt.double().numpy()
        assert_groups_optimal(X_half, info, rtol=1e-5)
        tol = 1e-2 if dtype == torch.bfloat16 else 2e-3
        np.testing.assert_allclose(
            X_mix.double().numpy(), expected_mix(X_half, info), rtol=tol, atol=tol
        )
        # lambda is rounded once, from float64 to the 16-bit type, by torch
        # (numpy has no bfloat16): exactly torch's own lerp
        lam = torch.from_numpy(info.lam).to(dtype)[:, None]
        partner = torch.from_numpy(info.partner)
        assert torch.equal(X_mix, torch.lerp(Xt[partner], Xt, lam))
        assert torch.equal(Y_mix, torch.lerp(Yt[partner], Yt, lam))

    def test_torch_integer_targets(self):
        X = torch.randn(20, 2, dtype=torch.float32)
        Y = torch.arange(20) % 3
        _, Y_mix = kmixup_batch(X, Y, k=4, random_state=0)
        assert Y_mix.dtype == torch.float32


@pytest.mark.parametrize("backend", ("numpy", "torch"))
def test_inputs_not_mutated(backend):
    X, Y = make_data()
    Z = X[:, :2] * 3.0
    copies = [X.copy(), Y.copy(), Z.copy()]
    if backend == "torch":
        X, Y, Z = (torch.from_numpy(a.copy()) for a in (X, Y, Z))
    kmixup_batch(X, Y, k=4, match_on=Z, random_state=0)
    for arr, orig in zip((X, Y, Z), copies):
        got = arr.numpy() if backend == "torch" else arr
        np.testing.assert_array_equal(got, orig)


# ----------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------
class TestBadInput:
    X = np.zeros((10, 2))

    @pytest.mark.parametrize("k", (0, -3))
    def test_k_below_one(self, k):
        with pytest.raises(
            ValueError,
            match=rf"The 'k' parameter of kmixup_batch must be an int in the range "
            rf"\[1, inf\)\. Got {k} instead",
        ):
            kmixup_batch(self.X, k=k)

    @pytest.mark.parametrize("k", (2.0, 2.5, True, "4", None))
    def test_k_not_an_integer(self, k):
        with pytest.raises(TypeError, match="The 'k' parameter of kmixup_batch"):
            kmixup_batch(self.X, k=k)

    @pytest.mark.parametrize("alpha", (-0.5, float("nan"), "1", True))
    def test_bad_alpha(self, alpha):
        with pytest.raises(
            ValueError,
            match="The 'alpha' parameter of kmixup_batch must be a finite float >= 0",
        ):
            kmixup_batch(self.X, alpha=alpha)

    def test_infinite_alpha(self):
        # Beta(inf, inf) draws NaN: every mixed value would be NaN.
        with pytest.raises(ValueError, match="alpha"):
            kmixup_batch(self.X, alpha=float("inf"))

    def test_unknown_metric(self):
        with pytest.raises(
            ValueError, match="The 'metric' parameter of kmixup_batch.*'cityblock'"
        ):
            kmixup_batch(self.X, metric="cityblock")

    def test_X_not_2d(self):
        with pytest.raises(
            ValueError, match=r"X must have shape \(n_samples, ...\) with at least 2"
        ):
            kmixup_batch(np.zeros(10))

    @pytest.mark.parametrize("name", ("Y", "match_on"))
    def test_mismatched_rows(self, name):
        with pytest.raises(
            ValueError,
            match=f"{name} must have shape \\(10, ...\\).*one row per sample of X; "
            "got shape \\(9, 2\\)",
        ):
            kmixup_batch(self.X, **{name: np.zeros((9, 2))})

    def test_bad_random_state(self):
        with pytest.raises(
            TypeError, match="The 'random_state' parameter of kmixup_batch must be"
        ):
            kmixup_batch(self.X, random_state="seed")

    @pytest.mark.parametrize("name", ("Y", "match_on"))
    @pytest.mark.parametrize("torch_X", (True, False))
    def test_numpy_mixed_with_torch(self, name, torch_X):
        X = torch.zeros(10, 2) if torch_X else np.zeros((10, 2))
        other = np.zeros((10, 2)) if torch_X else torch.zeros(10, 2)
        with pytest.raises(TypeError, match=name):
            kmixup_batch(X, **{name: other}, random_state=0)


# ----------------------------------------------------------------------------
# Property-based tests
# ----------------------------------------------------------------------------
@settings(max_examples=120, deadline=None)
@given(
    n=st.integers(2, 40),
    d=st.integers(1, 3),
    k=st.integers(1, 45),
    alpha=st.sampled_from((0.2, 1.0, 4.0)),
    metric=st.sampled_from(("sqeuclidean", "euclidean")),
    integer_coords=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_mixing_invariants(n, d, k, alpha, metric, integer_coords, seed):
    rng = np.random.default_rng(seed)
    if integer_coords:  # ties and duplicate points
        X = rng.integers(-2, 3, size=(n, d)).astype(np.float64)
    else:
        X = rng.normal(size=(n, d))
    Y = np.eye(4)[rng.integers(0, 4, size=n)]
    X_mix, Y_mix, info = kmixup_batch(
        X, Y, k=k, alpha=alpha, metric=metric, random_state=seed, return_info=True
    )
    assert_valid_draw(info, n, k)
    np.testing.assert_allclose(X_mix, expected_mix(X, info), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Y_mix, expected_mix(Y, info), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Y_mix.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all((Y_mix >= 0) & (Y_mix <= 1))
    assert_groups_optimal(X, info, metric)


class TestTorchDevicePath:
    """The on-device torch path (used on GPUs, and for tensors that require
    gradients) gives the pairs and weights of the numpy path for the same seed.

    CPU tensors that do not require gradients take the numpy path on views,
    so these tests drive the device path explicitly on the CPU.
    """

    @pytest.fixture
    def device_path(self, monkeypatch):
        """CPU tensors take the code path of device tensors."""
        monkeypatch.setattr(_backend, "CPU_AS_HOST", False)

    @pytest.mark.parametrize("k", (1, 3, 4, 8, 16))
    @pytest.mark.parametrize("metric", ("sqeuclidean", "euclidean"))
    def test_matched_pairs_agree_with_numpy(self, k, metric, device_path):
        rng = np.random.default_rng(0)
        feats = rng.normal(size=(70, 5))
        order = rng.permutation(70)[: (70 // k) * k]
        anchors = order.reshape(-1, k)
        partners = np.roll(order, -k).reshape(-1, k)
        on_device = match_rows(
            torch.from_numpy(feats), anchors, partners, metric=metric
        )
        on_host = match_rows(feats, anchors, partners, metric=metric)
        assert isinstance(on_device, torch.Tensor) and on_device.dtype == torch.int64
        np.testing.assert_array_equal(on_device.numpy(), on_host)

    @pytest.mark.parametrize("k", (1, 3, 8))
    @pytest.mark.parametrize("discrete", (None, np.array([True, False, False])))
    def test_mix_step_agrees_with_numpy(self, k, discrete, device_path):
        X, Y = make_data(n=37, seed=k)
        X[:, 0] = np.arange(37) % 4  # category codes
        w = np.linspace(0.5, 1.5, 37)
        ref = mix_step(
            X, Y, k=k, alpha=1.0, metric="euclidean", rng=np.random.default_rng(3),
            sample_weight=w, discrete=discrete,
        )  # fmt: skip
        got = mix_step(
            *(torch.from_numpy(a) for a in (X, Y)), k=k, alpha=1.0,
            metric="euclidean", rng=np.random.default_rng(3),
            sample_weight=torch.from_numpy(w), discrete=discrete,
        )  # fmt: skip
        for g, r in zip(got, ref):
            assert isinstance(g, torch.Tensor)
            np.testing.assert_allclose(g.numpy(), r, rtol=1e-12)
        if discrete is not None:  # categories are taken whole
            assert set(np.unique(got[0][:, 0].numpy())) <= {0.0, 1.0, 2.0, 3.0}

    def test_match_batches_and_standardize_agree_with_numpy(self, device_path):
        rng = np.random.default_rng(1)
        A, B = rng.normal(size=(2, 9, 6, 4)) * 1e200
        np.testing.assert_array_equal(
            match_batches(torch.from_numpy(A), torch.from_numpy(B)).numpy(),
            match_batches(A, B),
        )
        X = rng.normal(size=(20, 3)) * 1e-300
        np.testing.assert_allclose(
            standardize(torch.from_numpy(X)).numpy(), standardize(X), rtol=1e-12
        )

    def test_requires_grad_input_mixes_on_the_tensor_path(self):
        X = torch.randn(40, 3, dtype=torch.float64, requires_grad=True)
        Y = torch.nn.functional.one_hot(torch.arange(40) % 2).double()
        X_mix, Y_mix, info = kmixup_batch(X, Y, k=8, random_state=0, return_info=True)
        assert X_mix.requires_grad
        lam = torch.from_numpy(info.lam)[:, None]
        partner = torch.from_numpy(info.partner)
        torch.testing.assert_close(
            X_mix, lam * X + (1 - lam) * X[partner], rtol=1e-12, atol=1e-12
        )
        torch.testing.assert_close(Y_mix, lam * Y + (1 - lam) * Y[partner])
        assert (info.partner != np.arange(40)).all()
        X_mix.sum().backward()
        assert X.grad is not None


# ----------------------------------------------------------------------------
# mix_step: the per-batch hook of the nets (no validation)
# ----------------------------------------------------------------------------
class TestMixStep:
    @pytest.mark.parametrize("k", (1, 3, 8))
    @pytest.mark.parametrize("backend", ("numpy", "torch"))
    def test_same_draw_as_kmixup_batch(self, k, backend):
        X, Y = make_data(n=30, seed=k)
        w = np.random.default_rng(k).uniform(0.5, 2.0, size=30)
        if backend == "torch":
            X, Y, w = (torch.from_numpy(a) for a in (X, Y, w))
        X_ref, Y_ref, info = kmixup_batch(X, Y, k=k, random_state=7, return_info=True)
        X_mix, Y_mix, w_mix = mix_step(
            X,
            Y,
            k=k,
            alpha=1.0,
            metric="euclidean",
            rng=np.random.default_rng(7),
            sample_weight=w,
        )
        for got, ref in ((X_mix, X_ref), (Y_mix, Y_ref)):
            assert type(got) is type(ref)
            np.testing.assert_array_equal(np.asarray(got), np.asarray(ref))
        # weights mixed linearly with the same lambda and partner
        assert type(w_mix) is type(w)
        np.testing.assert_allclose(
            np.asarray(w_mix), expected_mix(np.asarray(w), info), rtol=1e-12
        )

    def test_no_targets_no_weights(self):
        X, _ = make_data()
        X_mix, Y_mix, w_mix = mix_step(
            X, None, k=4, alpha=1.0, metric="sqeuclidean", rng=np.random.default_rng(0)
        )
        assert X_mix.shape == X.shape and Y_mix is None and w_mix is None

    def test_alpha_zero_returns_inputs(self):
        X, Y = make_data()
        w = np.ones(40)
        rng = np.random.default_rng(0)
        out = mix_step(X, Y, k=4, alpha=0, metric="euclidean", rng=rng, sample_weight=w)
        assert out[0] is X and out[1] is Y and out[2] is w

    def test_integer_weights_and_targets_are_promoted(self):
        X = torch.randn(20, 3, dtype=torch.float16)
        Y = torch.arange(20) % 3
        w = torch.ones(20, dtype=torch.int64)
        X_mix, Y_mix, w_mix = mix_step(
            X,
            Y,
            k=4,
            alpha=1.0,
            metric="euclidean",
            rng=np.random.default_rng(0),
            sample_weight=w,
        )
        assert X_mix.dtype == torch.float16
        assert Y_mix.dtype == torch.float32 and w_mix.dtype == torch.float32
        torch.testing.assert_close(w_mix, torch.ones(20))

    def test_autograd_flows_with_plain_targets(self):
        X = torch.randn(24, 3, dtype=torch.float64, requires_grad=True)
        Y = torch.arange(24) % 2
        X_mix, Y_mix, _ = mix_step(
            X, Y, k=4, alpha=1.0, metric="euclidean", rng=np.random.default_rng(0)
        )
        assert X_mix.requires_grad and Y_mix.dtype == torch.float64
        X_mix.sum().backward()
        # d sum / d X[i] = lam[i] + (1 - lam[j]) for the row j mixed with i
        info = kmixup_pairs(X.detach(), k=4, random_state=0)
        grad = info.lam.copy()
        np.add.at(grad, info.partner, 1 - info.lam)
        np.testing.assert_allclose(X.grad.numpy(), np.repeat(grad[:, None], 3, 1))


class TestMatchOnModes:
    def test_raw_is_X_itself(self):
        X, Y = make_data()
        a = kmixup_batch(X, Y, k=4, random_state=0)
        b = kmixup_batch(X, Y, k=4, match_on="raw", random_state=0)
        np.testing.assert_array_equal(a[0], b[0])

    @pytest.mark.parametrize("backend", ("numpy", "torch"))
    def test_standardized_matches_on_the_standardised_batch(self, backend):
        X, Y = make_data(n=32)
        X[:, 0] *= 1000.0  # standardising changes the pairs
        Z = (X - X.mean(axis=0)) / X.std(axis=0)
        ref = kmixup_batch(X, Y, k=8, match_on=Z, random_state=0, return_info=True)
        if backend == "torch":
            X, Y = torch.from_numpy(X), torch.from_numpy(Y)
        got = kmixup_batch(
            X, Y, k=8, match_on="standardized", random_state=0, return_info=True
        )
        np.testing.assert_array_equal(got[2].partner, ref[2].partner)
        raw = kmixup_batch(X, Y, k=8, random_state=0, return_info=True)
        assert not np.array_equal(raw[2].partner, ref[2].partner)

    def test_unknown_mode(self):
        with pytest.raises(
            ValueError, match="The 'match_on' parameter of kmixup_batch"
        ):
            kmixup_batch(np.zeros((10, 2)), match_on="whitened")


class TestMixRows:
    """The one mixing formula, on the paths the per-batch step does not take:
    chunked outputs and weights given as host arrays or tensors."""

    @staticmethod
    def _case(kind, dtype, n=23, d=4, seed=0):
        rng = np.random.default_rng(seed)
        V = rng.normal(size=(n, d)).astype(dtype)
        partner = rng.permutation(n)
        anchor = rng.permutation(n)
        lam = rng.random(n)
        pick = rng.random(n) < lam
        discrete = np.array([True, False, False, True])
        if kind == "torch":
            conv = torch.from_numpy
            return conv(V), conv(partner), conv(anchor), lam, conv(pick), conv(discrete)
        return V, partner, anchor, lam, pick, discrete

    @pytest.mark.parametrize("kind", ("numpy", "torch"))
    @pytest.mark.parametrize("with_out", (False, True))
    def test_chunks_give_the_unchunked_result(self, monkeypatch, kind, with_out):
        from skmixup import _mixing

        V, partner, anchor, lam, pick, discrete = self._case(kind, np.float32)
        kwargs = dict(anchor=anchor, discrete=discrete, pick=pick)
        whole = _mixing.mix_rows(V, partner, lam, **kwargs)
        monkeypatch.setattr(_mixing, "_MIX_CHUNK", 5)  # 23 rows: 5 chunks
        out = (
            (np.empty_like(V) if kind == "numpy" else torch.empty_like(V))
            if with_out
            else None
        )
        chunked = _mixing.mix_rows(V, partner, lam, out=out, **kwargs)
        if with_out:
            assert chunked is out
        np.testing.assert_array_equal(np.asarray(chunked), np.asarray(whole))
        # and it is the formula, with discrete columns taken whole
        Vn, pn, an = (np.asarray(x) for x in (V, partner, anchor))
        w = lam.astype(np.float32)[:, None]
        expected = w * Vn[an] + (1 - w) * Vn[pn]
        parent = np.where(np.asarray(pick)[:, None], Vn[an], Vn[pn])
        expected[:, np.asarray(discrete)] = parent[:, np.asarray(discrete)]
        np.testing.assert_allclose(np.asarray(chunked), expected, rtol=1e-6, atol=1e-6)

    @pytest.mark.parametrize("dtype", (torch.float32, torch.float64, torch.float16))
    def test_weights_as_host_array_or_tensor_agree(self, dtype):
        from skmixup._mixing import mix_rows

        V, partner, _, lam, _, _ = self._case("torch", np.float64)
        V = V.to(dtype)
        from_host = mix_rows(V, partner, lam)
        from_tensor = mix_rows(V, partner, torch.from_numpy(lam))
        assert from_host.dtype == dtype
        assert torch.equal(from_host, from_tensor)
        # lambda rounded once from float64 to the mixing dtype, as torch does
        w = torch.from_numpy(lam).to(dtype)[:, None]
        assert torch.equal(from_host, torch.lerp(V[partner], V, w))


class TestDrawBatches:
    """A pass's draws made at once are the batch-by-batch draws."""

    @pytest.mark.parametrize(
        "n, d, batch_size, k",
        [
            (200, 5, 64, 1),  # ordinary mixup, a partial last batch
            (200, 20, 64, 16),  # the fused kernel's dot products
            (256, 20, 64, 16),  # no partial batch
            (203, 3, 50, 7),  # remainder k-batches in every batch
            (65, 2, 64, 4),  # a last batch of one row: nothing drawn
            (40, 2, 16, 16),  # k capped by the batch
            (12, 3, 1, 2),  # batches of one row only
            (30, 150, 8, 3),  # past the fused kernel's features
        ],
    )
    @pytest.mark.parametrize("kind", ("numpy", "torch"))
    @pytest.mark.parametrize("dtype", (np.float64, np.float32))
    def test_same_records_and_generator_as_draw(self, n, d, batch_size, k, kind, dtype):
        X = np.random.default_rng(n + d).normal(size=(n, d)).astype(dtype)
        feats = torch.from_numpy(X) if kind == "torch" else X
        rows = np.random.default_rng(5).permutation(n)
        planned_rng, own_rng = np.random.default_rng(9), np.random.default_rng(9)
        draws = draw_batches(feats, rows, batch_size, k, 0.7, "euclidean", planned_rng)
        draws.send(feats)
        for b, start in enumerate(range(0, n, batch_size)):
            batch = rows[start : start + batch_size]
            step = draws.step(b)
            if len(batch) < 2:  # mix_step returns such a batch as it is
                assert step is None
                continue
            ref = draw(feats[batch], k, 0.7, "euclidean", own_rng).to_record()
            record, partner, weights = step
            got = record.to_record()
            for field in ("partner", "lam", "group", "pick"):
                np.testing.assert_array_equal(getattr(got, field), getattr(ref, field))
            assert got.k == ref.k
            assert type(partner) is type(feats)
            np.testing.assert_array_equal(np.asarray(partner), ref.partner)
            w, w1 = weights.pair(feats.dtype, 2)  # made ahead by send()
            np.testing.assert_array_equal(np.asarray(w).ravel(), ref.lam.astype(dtype))
            if w1 is not None:  # numpy mixes with 1 - lam as well
                np.testing.assert_array_equal(w1, 1 - w)
            # a form not made ahead (sample weights): cut from the pass's
            w_1d = weights.pair(feats.dtype, 1)[0]
            assert w_1d.shape == (len(batch),)
            np.testing.assert_array_equal(np.asarray(w_1d), ref.lam.astype(dtype))
        # the generator is left where the batch-by-batch draws leave it
        assert planned_rng.random() == own_rng.random()

    def test_pairs_are_optimal_and_never_self(self):
        X = np.random.default_rng(0).normal(size=(96, 4))
        rows = np.random.default_rng(1).permutation(96)
        draws = draw_batches(
            X, rows, 32, 8, 1.0, "sqeuclidean", np.random.default_rng(2)
        )
        draws.send(X)
        for b in range(3):
            batch = X[rows[32 * b : 32 * (b + 1)]]
            record = draws.step(b)[0].to_record()
            assert (record.partner != np.arange(32)).all()
            for g in range(4):
                members = np.flatnonzero(record.group == g)
                partners = record.partner[members]
                cost = cdist(batch[members], batch[partners], "sqeuclidean")
                best = cost[linear_sum_assignment(cost)].sum()
                np.testing.assert_allclose(np.trace(cost), best, rtol=1e-12)
