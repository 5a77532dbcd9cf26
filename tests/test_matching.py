"""Tests of the exact batched matching (skmixup._matching, skmixup._jv).

Every solver is checked against an independent exact optimum: scipy's
``linear_sum_assignment`` and POT's ``ot.emd`` on the true (unreduced) cost,
computed here from coordinate differences. Exact solvers are held to
``rtol=1e-9`` on the total cost in float64.
"""

import numpy as np
import ot
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linear_sum_assignment

import skmixup
import skmixup._matching as matching_mod
from skmixup import _jv, _metrics
from skmixup._jv import _lsap_square_batch, _match_rows
from skmixup._matching import BRUTE_FORCE_MAX_K

#: Every metric of the package's one table.
METRICS = tuple(_metrics.METRICS)


# These tests were written against the squared cost; the package default is
# the Euclidean one (tests/test_contract.py checks the default itself).
def match_batches(A, B, **kwargs):
    kwargs.setdefault("metric", "sqeuclidean")
    return skmixup.match_batches(A, B, **kwargs)


def pairwise_cost(A, B, metric="sqeuclidean", **kwargs):
    return skmixup.pairwise_cost(A, B, metric, **kwargs)


RTOL = 1e-9
ATOL = 1e-9  # for blocks whose optimum is 0 (all points duplicated)


# ----------------------------------------------------------------------------
# Independent reference: true costs from coordinate differences, solved by
# scipy (one block at a time) and by POT's network simplex.
# ----------------------------------------------------------------------------
def true_cost(A, B, metric):
    """Cost blocks (n, k, k) in float64 from explicit differences."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    sq = ((A[..., :, None, :] - B[..., None, :, :]) ** 2).sum(-1)
    return _metrics.METRICS[metric].from_squared(np, sq)


def perm_cost(C, perm):
    """Total cost of each block's pairing ``i -> perm[i]``."""
    return np.take_along_axis(C, perm[..., None], axis=-1)[..., 0].sum(-1)


def scipy_optimum(C):
    return np.array([c[linear_sum_assignment(c)].sum() for c in C])


def emd_optimum(C):
    k = C.shape[-1]
    w = np.full(k, 1.0 / k)
    # ot.emd returns a plan of mass 1/k per pair; scale to a sum over k pairs.
    return np.array([k * np.sum(ot.emd(w, w, c) * c) for c in C])


def assert_permutations(perm, k):
    perm = np.asarray(perm)
    assert perm.dtype == np.int64
    assert perm.shape[-1] == k
    np.testing.assert_array_equal(
        np.sort(perm.reshape(-1, k), axis=1),
        np.broadcast_to(np.arange(k), (perm.reshape(-1, k).shape[0], k)),
    )


def make_blocks(kind, n_blocks, k, rng):
    """Random pairs of blocks of shape (n_blocks, k, d) designed to stress ties."""
    if kind == "normal":
        A = rng.normal(size=(n_blocks, k, 3))
        B = rng.normal(size=(n_blocks, k, 3))
    elif kind == "integer":  # many exactly tied permutations
        A = rng.integers(0, 3, size=(n_blocks, k, 2)).astype(np.float64)
        B = rng.integers(0, 3, size=(n_blocks, k, 2)).astype(np.float64)
    elif kind == "duplicates":  # repeated rows inside and across A and B
        base = rng.normal(size=(n_blocks, 2, 4))
        A = base[:, rng.integers(0, 2, size=k)]
        B = base[:, rng.integers(0, 2, size=k)]
    elif kind == "d1":
        A = rng.normal(size=(n_blocks, k, 1))
        B = rng.integers(-1, 2, size=(n_blocks, k, 1)).astype(np.float64)
    else:  # pragma: no cover - test-suite typo guard
        raise ValueError(kind)
    return A, B


KINDS = ("normal", "integer", "duplicates", "d1")
KS = (1, 2, 3, 4, 5, 7, 16)


def solvers_for(k):
    return ("auto", "jv", "scipy") + (("brute",) if k <= 5 else ())


# ----------------------------------------------------------------------------
# Exactness over thousands of blocks
# ----------------------------------------------------------------------------
class TestExactOptimum:
    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("k", KS)
    def test_all_solvers_match_scipy_optimum(self, k, kind, metric):
        rng = np.random.default_rng(1000 * k + KINDS.index(kind))
        A, B = make_blocks(kind, 300, k, rng)
        C = true_cost(A, B, metric)
        optimum = scipy_optimum(C)
        for solver in solvers_for(k):
            perm = match_batches(A, B, metric=metric, solver=solver)
            assert_permutations(perm, k)
            np.testing.assert_allclose(
                perm_cost(C, perm), optimum, rtol=RTOL, atol=ATOL, err_msg=solver
            )

    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("k", (2, 4, 6, 12))
    def test_matches_pot_emd(self, k, kind, metric):
        rng = np.random.default_rng(7 * k + KINDS.index(kind))
        A, B = make_blocks(kind, 150, k, rng)
        C = true_cost(A, B, metric)
        perm = match_batches(A, B, metric=metric)
        np.testing.assert_allclose(
            perm_cost(C, perm), emd_optimum(C), rtol=RTOL, atol=ATOL
        )

    def test_many_blocks_in_one_call_larger_k(self):
        rng = np.random.default_rng(3)
        A, B = make_blocks("normal", 64, 40, rng)
        C = true_cost(A, B, "sqeuclidean")
        perm = match_batches(A, B)
        assert_permutations(perm, 40)
        np.testing.assert_allclose(perm_cost(C, perm), scipy_optimum(C), rtol=RTOL)

    def test_auto_choice_by_k_and_place(self, monkeypatch):
        # Host data within the fused kernel's features: its compiled pass for
        # every k, brute force never runs. Past them (as for device tensors),
        # every permutation is scored up to BRUTE_FORCE_MAX_K: the
        # enumeration itself is checked on that k against scipy.
        k = BRUTE_FORCE_MAX_K
        rng = np.random.default_rng(11)
        A, B = make_blocks("normal", 500, k, rng)
        C = true_cost(A, B, "sqeuclidean")
        scored = []
        brute = matching_mod._brute_force
        monkeypatch.setattr(
            matching_mod, "_brute_force", lambda cost: scored.append(1) or brute(cost)
        )
        auto = match_batches(A, B, solver="auto")
        assert scored == []
        monkeypatch.setattr(matching_mod, "FUSED_MAX_FEATURES", 0)
        np.testing.assert_array_equal(match_batches(A, B, solver="auto"), auto)
        assert scored == [1]
        for perm in (auto, match_batches(A, B, solver="brute")):
            np.testing.assert_allclose(perm_cost(C, perm), scipy_optimum(C), rtol=RTOL)

    def test_identical_clouds_match_to_identity(self):
        rng = np.random.default_rng(0)
        A = rng.normal(size=(50, 9, 4))
        np.testing.assert_array_equal(
            match_batches(A, A), np.tile(np.arange(9), (50, 1))
        )

    def test_known_small_example(self):
        A = np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 0.0]])
        B = np.array([[19.0, 1.0], [1.0, 0.0], [10.0, 9.0]])
        for solver in ("auto", "brute", "jv", "scipy"):
            np.testing.assert_array_equal(match_batches(A, B, solver=solver), [1, 2, 0])

    @pytest.mark.parametrize(
        "dtype, offset",
        [(np.float64, 1.7e9), (np.float32, 1e3)],
        ids=["float64-timestamps", "float32-offset-1e3"],
    )
    def test_large_common_offset_keeps_optimality(self, dtype, offset):
        # Translating both clouds changes no distance, so it must not change
        # the optimal cost. Features with a large common offset (timestamps,
        # raw measurements in the thousands in float32) lose precision in the
        # expanded inner-product cost unless the blocks are centred first.
        rng = np.random.default_rng(5)
        A = rng.normal(size=(200, 6, 3))
        B = rng.normal(size=(200, 6, 3))
        A_off = (A + offset).astype(dtype)
        B_off = (B + offset).astype(dtype)
        C = true_cost(A_off, B_off, "sqeuclidean")
        perm = match_batches(A_off, B_off)
        rtol = 1e-9 if dtype == np.float64 else 1e-4
        np.testing.assert_allclose(perm_cost(C, perm), scipy_optimum(C), rtol=rtol)


# ----------------------------------------------------------------------------
# Shapes, dtypes and backends
# ----------------------------------------------------------------------------
class TestShapes:
    def test_leading_batch_dimensions(self):
        rng = np.random.default_rng(0)
        A = rng.normal(size=(3, 5, 6, 2))
        B = rng.normal(size=(3, 5, 6, 2))
        perm = match_batches(A, B)
        assert perm.shape == (3, 5, 6)
        assert_permutations(perm, 6)
        flat = match_batches(A.reshape(15, 6, 2), B.reshape(15, 6, 2))
        np.testing.assert_array_equal(perm.reshape(15, 6), flat)

    def test_single_block_2d(self):
        rng = np.random.default_rng(1)
        A, B = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
        perm = match_batches(A, B)
        assert perm.shape == (7,)
        np.testing.assert_array_equal(perm, match_batches(A[None], B[None])[0])

    @pytest.mark.parametrize("solver", ("auto", "brute", "jv", "scipy"))
    def test_k_equal_one(self, solver):
        A = np.ones((4, 2, 1, 3))
        perm = match_batches(A, -A, solver=solver)
        assert perm.shape == (4, 2, 1)
        assert perm.dtype == np.int64
        np.testing.assert_array_equal(perm, 0)

    def test_integer_and_list_input(self):
        A = [[0, 0], [10, 10]]
        B = [[10, 11], [0, 1]]
        np.testing.assert_array_equal(match_batches(A, B), [1, 0])
        np.testing.assert_array_equal(
            match_batches(np.array(A, dtype=np.int32), np.array(B, dtype=np.int32)),
            [1, 0],
        )

    def test_float32_numpy(self):
        rng = np.random.default_rng(2)
        A, B = make_blocks("normal", 200, 8, rng)
        C = true_cost(A.astype(np.float32), B.astype(np.float32), "sqeuclidean")
        perm = match_batches(A.astype(np.float32), B.astype(np.float32))
        assert_permutations(perm, 8)
        np.testing.assert_allclose(perm_cost(C, perm), scipy_optimum(C), rtol=1e-5)


class TestTorch:
    @pytest.mark.parametrize("k", (1, 3, 4, 9))
    @pytest.mark.parametrize("metric", METRICS)
    def test_float64_agrees_with_numpy(self, k, metric):
        rng = np.random.default_rng(k)
        A, B = make_blocks("normal", 200, k, rng)
        perm_t = match_batches(torch.from_numpy(A), torch.from_numpy(B), metric=metric)
        assert isinstance(perm_t, torch.Tensor)
        assert perm_t.dtype == torch.int64
        assert perm_t.device == torch.device("cpu")
        np.testing.assert_array_equal(
            perm_t.numpy(), match_batches(A, B, metric=metric)
        )

    @pytest.mark.parametrize("k", (2, 4, 8))
    def test_float32_is_optimal(self, k):
        # float32 rounding can break near-ties differently from numpy, so the
        # agreement is checked on the total cost rather than the permutation.
        rng = np.random.default_rng(10 + k)
        A, B = make_blocks("normal", 300, k, rng)
        A32, B32 = torch.from_numpy(A).float(), torch.from_numpy(B).float()
        perm_t = match_batches(A32, B32)
        assert perm_t.dtype == torch.int64
        assert_permutations(perm_t.numpy(), k)
        C = true_cost(A32.numpy(), B32.numpy(), "sqeuclidean")
        np.testing.assert_allclose(
            perm_cost(C, perm_t.numpy()), scipy_optimum(C), rtol=1e-5
        )
        perm_np = match_batches(A32.numpy(), B32.numpy())
        np.testing.assert_allclose(
            perm_cost(C, perm_t.numpy()), perm_cost(C, perm_np), rtol=1e-5
        )

    @pytest.mark.parametrize("solver", ("auto", "brute", "jv", "scipy"))
    def test_all_solvers_on_tensors(self, solver):
        rng = np.random.default_rng(4)
        A, B = make_blocks("integer", 100, 4, rng)
        perm = match_batches(torch.from_numpy(A), torch.from_numpy(B), solver=solver)
        assert isinstance(perm, torch.Tensor) and perm.dtype == torch.int64
        C = true_cost(A, B, "sqeuclidean")
        np.testing.assert_allclose(
            perm_cost(C, perm.numpy()), scipy_optimum(C), rtol=RTOL, atol=ATOL
        )

    def test_leading_dims_and_integer_tensors(self):
        A = torch.tensor([[[0, 0], [10, 10]]] * 3)
        B = torch.tensor([[[10, 11], [0, 1]]] * 3)
        perm = match_batches(A.reshape(3, 1, 2, 2), B.reshape(3, 1, 2, 2))
        assert perm.shape == (3, 1, 2)
        np.testing.assert_array_equal(perm.numpy().reshape(3, 2), [[1, 0]] * 3)

    @pytest.mark.parametrize("dtype", (torch.float16, torch.bfloat16))
    @pytest.mark.parametrize("k", (3, 8))
    def test_half_precision_tensors(self, k, dtype):
        # numpy and the compiled solver take no 16-bit floats: the matching
        # runs on a float32 copy, exact for the values given.
        rng = np.random.default_rng(k)
        A, B = (torch.from_numpy(a).to(dtype) for a in rng.normal(size=(2, 30, k, 4)))
        perm = match_batches(A, B)
        assert perm.dtype == torch.int64
        assert_permutations(perm.numpy(), k)
        C = true_cost(A.double().numpy(), B.double().numpy(), "sqeuclidean")
        np.testing.assert_allclose(
            perm_cost(C, perm.numpy()), scipy_optimum(C), rtol=1e-5, atol=1e-6
        )

    def test_tensors_requiring_grad(self):
        A = torch.randn(5, 6, 2, dtype=torch.float64, requires_grad=True)
        B = torch.randn(5, 6, 2, dtype=torch.float64)
        perm = match_batches(A, B)
        assert not perm.requires_grad
        np.testing.assert_array_equal(
            perm.numpy(), match_batches(A.detach().numpy(), B.numpy())
        )


# ----------------------------------------------------------------------------
# The compiled solver directly, including its threaded path
# ----------------------------------------------------------------------------
class TestJV:
    @pytest.mark.parametrize("n_threads", (2, 3))
    @pytest.mark.parametrize("dtype", (np.float64, np.float32))
    def test_threads_give_the_same_result(self, n_threads, dtype):
        rng = np.random.default_rng(0)
        A, B = make_blocks("integer", 401, 12, rng)  # ties: order-sensitive
        cost = np.ascontiguousarray(pairwise_cost(A, B, reduced=True).astype(dtype))
        single = _lsap_square_batch(cost, n_threads=1)
        threaded = _lsap_square_batch(cost, n_threads=n_threads)
        np.testing.assert_array_equal(threaded, single)
        C = true_cost(A, B, "sqeuclidean")
        np.testing.assert_allclose(perm_cost(C, threaded), scipy_optimum(C), atol=ATOL)

    def test_threaded_dispatch_in_match_batches(self, monkeypatch):
        rng = np.random.default_rng(1)
        A, B = make_blocks("normal", 64, 10, rng)
        expected = match_batches(A, B, solver="jv")
        monkeypatch.setattr(matching_mod, "_THREADED_WORK", 0)
        monkeypatch.setattr(matching_mod, "_n_threads", lambda: 2)
        np.testing.assert_array_equal(match_batches(A, B, solver="jv"), expected)

    def test_threads_follow_torch_when_loaded(self, monkeypatch):
        # torch.set_num_threads(1) keeps the compiled matching on one core too
        monkeypatch.setattr(matching_mod.os, "cpu_count", lambda: 4)
        monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
        assert matching_mod._n_threads() == 1
        monkeypatch.setattr(torch, "get_num_threads", lambda: 3)
        assert matching_mod._n_threads() == 3
        monkeypatch.setattr(torch, "get_num_threads", lambda: 64)
        assert matching_mod._n_threads() == 4  # the CPUs
        monkeypatch.setattr(matching_mod.os, "cpu_count", lambda: 64)
        assert matching_mod._n_threads() == 8  # the cap
        monkeypatch.delitem(matching_mod.sys.modules, "torch")
        assert matching_mod._n_threads() == 8

    @pytest.mark.parametrize("dtype", (np.float64, np.float32))
    @pytest.mark.parametrize("kind", ("normal", "integer", "duplicates"))
    @pytest.mark.parametrize("k", (8, 15, 16, 17, 32, 33))
    def test_both_column_scans_are_exact(self, k, kind, dtype):
        # Blocks of k >= 16 are solved with the vectorised column scan, smaller
        # ones with the scalar one; 17 and 33 leave a remainder after the
        # compiler's vector width; 8, 16 and 32 are searched in vector
        # registers (_jv.SEARCH_WIDTHS).
        rng = np.random.default_rng(k)
        A, B = make_blocks(kind, 150, k, rng)
        cost = np.ascontiguousarray(pairwise_cost(A, B, reduced=True), dtype=dtype)
        perm = _lsap_square_batch(cost)
        assert_permutations(perm, k)
        C = true_cost(A, B, "sqeuclidean")
        if dtype == np.float32:  # the optimum of the costs as solved
            C = cost.astype(np.float64)
        np.testing.assert_allclose(
            perm_cost(C, perm), scipy_optimum(C), rtol=RTOL, atol=ATOL
        )

    @pytest.mark.parametrize("dtype", (np.float64, np.float32))
    @pytest.mark.parametrize("kind", ("normal", "integer", "duplicates"))
    @pytest.mark.parametrize("k", (4, 7, 8, 12, 16, 17, 31, 32))
    def test_register_kernels_equal_the_loops(self, k, kind, dtype, monkeypatch):
        # Blocks of 4 to 32 are reduced and searched in vector registers,
        # padded with infinity to a width of SEARCH_WIDTHS: the same steps as
        # the loops, so the same pairs and the same duals to the last bit,
        # ties included. The loops run here as Python (HAS_NUMBA off, no
        # padding), the register kernels compiled (_solve_one on the padded
        # copy; the pairs also through _lsap_square_batch).
        assert _jv._register_width(k) in _jv.SEARCH_WIDTHS
        rng = np.random.default_rng(k)
        A, B = make_blocks(kind, 12, k, rng)
        blocks = np.ascontiguousarray(pairwise_cost(A, B), dtype=dtype)
        solve = _jv._solve_vector if k >= _jv._VECTOR_MIN_K else _jv._solve_scalar
        pairs = _lsap_square_batch(blocks)

        def run(fn, c, work):
            col4row = np.empty(k, dtype=np.int64)
            assert fn(c, k, col4row, *work)
            return col4row, work[0][:k], work[1][:k]

        compiled = []
        for c in blocks:
            work = _jv._workspace(k)
            block, pad = c, work[-1]  # pad: empty if k is a width itself
            if len(pad):
                pad[:k, :k] = c
                block = pad
            compiled.append(run(_jv._solve_one, block, work[:-1]))
        monkeypatch.setattr(_jv, "HAS_NUMBA", False)
        monkeypatch.setattr(_jv, "_reduction", _jv._reduction.py_func)
        for c, want_pairs, fast in zip(blocks, pairs, compiled):
            loops = run(solve.py_func, c, _jv._workspace(k)[:-1])
            np.testing.assert_array_equal(loops[0], want_pairs)
            for got, want in zip(fast, loops):
                np.testing.assert_array_equal(got, want)

    @pytest.mark.parametrize("kind", ("normal", "integer", "duplicates"))
    @pytest.mark.parametrize("k", (3, 8, 12, 16, 32))
    def test_reduction_start_is_a_feasible_partial_solution(self, k, kind):
        # The searches start from a row then a column reduction: u holds the
        # row minima, every reduced cost (c_ij - u_i) - v_j is >= 0 exactly
        # (v_j is one of those differences, computed the same way), and each
        # pair assigned at the start has reduced cost 0.
        from skmixup._jv import _reduction, _workspace

        rng = np.random.default_rng(k)
        A, B = make_blocks(kind, 40, k, rng)
        blocks = np.ascontiguousarray(pairwise_cost(A, B))
        for c in blocks:
            u, v, _, path, row4col, *_, pad = _workspace(k)
            col4row = np.empty(k, dtype=np.int64)
            if len(pad):  # the register kernels' padded copy
                pad[:k, :k] = c
            _reduction(pad if len(pad) else c, k, col4row, u, v, path, row4col)
            u, v, row4col = u[:k], v[:k], row4col[:k]  # (padded workspace)
            np.testing.assert_array_equal(u, c.min(axis=1))
            reduced = (c - u[:, None]) - v[None, :]
            assert (reduced >= 0).all()
            assert (reduced.min(axis=0) == 0).all()
            rows = np.flatnonzero(col4row >= 0)
            assert len(rows) >= 1
            np.testing.assert_array_equal(row4col[col4row[rows]], rows)
            assert (row4col[row4col >= 0] >= 0).sum() == len(rows)
            assert (reduced[rows, col4row[rows]] == 0).all()

    @pytest.mark.parametrize("value", (np.nan, np.inf))
    @pytest.mark.parametrize("n_threads", (1, 2))
    @pytest.mark.parametrize("k", (5, 16))
    def test_a_row_without_finite_cost_raises(self, k, n_threads, value):
        # The search stops after k steps whatever the costs (it cannot loop)
        # and reports a row it cannot assign.
        cost = np.random.default_rng(3).normal(size=(40, k, k))
        cost[17, 2, :] = value
        with pytest.raises(ValueError, match="costs must be finite"):
            _lsap_square_batch(cost, n_threads=n_threads)

    @pytest.mark.parametrize("k", (5, 16))
    def test_any_real_layout_and_dtype(self, k):
        # The register kernels read C-ordered float blocks: other layouts and
        # integer costs are converted first, and give the same pairs.
        rng = np.random.default_rng(k)
        cost = rng.integers(0, 50, size=(30, k, k))
        want = _lsap_square_batch(np.ascontiguousarray(cost, dtype=np.float64))
        swapped = np.ascontiguousarray(cost.transpose(0, 2, 1), dtype=np.float64)
        for other in (cost, swapped.transpose(0, 2, 1)):  # same values, not C
            assert other.flags.c_contiguous == (other is cost)
            np.testing.assert_array_equal(_lsap_square_batch(other), want)
        fortran = np.asfortranarray(cost.astype(np.float32))
        np.testing.assert_array_equal(
            _lsap_square_batch(fortran), _lsap_square_batch(cost.astype(np.float32))
        )

    def test_does_not_modify_cost(self):
        cost = np.random.default_rng(2).normal(size=(20, 6, 6))
        before = cost.copy()
        _lsap_square_batch(cost)
        np.testing.assert_array_equal(cost, before)


class TestMatchRows:
    """The fused gather + cost + assignment kernel of the per-batch step."""

    @staticmethod
    def rows_of(A, B):
        """Stack blocks into one feature matrix and the index blocks into it."""
        n_blocks, k, d = A.shape
        feats = np.concatenate([A.reshape(-1, d), B.reshape(-1, d)])
        anchors = np.arange(n_blocks * k).reshape(n_blocks, k)
        partners = anchors + n_blocks * k
        # Shuffle the rows so that blocks are not contiguous in ``feats``.
        order = np.random.default_rng(0).permutation(feats.shape[0])
        inverse = np.argsort(order)
        return feats[order], inverse[anchors], inverse[partners]

    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("kind", KINDS)
    @pytest.mark.parametrize("k", (2, 3, 5, 8, 16))
    def test_optimal_and_a_permutation_of_the_partners(self, k, kind, metric):
        rng = np.random.default_rng(k)
        A, B = make_blocks(kind, 300, k, rng)
        feats, anchors, partners = self.rows_of(A, B)
        matched = _match_rows(feats, anchors, partners, metric)
        np.testing.assert_array_equal(
            np.sort(matched, axis=1), np.sort(partners, axis=1)
        )
        C = true_cost(feats[anchors], feats[partners], metric)
        # Column of each matched row inside its partner block.
        col = (matched[:, :, None] == partners[:, None, :]).argmax(axis=2)
        np.testing.assert_allclose(
            perm_cost(C, col), scipy_optimum(C), rtol=RTOL, atol=ATOL
        )

    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize(
        "d, integer", [(15, False), (16, False), (40, True), (100, False)]
    )
    # k = 3 has no tile of four anchors, 6 and 9 a remainder, 16 none
    @pytest.mark.parametrize("k", (3, 6, 9, 16))
    def test_optimal_with_many_features(self, d, integer, metric, k):
        # From _DOT_MIN_FEATURES = 16 features on, each cost entry is a dot
        # product over the features, four anchors at a time (the other loop
        # order below), and from _PAIR_MIN_FEATURES = 32 on two partners at a
        # time (40 and 100 features; odd k leave one partner over).
        from skmixup._jv import _DOT_MIN_FEATURES, _PAIR_MIN_FEATURES

        assert (_DOT_MIN_FEATURES, _PAIR_MIN_FEATURES) == (16, 32)
        rng = np.random.default_rng(d + k)
        if integer:  # ties
            A = rng.integers(0, 2, size=(200, k, d)).astype(np.float64)
            B = rng.integers(0, 2, size=(200, k, d)).astype(np.float64)
        else:
            A, B = rng.normal(size=(2, 200, k, d))
        feats, anchors, partners = self.rows_of(A, B)
        matched = _match_rows(feats, anchors, partners, metric)
        C = true_cost(feats[anchors], feats[partners], metric)
        col = (matched[:, :, None] == partners[:, None, :]).argmax(axis=2)
        np.testing.assert_allclose(
            perm_cost(C, col), scipy_optimum(C), rtol=RTOL, atol=ATOL
        )

    @pytest.mark.parametrize("metric", METRICS)
    def test_agrees_with_match_batches(self, metric):
        rng = np.random.default_rng(5)
        A, B = make_blocks("normal", 200, 12, rng)
        feats, anchors, partners = self.rows_of(A, B)
        perm = match_batches(feats[anchors], feats[partners], metric=metric)
        np.testing.assert_array_equal(
            _match_rows(feats, anchors, partners, metric),
            np.take_along_axis(partners, perm, axis=1),
        )

    def test_float32_and_large_offset(self):
        rng = np.random.default_rng(6)
        A, B = make_blocks("normal", 200, 8, rng)
        feats, anchors, partners = self.rows_of(A, B)
        shifted = (feats + 1e6).astype(np.float32)
        matched = _match_rows(shifted, anchors, partners, "sqeuclidean")
        C = true_cost(shifted[anchors], shifted[partners], "sqeuclidean")
        col = (matched[:, :, None] == partners[:, None, :]).argmax(axis=2)
        np.testing.assert_allclose(perm_cost(C, col), scipy_optimum(C), rtol=1e-6)

    @pytest.mark.parametrize("n_threads", (2, 3))
    def test_threads_give_the_same_result(self, n_threads):
        rng = np.random.default_rng(7)
        A, B = make_blocks("integer", 301, 10, rng)  # ties: order-sensitive
        feats, anchors, partners = self.rows_of(A, B)
        single = _match_rows(feats, anchors, partners, "euclidean")
        threaded = _match_rows(feats, anchors, partners, "euclidean", n_threads)
        np.testing.assert_array_equal(threaded, single)

    @pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
    @pytest.mark.parametrize("n_threads", (1, 2))
    @pytest.mark.parametrize("d", (3, 20))  # both loop orders
    def test_non_finite_cost_raises(self, value, n_threads, d):
        A, B = np.random.default_rng(8).normal(size=(2, 40, 4, d))
        feats, anchors, partners = self.rows_of(A, B)
        feats[partners[30, 2], 1] = value
        with pytest.raises(ValueError, match="X must be finite"):
            _match_rows(feats, anchors, partners, "sqeuclidean", n_threads)

    def test_inputs_not_modified(self):
        rng = np.random.default_rng(9)
        A, B = make_blocks("normal", 30, 6, rng)
        feats, anchors, partners = self.rows_of(A, B)
        copies = [a.copy() for a in (feats, anchors, partners)]
        _match_rows(feats, anchors, partners, "euclidean")
        for before, after in zip(copies, (feats, anchors, partners)):
            np.testing.assert_array_equal(after, before)


# ----------------------------------------------------------------------------
# pairwise_cost
# ----------------------------------------------------------------------------
class TestPairwiseCost:
    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("backend", ("numpy", "torch"))
    def test_matches_explicit_differences(self, metric, backend):
        rng = np.random.default_rng(0)
        A, B = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 5, 4))
        expected = true_cost(A, B, metric)
        if backend == "torch":
            got = pairwise_cost(
                torch.from_numpy(A), torch.from_numpy(B), metric
            ).numpy()
        else:
            got = pairwise_cost(A, B, metric)
        assert got.shape == (2, 3, 5, 5)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)

    @pytest.mark.parametrize("backend", ("numpy", "torch"))
    def test_reduced_differs_by_row_and_column_constants(self, backend):
        # What makes the reduced cost valid for matching: per block it is
        # s * full + r_i + c_j with s > 0 (a power-of-two rescaling), which
        # keeps every block's optimal permutation.
        rng = np.random.default_rng(1)
        A, B = rng.normal(size=(4, 6, 3)) + 5.0, rng.normal(size=(4, 6, 3))
        if backend == "torch":
            A, B = torch.from_numpy(A), torch.from_numpy(B)
        full = np.asarray(pairwise_cost(A, B))
        reduced = np.asarray(pairwise_cost(A, B, reduced=True))

        def interaction(c):
            return c - c[:, :, :1] - c[:, :1, :] + c[:, :1, :1]

        i_full, i_red = interaction(full), interaction(reduced)
        assert np.abs(i_full).max() > 1.0  # the check below is not vacuous
        s = (i_red * i_full).sum((1, 2)) / (i_full * i_full).sum((1, 2))
        assert (s > 0).all()
        np.testing.assert_allclose(i_red, s[:, None, None] * i_full, atol=1e-9)

    def test_zero_distance_is_not_negative(self):
        A = np.full((1, 3, 2), 0.1)
        for metric in METRICS:
            assert (pairwise_cost(A, A, metric) >= 0).all()


# ----------------------------------------------------------------------------
# Inputs are never modified
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ("auto", "brute", "jv", "scipy"))
def test_inputs_not_mutated(solver):
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(10, 4, 3)), rng.normal(size=(10, 4, 3))
    A0, B0 = A.copy(), B.copy()
    match_batches(A, B, solver=solver)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)
    At, Bt = torch.from_numpy(A0.copy()), torch.from_numpy(B0.copy())
    match_batches(At, Bt, solver=solver)
    np.testing.assert_array_equal(At.numpy(), A0)
    np.testing.assert_array_equal(Bt.numpy(), B0)


# ----------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------
class TestBadInput:
    A = np.zeros((2, 3, 2))

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match="same shape"):
            match_batches(self.A, np.zeros((2, 4, 2)))

    @pytest.mark.parametrize("shape", [(3,), ()])
    def test_fewer_than_two_dims(self, shape):
        with pytest.raises(ValueError, match="at least 2 dimensions"):
            match_batches(np.zeros(shape), np.zeros(shape))

    @pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
    @pytest.mark.parametrize("where", ["A", "B"])
    # k = 2: "auto" takes the fused pass for host data (numpy and CPU
    # tensors alike), where it scored the k! permutations before; k = 5 too
    @pytest.mark.parametrize("k", [2, 5])
    def test_non_finite(self, value, where, k):
        A = np.random.default_rng(0).normal(size=(4, k, 3))
        B = A.copy()
        (A if where == "A" else B)[2, 1, 0] = value
        with pytest.raises(ValueError, match="must be finite"):
            match_batches(A, B)
        with pytest.raises(ValueError, match="must be finite"):
            match_batches(torch.from_numpy(A), torch.from_numpy(B))

    @pytest.mark.parametrize("shape", [(0, 2), (3, 0), (0, 3, 2)])
    def test_empty(self, shape):
        with pytest.raises(ValueError, match="non-empty"):
            match_batches(np.zeros(shape), np.zeros(shape))

    @pytest.mark.parametrize("func", (match_batches, pairwise_cost))
    def test_unknown_metric(self, func):
        name = func.__name__
        with pytest.raises(
            ValueError, match=f"The 'metric' parameter of {name} must be.*'cosine'"
        ):
            func(self.A, self.A, metric="cosine")

    @pytest.mark.parametrize("func", (match_batches, pairwise_cost))
    @pytest.mark.parametrize("where", ("A", "B"))
    def test_sparse_input(self, func, where):
        from scipy import sparse

        dense = np.zeros((3, 2))
        args = {"A": dense, "B": dense, where: sparse.csr_matrix(dense)}
        with pytest.raises(
            TypeError, match=rf"{where} is a sparse matrix.*{where}\.toarray\(\)"
        ):
            func(args["A"], args["B"])

    def test_unknown_solver(self):
        with pytest.raises(ValueError, match="solver must be one of.*'hungarian'"):
            match_batches(self.A, self.A, solver="hungarian")

    @pytest.mark.parametrize("torch_first", [True, False])
    def test_numpy_mixed_with_torch(self, torch_first):
        t = torch.zeros(2, 3, 2)
        args = (t, self.A) if torch_first else (self.A, t)
        with pytest.raises(TypeError, match="both be numpy arrays or both be torch"):
            match_batches(*args)

    def test_non_numeric(self):
        with pytest.raises(TypeError, match="must hold real numbers"):
            match_batches(np.array([["a", "b"]]), np.array([["c", "d"]]))


# ----------------------------------------------------------------------------
# Property-based tests
# ----------------------------------------------------------------------------
@st.composite
def block_pairs(draw, max_k=7):
    n_blocks = draw(st.integers(1, 4))
    k = draw(st.integers(1, max_k))
    d = draw(st.integers(1, 3))
    # Small integers make exact ties frequent; floats cover the generic case.
    elements = draw(
        st.sampled_from(
            [
                st.integers(-3, 3).map(float),
                st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64),
            ]
        )
    )
    shape = (n_blocks, k, d)
    A = draw(arrays(np.float64, shape, elements=elements))
    B = draw(arrays(np.float64, shape, elements=elements))
    return A, B


@settings(max_examples=200, deadline=None)
@given(
    pair=block_pairs(),
    metric=st.sampled_from(METRICS),
    solver=st.sampled_from(("auto", "jv", "scipy", "brute")),
)
def test_property_permutation_and_optimal(pair, metric, solver):
    A, B = pair
    k = A.shape[1]
    if solver == "brute" and k > 5:
        solver = "auto"
    perm = match_batches(A, B, metric=metric, solver=solver)
    assert_permutations(perm, k)
    C = true_cost(A, B, metric)
    # Costs up to ~1e6 per pair: the absolute slack covers the rounding of
    # the expanded inner-product cost on blocks whose optimum is near 0.
    scale = max(1.0, float(np.abs(C).max()))
    np.testing.assert_allclose(
        perm_cost(C, perm), scipy_optimum(C), rtol=RTOL, atol=1e-9 * scale
    )


# ----------------------------------------------------------------------------
# The one metric table: batched costs and the compiled kernel read it
# ----------------------------------------------------------------------------
class TestMetricTable:
    def test_every_code_is_one_the_kernel_implements(self):
        for metric in _metrics.METRICS.values():
            assert metric.code in _jv.KERNEL_CODES, metric

    def test_kernel_refuses_a_code_it_does_not_implement(self, monkeypatch):
        table = dict(_metrics.METRICS)
        table["cityblock"] = _metrics.Metric("cityblock", code=99, squared=False)
        monkeypatch.setattr(_metrics, "METRICS", table)
        feats = np.zeros((4, 2))
        rows = np.arange(4).reshape(2, 2)
        with pytest.raises(ValueError, match="no cost for metric 'cityblock'"):
            _match_rows(feats, rows, rows, "cityblock")

    def test_unknown_name_refused_by_the_kernel_and_the_table(self):
        rows = np.arange(4).reshape(2, 2)
        with pytest.raises(ValueError, match="metric must be one of"):
            _match_rows(np.zeros((4, 2)), rows, rows, "cosine")
        with pytest.raises(ValueError, match="metric must be one of"):
            _metrics.get_metric("cosine")

    @pytest.mark.parametrize("metric", METRICS)
    @pytest.mark.parametrize("k", (5, 12))
    def test_fused_batched_and_scipy_give_one_optimum(self, metric, k, monkeypatch):
        rng = np.random.default_rng(k)
        A = rng.normal(size=(30, k, 6))
        B = rng.normal(size=(30, k, 6))
        optimum = scipy_optimum(true_cost(A, B, metric))
        fused = match_batches(A, B, metric=metric, solver="jv")
        by_scipy = match_batches(A, B, metric=metric, solver="scipy")
        # past the fused kernel's feature limit: batched cost blocks, then JV
        monkeypatch.setattr(matching_mod, "FUSED_MAX_FEATURES", 0)
        batched = match_batches(A, B, metric=metric, solver="jv")
        C = true_cost(A, B, metric)
        for perm in (fused, by_scipy, batched):
            assert_permutations(perm, k)
            np.testing.assert_allclose(perm_cost(C, perm), optimum, rtol=RTOL)
        # the batched costs are the true costs (the kernel's are checked
        # through its optimum above)
        np.testing.assert_allclose(pairwise_cost(A, B, metric), C, rtol=1e-9)


def test_long_double_is_matched_on_a_float64_copy():
    """np.longdouble (float128 on x86) reached the compiled kernel, which
    reads float64: it is matched on a float64 copy, with the same pairs."""
    X = np.random.default_rng(0).normal(size=(16, 3))
    A, B = X[:8][None], X[8:][None]
    np.testing.assert_array_equal(
        match_batches(A.astype(np.longdouble), B.astype(np.longdouble)),
        match_batches(A, B),
    )


def test_tensor_of_a_dtype_numpy_lacks_is_matched_with_a_float_tensor():
    """A uint16 tensor (no numpy view) beside a float tensor was promoted
    across the two array libraries (a TypeError naming neither argument)."""
    A = torch.randn(8, 3)
    B = torch.arange(24).reshape(8, 3).to(torch.uint16)
    perm = match_batches(A, B)
    assert sorted(perm.tolist()) == list(range(8))
    np.testing.assert_array_equal(perm, match_batches(A.double(), B.double()))
