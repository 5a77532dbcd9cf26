"""Exact optimal transport between equal-size point clouds, block by block.

With uniform weights on two clouds of ``k`` points, the optimal transport plan
is a permutation (Birkhoff-von Neumann), so exact OT is a ``k x k`` linear
assignment problem. This module solves a whole stack of such blocks at once:

* ``k <= 4``: every permutation is scored by one matrix product (``k! <= 24``
  candidates), which runs unchanged on a GPU;
* larger ``k``: a compiled shortest-augmenting-path (Jonker-Volgenant) solver
  loops over the blocks (:mod:`skmixup._jv`); on host data with at most
  ``FUSED_MAX_FEATURES`` features it also builds each cost block inside that
  loop, which is how the per-batch k-mixup step matches all its k-batches in
  one compiled call.

Only the cross term :math:`-\\langle a_i, b_j \\rangle` of the squared Euclidean
cost changes the optimum (the norms add a constant to every permutation), so
the ``sqeuclidean`` cost is a single batched matrix product.
"""

import itertools
import numbers
import os
from functools import cache

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._jv import HAS_NUMBA, _lsap_square_batch, _match_rows

__all__ = ["match_batches", "pairwise_cost"]

_METRICS = ("sqeuclidean", "euclidean")
_SOLVERS = ("auto", "brute", "jv", "scipy")
#: Largest k solved by scoring all k! permutations (measured crossover, see
#: ``python -m skmixup.benchmarks matching``).
BRUTE_FORCE_MAX_K = 4


#: Work (n_blocks * k**3) above which the compiled solver uses threads.
_THREADED_WORK = 2**22

#: Up to this many features, the JV solver on host data computes each cost
#: block inside its compiled loop (``skmixup._jv._match_rows``); beyond it,
#: one batched BLAS product first. Measured (2-core x86, AVX-512): fused is
#: 1.4-1.9x faster on float64 at d=100, 1.3x faster to 1.3x slower on float32
#: tensors at d=100 (small to large batches), 1.2-1.8x slower at d=300, k=16.
FUSED_MAX_FEATURES = 128


def _n_threads():
    return max(1, min(os.cpu_count() or 1, 8))


def _threads_for(work):
    """Threads for a compiled call: they pay off only when the call holds
    enough work to amortise starting them (measured: ~0.3 ms of overhead on
    this class of machine)."""
    return _n_threads() if work >= _THREADED_WORK else 1


def _resolve_solver(solver, k):
    if solver != "auto":
        return solver
    return "brute" if k <= BRUTE_FORCE_MAX_K else ("jv" if HAS_NUMBA else "scipy")


def _is_torch(x):
    return _is_torch_type(type(x))


def _is_half(t):
    """A 16-bit floating-point tensor (float16, bfloat16): numpy and the
    compiled solver do not take them, so the matching runs on a float32 copy."""
    return t is not None and t.is_floating_point() and t.element_size() == 2


@cache
def _is_torch_type(cls):
    # By type, cached: this runs several times per training batch.
    return cls.__module__.startswith("torch") and hasattr(cls, "device")


@cache
def _permutations(k):
    """All permutations of ``range(k)`` and their one-hot scoring matrix."""
    perms = np.array(list(itertools.permutations(range(k))), dtype=np.int64)
    onehot = np.zeros((k * k, len(perms)))
    rows = np.arange(k)
    for p, perm in enumerate(perms):
        onehot[rows * k + perm, p] = 1.0
    return perms, onehot


def pairwise_cost(A, B, metric="sqeuclidean", *, reduced=False):
    """Cost matrices between the points of matching blocks.

    Parameters
    ----------
    A, B : ndarray or torch.Tensor of shape (..., k, d)
        Blocks of points; leading dimensions index the blocks.
    metric : {"sqeuclidean", "euclidean"}, default="sqeuclidean"
        Ground cost between two points.
    reduced : bool, default=False
        For ``"sqeuclidean"``, return only the cross term
        :math:`-2 \\langle a_i - c, b_j - c \\rangle` (``c`` the mean of the
        block of ``B``), which differs from the full cost by row and column
        constants, so it has the same optimal assignment, and costs one
        matrix product.

    Returns
    -------
    cost : ndarray or torch.Tensor of shape (..., k, k)
        ``cost[..., i, j]`` is the cost between ``A[..., i, :]`` and
        ``B[..., j, :]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import pairwise_cost
    >>> pairwise_cost(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    array([[1., 1.],
           [2., 0.]])
    """
    # Centre each block on its partner's mean: distances are unchanged, but a
    # large common offset no longer swamps the inner products in rounding.
    if _is_torch(A):
        centre = B.mean(dim=-2, keepdim=True)
        A, B = A - centre, B - centre
        inner = A @ B.transpose(-1, -2)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            centre = B.mean(axis=-2, keepdims=True)
            A, B = A - centre, B - centre
        inner = np.matmul(A, np.swapaxes(B, -1, -2))
    if metric == "sqeuclidean" and reduced:
        inner *= -2.0
        return inner
    if _is_torch(A):
        sq = (A * A).sum(-1)[..., :, None] + (B * B).sum(-1)[..., None, :] - 2.0 * inner
        sq = sq.clamp_min(0.0)
        return sq if metric == "sqeuclidean" else sq.sqrt()
    sq = (
        np.einsum("...id,...id->...i", A, A)[..., :, None]
        + np.einsum("...jd,...jd->...j", B, B)[..., None, :]
        - 2.0 * inner
    )
    np.maximum(sq, 0.0, out=sq)
    return sq if metric == "sqeuclidean" else np.sqrt(sq, out=sq)


def _brute_force(cost):
    """Optimal permutation of each block by scoring all k! permutations.

    ``cost`` has shape (n_blocks, k, k); numpy or torch (any device).
    """
    n_blocks, k, _ = cost.shape
    perms, onehot = _permutations(k)
    if _is_torch(cost):
        import torch

        onehot_t = torch.as_tensor(onehot, dtype=cost.dtype, device=cost.device)
        perms_t = torch.as_tensor(perms, device=cost.device)
        scores = cost.reshape(n_blocks, k * k) @ onehot_t
        return perms_t[scores.argmin(dim=1)]
    scores = cost.reshape(n_blocks, k * k) @ onehot.astype(cost.dtype, copy=False)
    return perms[scores.argmin(axis=1)]


def _scipy_loop(cost):
    out = np.empty(cost.shape[:2], dtype=np.int64)
    for b in range(cost.shape[0]):
        out[b] = linear_sum_assignment(cost[b])[1]
    return out


def _solve_blocks(cost, solver="auto"):
    """Exact assignment for a stack of square cost blocks (no validation).

    Parameters
    ----------
    cost : ndarray or torch.Tensor of shape (n_blocks, k, k)
    solver : {"auto", "brute", "jv", "scipy"}

    Returns
    -------
    perm : same kind as ``cost``, shape (n_blocks, k), int64
    """
    n_blocks, k, _ = cost.shape
    if k == 1:
        if _is_torch(cost):
            import torch

            return torch.zeros((n_blocks, 1), dtype=torch.int64, device=cost.device)
        return np.zeros((n_blocks, 1), dtype=np.int64)
    solver = _resolve_solver(solver, k)
    if solver == "brute":
        return _brute_force(cost)
    if _is_torch(cost):
        import torch

        # The assignment solver runs on the host; a GPU cost stack (k x k per
        # block, small next to the batch) is copied once and the indices sent back.
        host = cost.detach().to("cpu").numpy()
        return torch.from_numpy(_solve_blocks(host, solver)).to(cost.device)
    cost = np.ascontiguousarray(cost)
    if solver == "jv":
        if not HAS_NUMBA:  # pragma: no cover
            raise ImportError("solver='jv' needs numba: pip install numba")
        return _lsap_square_batch(cost, n_threads=_threads_for(cost.shape[0] * k**3))
    return _scipy_loop(cost)


def _check_blocks(A, B):
    kinds = (_is_torch(A), _is_torch(B))
    if kinds[0] != kinds[1]:
        raise TypeError(
            "A and B must both be numpy arrays or both be torch tensors; got "
            f"{type(A).__name__} and {type(B).__name__}."
        )
    if not kinds[0]:
        A = np.asarray(A)
        B = np.asarray(B)
        for name, arr in (("A", A), ("B", B)):
            if arr.dtype.kind not in "biuf":
                raise TypeError(
                    f"{name} must hold real numbers; got dtype {arr.dtype}."
                )
    for name, arr in (("A", A), ("B", B)):
        if arr.ndim < 2:
            raise ValueError(
                f"{name} must have shape (..., k, d) with at least 2 dimensions; "
                f"got shape {tuple(arr.shape)}. Reshape a single point cloud of "
                "k points to (k, d)."
            )
    if tuple(A.shape) != tuple(B.shape):
        raise ValueError(
            f"A and B must have the same shape (..., k, d); got {tuple(A.shape)} "
            f"and {tuple(B.shape)}."
        )
    if A.shape[-2] == 0 or A.shape[-1] == 0 or any(s == 0 for s in A.shape[:-2]):
        raise ValueError(
            f"A and B must be non-empty (k >= 1 points of d >= 1 features); got "
            f"shape {tuple(A.shape)}."
        )
    return A, B


def _check_finite_cost(cost):
    # Any NaN or infinity in a point makes its whole row (or column) of the
    # cost non-finite, so checking the k x k costs checks the k x d inputs at
    # a fraction of the price.
    if _is_torch(cost) and cost.device.type == "cpu":
        cost = cost.detach().numpy()  # a view; numpy's check is ~4x cheaper
    finite = bool(cost.isfinite().all()) if _is_torch(cost) else np.isfinite(cost).all()
    if not finite:
        raise ValueError(
            "A and B must be finite: they contain NaN or infinity (or values so "
            "large that their squared distances overflow). Impute or drop those "
            "values, or rescale the features."
        )


def match_batches(A, B, *, metric="sqeuclidean", solver="auto"):
    r"""Exact optimal-transport matching of two batches of ``k`` points.

    For each block, find the permutation :math:`\sigma` minimising

    .. math::

        \sum_{i=1}^{k} c(a_i, b_{\sigma(i)}), \qquad
        c(a, b) = \|a - b\|_2^2 \ \text{(or } \|a - b\|_2\text{)},

    which is the exact optimal transport plan between the two uniform
    empirical measures (not an entropic approximation). Every leading index of
    ``A`` and ``B`` is an independent ``k x k`` problem; all of them are solved
    in one vectorised call, never as one large padded problem.

    Parameters
    ----------
    A, B : array-like or torch.Tensor of shape (..., k, d)
        Two batches of point clouds with the same shape. ``A[..., i, :]`` is
        point ``i`` of a block.
    metric : {"sqeuclidean", "euclidean"}, default="sqeuclidean"
        Ground cost. ``"sqeuclidean"`` is the 2-Wasserstein matching of the
        k-mixup paper; ``"euclidean"`` the 1-Wasserstein one.
    solver : {"auto", "brute", "jv", "scipy"}, default="auto"
        ``"brute"`` scores all ``k!`` permutations with one matrix product
        (on the tensors' device), ``"jv"`` is the compiled batched
        Jonker-Volgenant solver, ``"scipy"`` loops over blocks with
        :func:`scipy.optimize.linear_sum_assignment`. ``"auto"`` uses
        ``"brute"`` for ``k <= 4`` and ``"jv"`` otherwise. All are exact.

    Returns
    -------
    perm : ndarray or torch.Tensor of shape (..., k), int64
        ``A[..., i, :]`` is paired with ``B[..., perm[..., i], :]``; each
        ``perm[..., :]`` is a permutation of ``range(k)``. Numpy input gives a
        numpy array, a torch tensor gives a tensor on the same device.

    See Also
    --------
    kmixup_batch : The k-mixup step built on this matching.
    ot.emd : POT's exact solver for general (non-uniform) weights.

    References
    ----------
    .. [1] K. Greenewald, A. Gu, M. Yurochkin, J. Solomon, E. Chien.
       "k-Mixup Regularization for Deep Learning via Optimal Transport".
       Transactions on Machine Learning Research, 2023.
    .. [2] D. F. Crouse. "On implementing 2D rectangular assignment
       algorithms". IEEE Transactions on Aerospace and Electronic Systems,
       52(4), 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import match_batches
    >>> A = np.array([[0.0, 0.0], [10.0, 10.0]])
    >>> B = np.array([[10.0, 11.0], [0.0, 1.0]])
    >>> match_batches(A, B)
    array([1, 0])
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}; got {metric!r}.")
    if solver not in _SOLVERS:
        raise ValueError(f"solver must be one of {_SOLVERS}; got {solver!r}.")
    A, B = _check_blocks(A, B)
    if _is_torch(A) and (_is_half(A) or _is_half(B)):
        A, B = A.float(), B.float()
    lead = tuple(A.shape[:-2])
    k, d = A.shape[-2], A.shape[-1]
    solver = _resolve_solver(solver, k)
    on_host = not _is_torch(A) or A.device.type == "cpu"
    if solver == "jv" and 1 < k and d <= FUSED_MAX_FEATURES and on_host:
        return _match_blocks_jv(A, B, metric, lead, k, d)
    if _is_torch(A):
        if not A.is_floating_point():
            A, B = A.double(), B.double()
        if B.dtype != A.dtype:
            B = B.to(A.dtype)
    else:
        dtype = np.result_type(A.dtype, B.dtype, np.float32)
        A = A.astype(dtype, copy=False)
        B = B.astype(dtype, copy=False)
    cost = pairwise_cost(A.reshape(-1, k, d), B.reshape(-1, k, d), metric, reduced=True)
    _check_finite_cost(cost)
    perm = _solve_blocks(cost, solver)
    return perm.reshape(lead + (k,))


def _match_blocks_jv(A, B, metric, lead, k, d):
    """``match_batches`` with the JV solver on host data: cost and assignment
    in one compiled pass over the blocks (no cost matrices materialised).
    CPU tensors are read through zero-copy numpy views. (GPU tensors do not
    come here: their k x k costs are computed on the device and only those
    are copied to the host solver.)"""
    if not HAS_NUMBA:  # pragma: no cover
        raise ImportError("solver='jv' needs numba: pip install numba")
    torch_mode = _is_torch(A)
    if torch_mode:
        A, B = A.detach().numpy(), B.detach().numpy()
    A = A.reshape(-1, d)
    B = B.reshape(-1, d)
    if A.dtype.kind != "f" or B.dtype != A.dtype:
        dtype = np.result_type(A.dtype, B.dtype, np.float32)
        A, B = A.astype(dtype, copy=False), B.astype(dtype, copy=False)
    n_blocks = A.shape[0] // k
    rows = np.arange(n_blocks * k, dtype=np.int64).reshape(n_blocks, k)
    n_threads = _threads_for(n_blocks * k * k * (k + d))
    matched = _match_rows(A, rows, rows, metric, n_threads, B, "A and B")
    perm = (matched - rows[:, :1]).reshape(lead + (k,))
    if torch_mode:
        import torch

        return torch.from_numpy(perm)
    return perm


def _check_int(value, name, min_value=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {min_value}; got {value!r}.")
    if value < min_value:
        raise ValueError(f"{name} must be an integer >= {min_value}; got {value!r}.")
    return int(value)
