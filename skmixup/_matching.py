"""Exact optimal transport between equal-size point clouds, block by block.

With uniform weights on two clouds of ``k`` points, the optimal transport plan
is a permutation (Birkhoff-von Neumann), so exact OT is a ``k x k`` linear
assignment problem. :func:`match_rows` is the one place where such blocks are
matched: the public :func:`match_batches`, the per-batch k-mixup step, the
augmenter (uniform and weighted), the Dask path and the nets all call it. The
choices live here and nowhere else:

* host data with at most ``FUSED_MAX_FEATURES`` features, any ``k``: a
  compiled pass gathers each block's rows, builds its cost and solves it
  (shortest augmenting path, :mod:`skmixup._jv`), threaded for big calls;
* otherwise, ``k <= 4``: every permutation is scored by one matrix product
  (``k! <= 24`` candidates), on the tensors' device;
* otherwise the cost blocks come from one batched matrix product (on the
  tensors' device) and go to the compiled solver on the host;
* non-uniform weights: the exact transport plan of each block
  (:func:`ot.emd`), from which each point draws its partner.

Every block is rescaled by a power of two before its cost is computed (exact,
so the optimum is unchanged) and centred on a point of its partner block (the
fused kernel: the first partner; the batched costs: the partners' mean): the
pairs do not depend on the data's units or offset, and squared distances
neither overflow nor underflow. A block holding NaN or infinity raises ``ValueError``. The costs
are those of :data:`skmixup._metrics.METRICS`, the one table that the batched
costs and the compiled kernel both read. The code is written once against the
namespace of :mod:`skmixup._backend`: host data (CPU tensors through zero-copy
views) runs on numpy and the compiled kernels, device tensors stay on their
device except for the costs handed to the host solver.
"""

import itertools
import os
import sys
from functools import cache
from math import factorial

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._backend import compute_form, namespace, reject_sparse, to_input_kind
from ._jv import HAS_NUMBA, _lsap_square_batch, _match_rows
from ._metrics import METRICS
from ._params import check_params

__all__ = ["match_batches", "pairwise_cost"]

#: The metric names, for callers not yet reading :data:`METRICS` itself
#: (derived from the one table, never a second list).
_METRICS = tuple(METRICS)
_SOLVERS = ("auto", "brute", "jv", "scipy")
#: Largest k solved by scoring all k! permutations under ``solver="auto"``
#: where the fused kernel does not apply (device tensors, many features).
BRUTE_FORCE_MAX_K = 4
#: Largest k ``solver="brute"`` accepts: 8! = 40,320 candidate permutations.
BRUTE_FORCE_LIMIT_K = 8

#: Work (n_blocks * k**3) above which the compiled solver uses threads.
_THREADED_WORK = 2**22

#: Up to this many features, the JV solver on host data computes each cost
#: block inside its compiled loop (``skmixup._jv._match_rows``); beyond it,
#: one batched BLAS product first (see ``python -m skmixup.benchmarks matching``).
FUSED_MAX_FEATURES = 128

#: Rows whose k-batch costs are computed at once outside the fused kernel:
#: bounds the gathered copies to a few MB, whatever the batch size.
_ROWS_PER_CHUNK = 1 << 15


def _n_threads():
    """Threads the compiled solver may use: at most 8, the machine's CPUs,
    and torch's intra-op threads when torch is loaded (so that
    ``torch.set_num_threads(1)`` keeps a net's fit, matching included, on one
    core)."""
    n = min(os.cpu_count() or 1, 8)
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "get_num_threads"):
        n = min(n, torch.get_num_threads())
    return max(1, n)


def _threads_for(work):
    """Threads for a compiled call: they pay off only when the call holds
    enough work to amortise starting them."""
    return _n_threads() if work >= _THREADED_WORK else 1


def _resolve_solver(solver, k, f=None):
    """The solver ``solver`` names for blocks of ``k`` points (validated);
    ``"auto"`` picks by ``k`` and, given the features ``f``, by where they
    are: host data the fused kernel reads go to it for every ``k`` (it
    gathers, costs and solves in one pass without copies: faster than
    scoring the ``k!`` permutations on the host for B from 256 to 8192 and
    d of 10 and 100, up to 7x at B = 8192, d = 100, except at B = 8192,
    d = 10, where it is 8-19% slower); device tensors are scored by
    permutations for ``k <= BRUTE_FORCE_MAX_K``, where they are."""
    if not isinstance(solver, str) or solver not in _SOLVERS:
        raise ValueError(f"solver must be one of {_SOLVERS}; got {solver!r}.")
    if solver == "brute" and k > BRUTE_FORCE_LIMIT_K:
        raise ValueError(
            f"solver='brute' scores all k! permutations, which is limited to k <= "
            f"{BRUTE_FORCE_LIMIT_K}; got k={k} ({factorial(k):.3g} permutations). "
            "Use solver='auto' or 'jv'."
        )
    if solver != "auto":
        return solver
    if f is not None and _fused("jv", f):
        return "jv"
    return "brute" if k <= BRUTE_FORCE_MAX_K else ("jv" if HAS_NUMBA else "scipy")


@cache
def _permutations(k):
    """All permutations of ``range(k)`` and their one-hot scoring matrix."""
    perms = np.array(list(itertools.permutations(range(k))), dtype=np.int64)
    onehot = np.zeros((k * k, len(perms)))
    rows = np.arange(k)
    for p, perm in enumerate(perms):
        onehot[rows * k + perm, p] = 1.0
    return perms, onehot


def matchable(x, name):
    """Features as the matching reads them: floating point of 32 or 64 bits,
    a zero-copy numpy view of host data, a tensor on its device otherwise.

    Integers and booleans become float64, 16-bit floats a float32 copy, long
    doubles a float64 copy.
    """
    x = compute_form(x)
    nx = namespace(x)
    kind = nx.kind(x)
    if kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers; got dtype {x.dtype}. Encode "
            "categories as numbers (e.g. with OneHotEncoder) first."
        )
    if kind != "f":
        # a host tensor of a dtype numpy lacks (uint16 ...) is a numpy view now
        x = compute_form(nx.astype(x, nx.float64))
    elif x.itemsize < 4:  # float16, bfloat16, float8: a float32 copy
        x = compute_form(nx.astype(x, nx.float32))
    elif x.itemsize > 8:  # long double: the compiled kernel reads float64
        x = nx.astype(x, nx.float64)
    return x


def _finite_or_raise(x, what):
    if not namespace(x).all_finite(x):
        raise ValueError(
            f"{what} must be finite for the matching: it contains NaN or "
            "infinity. Impute or drop those values first."
        )


def _cost_blocks(A, B, metric, *, scale=True):
    """Cost blocks ``(..., k, k)`` of blocks ``(..., k, d)`` (host or device)
    for ``metric`` (a :class:`~skmixup._metrics.Metric`): rescaled by a power
    of two (``scale``), centred on ``B``'s mean; for a squared metric only
    the cross term (same optimum, one matrix product)."""
    nx = namespace(A)
    if scale:
        s = nx.scale_of(A, B)
        if s is not None:  # None: no square can overflow or underflow
            A, B = A * s, B * s
    with np.errstate(invalid="ignore", over="ignore"):  # the finite check reports
        centre = B.mean(axis=-2, keepdims=True)
        A, B = A - centre, B - centre
        inner = A @ B.swapaxes(-1, -2)
        if metric.squared and scale:
            inner *= -2.0
            return inner
        sq = (A * A).sum(axis=-1)[..., :, None] + (B * B).sum(axis=-1)[..., None, :]
        sq -= 2.0 * inner
        return metric.from_squared(nx, nx.clip_negative(sq))


def pairwise_cost(A, B, metric="euclidean", *, reduced=False):
    """Cost matrices between the points of matching blocks.

    Parameters
    ----------
    A, B : ndarray or torch.Tensor of shape (..., k, d)
        Blocks of points; leading dimensions index the blocks.
    metric : {"euclidean", "sqeuclidean"}, default="euclidean"
        Ground cost between two points.
    reduced : bool, default=False
        Return what the matching minimises instead of the true cost: each
        block rescaled by a power of two and, for ``"sqeuclidean"``, only the
        cross term :math:`-2 \\langle a_i - c, b_j - c \\rangle` (``c`` the
        mean of the block of ``B``). Each block differs from its true cost by
        a positive factor and row and column constants, so it has the same
        optimal assignment.

    Returns
    -------
    cost : ndarray or torch.Tensor of shape (..., k, k)
        ``cost[..., i, j]`` is the cost between ``A[..., i, :]`` and
        ``B[..., j, :]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import pairwise_cost
    >>> A = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> B = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> pairwise_cost(A, B, "sqeuclidean")
    array([[1., 1.],
           [2., 0.]])
    """
    check_params("pairwise_cost", metric=metric)
    f, pf = _same_dtype(*_check_blocks(A, B))
    return to_input_kind(_cost_blocks(f, pf, METRICS[metric], scale=reduced), A)


def _same_dtype(f, pf):
    if f.dtype == pf.dtype:
        return f, pf
    nx = namespace(f)
    dtype = nx.promote(f.dtype, pf.dtype)
    return nx.astype(f, dtype), nx.astype(pf, dtype)


def _brute_force(cost):
    """Optimal permutation of each block by scoring all k! permutations.

    ``cost`` has shape (n_blocks, k, k), host or device (scored there).
    """
    n_blocks, k, _ = cost.shape
    nx = namespace(cost)
    perms, onehot = _permutations(k)
    scores = cost.reshape(n_blocks, k * k) @ nx.asarray(onehot, cost, cost.dtype)
    return nx.asarray(perms, cost)[scores.argmin(axis=1)]


def _solve_on_host(cost, solver):
    """Exact assignment of finite host cost blocks ``(n_blocks, k, k)``."""
    cost = np.ascontiguousarray(cost)
    if solver == "jv":
        if not HAS_NUMBA:  # pragma: no cover
            raise ImportError("solver='jv' needs numba: pip install numba")
        k = cost.shape[1]
        return _lsap_square_batch(cost, n_threads=_threads_for(cost.shape[0] * k**3))
    out = np.empty(cost.shape[:2], dtype=np.int64)
    for b in range(cost.shape[0]):
        out[b] = linear_sum_assignment(cost[b])[1]
    return out


def match_rows(
    feats,
    anchors,
    partners,
    *,
    metric="euclidean",
    solver="auto",
    partner_feats=None,
    weights=None,
    rng=None,
    what="X",
):
    """Match k-batches given as row indices: the one matching entry point.

    Parameters
    ----------
    feats : ndarray or torch.Tensor of shape (n_samples, n_features)
        Matching features (any real dtype; see :func:`matchable`).
    anchors, partners : ndarray of shape (n_pairs, k), int64
        Host row indices of the k-batches and of their partner k-batches.
    metric : str, default="euclidean"
        A key of :data:`skmixup._metrics.METRICS`.
    solver : {"auto", "brute", "jv", "scipy"}, default="auto"
    partner_feats : same kind as ``feats``, default=None
        Where the rows of ``partners`` are taken from (default ``feats``).
    weights : ndarray of shape (n_samples,), default=None
        Non-uniform point weights: each block is matched by its exact
        transport plan and each anchor draws its partner from its row of the
        plan with ``rng``.
    rng : numpy.random.Generator, default=None
        Needed with ``weights``.
    what : str, default="X"
        The argument the features came from, named in errors.

    Returns
    -------
    matched : ndarray of shape (n_pairs, k), int64, or a tensor on the
        device of ``feats`` for device tensors
        ``matched[b, i]`` is the partner row paired with ``anchors[b, i]``;
        without weights each row is a permutation of ``partners[b]``.
    """
    k = anchors.shape[1]
    metric = METRICS[metric]  # the callers have checked the name
    f = matchable(feats, what)
    pf = f if partner_feats is None else matchable(partner_feats, what)
    f, pf = _same_dtype(f, pf)
    solver = _resolve_solver(solver, k, f)
    nx = namespace(f)
    if weights is not None:
        return _weighted_rows(
            nx.to_host(f), nx.to_host(pf), anchors, partners, weights, metric, rng, what
        )
    if k == 1 or anchors.shape[0] == 0:  # nothing to match (callers validate)
        return nx.asarray(partners.copy(), f)
    if _fused(solver, f):
        d = f.shape[1]
        n_threads = _threads_for(anchors.shape[0] * k * k * (k + d))
        return _match_rows(f, anchors, partners, metric.name, n_threads, pf, what)
    a_all, p_all = nx.asarray(anchors, f), nx.asarray(partners, f)
    matched = nx.empty(anchors.shape, nx.int64, like=f)
    step = max(1, _ROWS_PER_CHUNK // k)
    for start in range(0, anchors.shape[0], step):
        a_idx, p_idx = a_all[start : start + step], p_all[start : start + step]
        perm = _solve_blocks(f[a_idx], pf[p_idx], metric, solver, what)
        matched[start : start + step] = nx.take_along(p_idx, perm)
    return matched


def _fused(solver, f):
    """Whether features are matched by the fused compiled kernel (host data,
    cost blocks built inside the solver's loop) rather than batched
    products."""
    return (
        solver == "jv"
        and HAS_NUMBA
        and namespace(f).on_host
        and f.shape[-1] <= FUSED_MAX_FEATURES
    )


def _solve_blocks(A, B, metric, solver, what):
    """Optimal permutations of blocks ``(m, k, d)`` (host or device): cost,
    finite check, exact solver. Brute force scores the blocks where they
    are; the other solvers are host kernels, so device costs go to the host
    and the permutations come back: the one transfer each way of the device
    path."""
    cost = _cost_blocks(A, B, metric)
    if solver == "brute":
        _finite_or_raise(cost, what)
        return _brute_force(cost)
    nx = namespace(cost)
    host = nx.to_host(cost)
    _finite_or_raise(host, what)
    return nx.asarray(_solve_on_host(host, solver), cost)


def _weighted_rows(f, pf, anchors, partners, weights, metric, rng, what):
    """Partners drawn from the exact OT plan between weighted k-batches.

    Anchor k-batch ``A`` and partner k-batch ``B`` carry the normalised
    weights ``a`` and ``b``; ``plan = ot.emd(a, b, M)`` and anchor row ``i``
    picks partner ``j`` with probability ``plan[i, j] / a[i]``. With equal
    weights the plan is a permutation and this is k-mixup. (POT solves one
    block per call, hence a loop over the blocks.)
    """
    import ot

    size = anchors.shape[1]
    cost = _cost_blocks(
        f[anchors].astype(np.float64), pf[partners].astype(np.float64), metric
    )
    _finite_or_raise(cost, what)
    a = _normalise_rows(weights[anchors])
    b = _normalise_rows(weights[partners])
    plans = np.stack([ot.emd(a[g], b[g], cost[g]) for g in range(len(cost))])
    mass = plans.sum(axis=2, keepdims=True)
    # A zero-weight anchor has an empty plan row: draw its partner from b
    # (its synthetic point carries weight 0 anyway).
    cond = np.where(mass > 0, plans / np.where(mass > 0, mass, 1.0), b[:, None])
    cdf = np.cumsum(cond, axis=2)
    u = rng.random(anchors.shape)
    choice = np.minimum((u[..., None] >= cdf).sum(axis=2), size - 1)
    return np.take_along_axis(partners, choice, 1)


def _normalise_rows(w):
    total = w.sum(axis=1, keepdims=True)
    uniform = np.full_like(w, 1.0 / w.shape[1])
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), uniform)


def _check_blocks(A, B):
    for name, arr in (("A", A), ("B", B)):
        reject_sparse(arr, name)
    nx = namespace(A)
    if namespace(B) is not nx:
        raise TypeError(
            "A and B must both be numpy arrays or both be torch tensors; got "
            f"{type(A).__name__} and {type(B).__name__}."
        )
    if nx.device(A) != nx.device(B):
        raise ValueError(
            f"A and B must be on the same device; got {nx.device(A)} and "
            f"{nx.device(B)}."
        )
    # as the matching reads them: host views, device tensors, float
    A, B = matchable(A, "A"), matchable(B, "B")
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
    if any(s == 0 for s in A.shape):
        raise ValueError(
            f"A and B must be non-empty (k >= 1 points of d >= 1 features); got "
            f"shape {tuple(A.shape)}."
        )
    return A, B


def match_batches(A, B, *, metric="euclidean", solver="auto"):
    r"""Exact optimal-transport matching of two batches of ``k`` points.

    For each block, find the permutation :math:`\sigma` minimising

    .. math::

        \sum_{i=1}^{k} c(a_i, b_{\sigma(i)}), \qquad
        c(a, b) = \|a - b\|_2 \ \text{(or } \|a - b\|_2^2\text{)},

    which is the exact optimal transport plan between the two uniform
    empirical measures (not an entropic approximation). Every leading index of
    ``A`` and ``B`` is an independent ``k x k`` problem; all of them are solved
    in one vectorised call, never as one large padded problem.

    Parameters
    ----------
    A, B : array-like or torch.Tensor of shape (..., k, d)
        Two batches of point clouds with the same shape. ``A[..., i, :]`` is
        point ``i`` of a block. Any real dtype; NaN and infinity raise.
    metric : {"euclidean", "sqeuclidean"}, default="euclidean"
        Ground cost: the Euclidean distance (1-Wasserstein matching, the
        package-wide default, see the user guide) or its square (the
        2-Wasserstein matching of the k-mixup paper).
    solver : {"auto", "brute", "jv", "scipy"}, default="auto"
        ``"brute"`` scores all ``k!`` permutations with one matrix product
        (on the tensors' device; ``k <= 8``), ``"jv"`` is the compiled batched
        Jonker-Volgenant solver, ``"scipy"`` loops over blocks with
        :func:`scipy.optimize.linear_sum_assignment`. ``"auto"`` uses
        ``"jv"`` on host data (numpy, CPU tensors) with at most 128
        features, where its compiled pass builds and solves each block
        without copies; otherwise ``"brute"`` for ``k <= 4`` (on the
        tensors' device) and ``"jv"`` beyond. All are exact.

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
    >>> from skmixup import match_batches, pairwise_cost
    >>> A = np.array([[0.0, 0.0], [10.0, 10.0]])
    >>> B = np.array([[10.0, 11.0], [0.0, 1.0]])
    >>> perm = match_batches(A, B)
    >>> perm
    array([1, 0])

    The total cost of this pairing against that of the pairing in order:

    >>> cost = pairwise_cost(A, B)
    >>> float(cost[[0, 1], perm].sum()), round(float(np.trace(cost)), 2)
    (2.0, 28.32)
    """
    check_params("match_batches", metric=metric)
    f, pf = _same_dtype(*_check_blocks(A, B))
    lead, (k, d) = tuple(f.shape[:-2]), tuple(f.shape[-2:])
    _resolve_solver(solver, k)  # refused before the finite checks
    f, pf = f.reshape(-1, d), pf.reshape(-1, d)
    if k == 1:  # no cost is computed: check the points themselves
        for x in (f, pf):
            _finite_or_raise(x, "A and B")
    # Block b is rows b*k .. b*k + k - 1 of both: the row-index matching
    # solves them in place (no gathered copy on the fused path).
    rows = np.arange(f.shape[0], dtype=np.int64).reshape(-1, k)
    matched = match_rows(
        f, rows, rows, metric=metric, solver=solver, partner_feats=pf, what="A and B"
    )
    nx = namespace(matched)
    perm = matched - nx.asarray(rows[:, :1], matched)
    return to_input_kind(perm.reshape(lead + (k,)), A)
