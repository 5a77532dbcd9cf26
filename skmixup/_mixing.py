"""The k-mixup step: shuffle, group, match by exact OT, draw lambda, mix.

One implementation for every caller: :func:`draw` makes the record of a step
(:class:`KMixupDraw`: who is mixed with whom, with which weight), the
functions below it mix with that record (:func:`mix_rows` for inputs and
continuous or soft targets, :func:`pick_rows` for what cannot be averaged:
hard labels and categorical columns, :func:`split_rows` for the split-weight
form of :class:`~skmixup.KMixupEstimator`). :func:`kmixup_batch` and
:func:`kmixup_pairs` are the public faces; the estimators, the Dask path and
the nets all come through here.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from ._backend import float_dtype, from_host, is_half, is_torch, to_host
from ._matching import check_int, check_metric, match_rows
from ._random import check_generator

__all__ = ["kmixup_batch", "kmixup_pairs", "KMixupDraw", "effective_k"]


@dataclass(frozen=True)
class KMixupDraw:
    """What one k-mixup step drew (returned with ``return_info=True``).

    Row ``i`` of the mixed output is
    ``lam[i] * X[i] + (1 - lam[i]) * X[partner[i]]``.

    Attributes
    ----------
    partner : ndarray of shape (n_samples,), int64
        Index of the point each row was mixed with. ``partner[i] != i``
        whenever the batch holds at least 2 points: partner k-batches never
        share points with the k-batch they are matched to.
    lam : ndarray of shape (n_samples,)
        Mixing weight of ``X[i]`` (shared by all rows of a k-batch).
    group : ndarray of shape (n_samples,), int64
        Which k-batch each row belonged to.
    k : int
        The k-batch size actually used (``effective_k(k, n_samples)``).
    pick : ndarray of shape (n_samples,), bool
        For what cannot be averaged (hard labels, categorical columns): row
        ``i`` takes its own value where ``pick[i]``, its partner's otherwise.
        ``pick[i]`` is True with probability ``lam[i]``, so the picked value is
        an unbiased draw of the mixed one.

    See Also
    --------
    kmixup_batch : Returns this with ``return_info=True``.
    kmixup_pairs : Draws and matches the pairs without mixing.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import kmixup_batch
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> X_mix, _, draw = kmixup_batch(X, k=3, random_state=0, return_info=True)
    >>> draw.k, bool((draw.partner != np.arange(6)).all())
    (3, True)
    >>> lam = draw.lam[:, None]
    >>> bool(np.allclose(X_mix, lam * X + (1 - lam) * X[draw.partner]))
    True
    """

    partner: np.ndarray
    lam: np.ndarray
    group: np.ndarray
    k: int
    pick: np.ndarray


def effective_k(k, n_samples):
    """The k-batch size used for a batch of ``n_samples`` points.

    Two disjoint k-batches must fit in the batch, so ``k`` is capped at
    ``n_samples // 2`` (and is at least 1). This one rule holds everywhere:
    in the functions, in every mini-batch of the nets and in the augmenter.

    Parameters
    ----------
    k : int
        Requested k-batch size, >= 1.
    n_samples : int
        Number of points in the batch, >= 0.

    Returns
    -------
    k_eff : int
        ``max(1, min(k, n_samples // 2))``.

    See Also
    --------
    kmixup_batch : Applies this cap to every batch.

    Examples
    --------
    >>> from skmixup import effective_k
    >>> effective_k(16, 256), effective_k(16, 20), effective_k(4, 1)
    (16, 10, 1)
    """
    k = check_int(k, "k", 1)
    n_samples = check_int(n_samples, "n_samples", 0)
    return max(1, min(k, n_samples // 2))


def check_params(k, alpha, metric):
    """Validated ``(k, alpha, metric)`` of a k-mixup step."""
    k = check_int(k, "k", 1)
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, numbers.Real)
        or not 0 <= alpha < np.inf
    ):
        raise ValueError(
            f"alpha must be a finite real number >= 0 (0 disables mixing); "
            f"got {alpha!r}."
        )
    return k, float(alpha), check_metric(metric)


def _identity_draw(n, k):
    return KMixupDraw(
        np.arange(n, dtype=np.int64),
        np.ones(n),
        np.zeros(n, dtype=np.int64),
        max(1, min(k, n // 2)),
        np.ones(n, dtype=bool),
    )


def draw(feats, k, alpha, metric, rng, *, weights=None, what="X"):
    """Draw and match one k-mixup step over the rows of ``feats``.

    The rows are shuffled and cut into consecutive k-batches (the last may be
    smaller). The partner of the point at shuffled position ``p`` is a point
    of shuffled position ``(p + k) mod n``, so a k-batch and its partners are
    disjoint (``k <= n // 2``) and no point is mixed with itself. Each pair of
    k-batches is matched by :func:`skmixup._matching.match_rows` and gets one
    ``lam ~ Beta(alpha, alpha)``. The generator is consumed in a fixed order
    (shuffle, lambdas, picks), so one seed gives one draw in every caller.

    Parameters
    ----------
    feats : ndarray or torch.Tensor of shape (n_samples, n_features)
        Matching features (validated by the caller).
    k : int
    alpha : float, > 0
    metric : str
    rng : numpy.random.Generator
    weights : ndarray of shape (n_samples,), default=None
        Non-uniform weights: partners drawn from each block's exact OT plan.
    what : str, default="X"
        Name of the features' argument, for errors.

    Returns
    -------
    draw : _Draw
        ``partner`` on the device of ``feats``, the rest on the host.
    """
    n = feats.shape[0]
    k = effective_k(k, n)
    order = rng.permutation(n)
    lam_groups = rng.beta(alpha, alpha, size=-(-n // k))
    pick_u = rng.random(n)
    partner_order = np.concatenate((order[k:], order[:k]))  # np.roll(order, -k)
    n_full = (n // k) * k
    blocks = [(order[:n_full].reshape(-1, k), partner_order[:n_full].reshape(-1, k))]
    if n_full < n:
        blocks.append((order[n_full:][None], partner_order[n_full:][None]))
    group = np.empty(n, dtype=np.int64)
    group[order] = np.arange(n) // k
    lam = lam_groups[group]
    if is_torch(feats) and feats.device.type != "cpu":
        import torch

        partner = torch.empty(n, dtype=torch.int64, device=feats.device)
    else:
        partner = np.empty(n, dtype=np.int64)
    for anchors, partners in blocks:
        matched = match_rows(
            feats, anchors, partners, metric=metric, weights=weights, rng=rng, what=what
        )
        flat = anchors.reshape(-1)
        partner[from_host(flat, matched) if is_torch(matched) else flat] = (
            matched.reshape(-1)
        )
    return _Draw(partner, lam, group, k, pick_u < lam)


class _Draw:
    """The record of a draw as the mixing uses it: ``partner`` stays on the
    device of the features; :meth:`to_record` is the public, host-side form."""

    __slots__ = ("partner", "lam", "group", "k", "pick")

    def __init__(self, partner, lam, group, k, pick):
        self.partner, self.lam, self.group, self.k, self.pick = (
            partner,
            lam,
            group,
            k,
            pick,
        )

    def to_record(self):
        partner = to_host(self.partner) if is_torch(self.partner) else self.partner
        return KMixupDraw(partner, self.lam, self.group, self.k, self.pick)


def mix_rows(V, partner, lam, *, anchor=None, discrete=None, pick=None, out=None):
    """``lam * V[anchor] + (1 - lam) * V[partner]``, row by row.

    The one mixing formula of the package (inputs, continuous and soft
    targets). ``V`` is numpy or torch of shape (n, ...); ``anchor`` defaults to
    every row in order; ``partner``, ``lam`` (and ``pick``) are of the kind
    and device of ``V`` or host arrays. ``discrete`` (a boolean mask over the
    columns of a 2-d ``V``) marks columns taken whole from one parent: the
    anchor's where ``pick``, the partner's otherwise. Mixing happens in
    ``V``'s floating-point dtype (float64 for integer ``V``). ``out`` (numpy
    only) receives the result, which is written in chunks to bound memory.
    """
    dtype = float_dtype(V)
    if is_torch(V):
        lam = from_host(np.asarray(lam), V) if not is_torch(lam) else lam
        w = lam.to(dtype).reshape((-1,) + (1,) * (V.ndim - 1))
        A = V if anchor is None else V[anchor]
        mixed = w * A.to(dtype) + (1 - w) * V[partner].to(dtype)
        if discrete is not None:
            import torch

            mask = torch.as_tensor(discrete, device=V.device)
            pick_t = torch.as_tensor(pick, device=V.device)[:, None]
            mixed = torch.where(mask & pick_t, A.to(dtype), mixed)
            mixed = torch.where(mask & ~pick_t, V[partner].to(dtype), mixed)
        return mixed
    m = len(partner)
    lam = lam.astype(dtype, copy=False)
    if out is None and anchor is None and discrete is None and m <= _MIX_CHUNK:
        # The per-batch case: one expression, no chunking.
        w = lam.reshape((-1,) + (1,) * (V.ndim - 1))
        return w * V + (1 - w) * V[partner]
    if out is None:
        out = np.empty((m,) + V.shape[1:], dtype=dtype)
    anchor = np.arange(m) if anchor is None else anchor
    for start in range(0, m, _MIX_CHUNK):
        rows = slice(start, start + _MIX_CHUNK)
        w = lam[rows].reshape((-1,) + (1,) * (V.ndim - 1))
        block = out[rows]
        if V.dtype == dtype:
            np.take(V, partner[rows], axis=0, out=block)
        else:
            block[...] = V[partner[rows]]
        block *= 1 - w
        block += w * V[anchor[rows]]
        if discrete is not None:
            src = np.where(pick[rows], anchor[rows], partner[rows])
            block[:, discrete] = V[src][:, discrete]
    return out


#: Rows mixed per step of :func:`mix_rows` on numpy data (keeps the
#: temporaries in cache).
_MIX_CHUNK = 8192


def pick_rows(partner, pick, anchor=None):
    """Row each output takes a value from whole: its anchor where ``pick``,
    its partner otherwise (hard labels, categorical values)."""
    anchor = np.arange(len(partner)) if anchor is None else anchor
    return np.where(pick, anchor, partner)


def split_rows(anchor, partner, lam, codes):
    """The split-weight form of mixed class labels.

    A pair with two different labels becomes two rows, one per label,
    weighted ``lam`` and ``1 - lam``; a pair with one label stays one row of
    full weight. The weighted loss of these rows equals the loss of the soft
    label for any loss linear in the target (exact k-mixup for scikit-learn
    models that take ``sample_weight``).

    Returns
    -------
    rows : ndarray of int
        For each output row, the synthetic pair it comes from (split pairs
        appear twice).
    label_rows : ndarray of int
        The data row whose label each output row carries.
    weight : ndarray
        The weight of each output row.
    """
    split = codes[anchor] != codes[partner]
    rows = np.concatenate([np.arange(len(anchor)), np.flatnonzero(split)])
    label_rows = np.concatenate([anchor, partner[split]])
    weight = np.concatenate([np.where(split, lam, 1.0), 1 - lam[split]])
    return rows, label_rows, weight


def _check_kind(X, arrays):
    torch_mode = is_torch(X)
    for name, arr in arrays.items():
        if arr is not None and is_torch(arr) != torch_mode:
            kinds = ("a torch tensor", "a numpy array")
            raise TypeError(
                f"{name} must be {kinds[not torch_mode]} like X; got "
                f"{type(arr).__name__}. Convert both to the same kind."
            )
        if torch_mode and arr is not None and arr.device != X.device:
            raise ValueError(
                f"{name} must be on X's device ({X.device}); got {arr.device}."
            )


def _as_checked(arr, name, n, check_finite, min_ndim=1):
    """``arr`` as numpy (unless a tensor), with its shape and values checked
    (``n=None``: any number of rows)."""
    if arr is None:
        return None
    if hasattr(arr, "toarray") or hasattr(arr, "todense"):
        raise TypeError(
            f"{name} is a sparse matrix; k-mixup mixes dense rows. Convert it "
            f"with {name}.toarray() (or densify it in the pipeline) first."
        )
    if not is_torch(arr):
        arr = np.asarray(arr)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must hold real numbers; got dtype {arr.dtype}. Encode "
                "categories as numbers first."
            )
    elif arr.is_complex():
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}.")
    if arr.ndim < min_ndim or (n is not None and arr.shape[0] != n):
        n = "n_samples" if n is None else n
        raise ValueError(
            f"{name} must have shape ({n}, ...) with at least {min_ndim} "
            f"dimension(s), one row per sample of X; got shape {tuple(arr.shape)}."
        )
    if check_finite:
        if is_torch(arr):
            # 8-bit floats have no isfinite kernel: check a float32 copy
            wide = arr.float() if arr.is_floating_point() and arr.itemsize < 2 else arr
            finite = bool(wide.isfinite().all())
        else:
            finite = arr.dtype.kind != "f" or bool(np.isfinite(arr).all())
        if not finite:
            raise ValueError(
                f"{name} must be finite: it contains NaN or infinity. Impute or "
                "drop those values first."
            )
    return arr


def _check_discrete(discrete, X):
    """Boolean column mask of a 2-d X from a mask or indices (or None)."""
    if discrete is None:
        return None
    if X.ndim != 2:
        raise ValueError(
            f"discrete needs a 2-d X of shape (n_samples, n_features); got X of "
            f"shape {tuple(X.shape)}."
        )
    d = X.shape[1]
    idx = np.asarray(discrete)
    if idx.dtype == bool:
        if idx.shape != (d,):
            raise ValueError(
                f"discrete as a boolean mask must have shape ({d},), one entry "
                f"per column of X; got shape {idx.shape}."
            )
        return idx
    if idx.dtype.kind not in "iu" or idx.ndim != 1:
        raise TypeError(
            "discrete must be a boolean mask or a 1-d array of column indices; "
            f"got {discrete!r}."
        )
    if idx.size and (idx.min() < -d or idx.max() >= d):
        raise ValueError(
            f"discrete holds column indices out of range for X with {d} "
            f"columns: {idx.tolist()!r}."
        )
    mask = np.zeros(d, dtype=bool)
    mask[idx] = True
    return mask


def kmixup_batch(
    X,
    Y=None,
    *,
    k=8,
    alpha=1.0,
    metric="euclidean",
    match_on=None,
    discrete=None,
    random_state=None,
    return_info=False,
    check_input=True,
):
    r"""Apply one k-mixup step to a batch.

    The batch is shuffled and cut into k-batches of ``k`` points (the last
    may be smaller). Each k-batch is paired with a partner k-batch made of
    *other* points of the batch, the two are matched by exact optimal
    transport (:func:`match_batches`), one :math:`\lambda \sim
    \mathrm{Beta}(\alpha, \alpha)` is drawn per pair of k-batches, and

    .. math::

        \tilde x_i = \lambda x_i + (1 - \lambda) x'_{\sigma(i)}, \qquad
        \tilde y_i = \lambda y_i + (1 - \lambda) y'_{\sigma(i)}.

    ``k=1`` is ordinary mixup (a random partner for each point), ``alpha=0``
    returns the batch unchanged (empirical risk minimisation).

    Parameters
    ----------
    X : ndarray or torch.Tensor of shape (n_samples, ...)
        The batch: a table, images ``(n, C, H, W)``, sequences, any trailing
        shape. The matching compares flattened rows. A torch tensor is mixed
        on its own device (and through autograd when it requires grad).
    Y : ndarray or torch.Tensor of shape (n_samples,) or (n_samples, ...), default=None
        Targets mixed with the same weights: one-hot or soft labels, or
        regression targets. Integer arrays are promoted to the floating-point
        type of ``X``, at least float32 (float64 if ``X`` is not floating
        point).
    k : int, default=8
        Size of the k-batches, capped at ``n_samples // 2``
        (:func:`effective_k`) so that a k-batch and its partner never share a
        point.
    alpha : float, default=1.0
        Parameter of the symmetric Beta distribution of :math:`\lambda`;
        ``0`` disables mixing.
    metric : {"euclidean", "sqeuclidean"}, default="euclidean"
        Ground cost of the matching (see :func:`match_batches`).
    match_on : ndarray or torch.Tensor of shape (n_samples, n_match_features), default=None
        Features used for the matching only (for example standardised
        ``X``); ``X`` itself is what gets mixed. Defaults to ``X``.
    discrete : array-like of bool of shape (n_features,) or of int, default=None
        Columns of a 2-d ``X`` that hold categories (integer codes, one-hot
        columns): each mixed row takes them whole from one of its two points,
        its own with probability :math:`\lambda` (``KMixupDraw.pick``), so
        every value is one that occurs. Other columns are mixed linearly.
    random_state : None, int, RandomState or Generator, default=None
        Source of the shuffle, of :math:`\lambda` and of the picks (see
        :func:`skmixup._random.check_generator` for the rule). All randomness
        is drawn on the host with numpy, so a seed gives the same pairs on
        every device, and the same pairs as :func:`kmixup_pairs`.
    return_info : bool, default=False
        Also return a :class:`KMixupDraw` describing the pairs.
    check_input : bool, default=True
        Check that ``X``, ``Y`` and ``match_on`` are finite. The nets, which
        validate their data once in ``fit``, turn it off on their hot path
        (on a GPU the check costs a device synchronisation).

    Returns
    -------
    X_mix : same type, shape and device as ``X``
    Y_mix : same type as ``Y`` (floating point), or None when ``Y`` is None
    info : KMixupDraw
        Only with ``return_info=True``.

    Raises
    ------
    ValueError
        NaN or infinity in ``X``, ``Y`` or ``match_on`` (in the matching
        features even with ``check_input=False``), shapes that disagree,
        invalid ``k``, ``alpha`` or ``metric``.
    TypeError
        Non-numeric data, or numpy and torch mixed.

    Notes
    -----
    Inputs are never modified.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import kmixup_batch
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> Y = np.eye(2)[[0, 0, 1, 1]]
    >>> X_mix, Y_mix = kmixup_batch(X, Y, k=2, alpha=1.0, random_state=0)
    >>> X_mix.shape, Y_mix.shape
    ((4, 1), (4, 2))
    >>> bool(np.allclose(Y_mix.sum(axis=1), 1.0))
    True
    """
    k, alpha, metric = check_params(k, alpha, metric)
    _check_kind(X, {"Y": Y, "match_on": match_on})
    X = _as_checked(X, "X", None, check_input, 2)
    n = X.shape[0]
    Y = _as_checked(Y, "Y", n, check_input)
    match_on = _as_checked(match_on, "match_on", n, check_input, 2)
    for name, arr in (("X", X), ("Y", Y)):
        if is_torch(arr) and arr.is_floating_point() and arr.itemsize < 2:
            raise TypeError(
                f"{name} has dtype {arr.dtype}: torch has no arithmetic for 8-bit "
                f"floats, so it cannot be mixed. Convert {name} to float16 or "
                "wider first."
            )
    discrete = _check_discrete(discrete, X)
    rng = check_generator(random_state)
    if alpha == 0 or n < 2:
        return (X, Y, _identity_draw(n, k)) if return_info else (X, Y)
    feats = X.reshape(n, -1) if match_on is None else match_on.reshape(n, -1)
    record = draw(
        feats, k, alpha, metric, rng, what="X" if match_on is None else "match_on"
    )
    X_mix, Y_mix = _mix_batch(X, Y, record, discrete)
    return (X_mix, Y_mix, record.to_record()) if return_info else (X_mix, Y_mix)


def _mix_batch(X, Y, record, discrete):
    """Mix ``X`` and ``Y`` with a draw: numpy on host data (CPU tensors through
    zero-copy views, faster than torch's ops at batch sizes of a few hundred),
    torch's ops on a device, under autograd, or in bfloat16."""
    partner, lam, pick = record.partner, record.lam, record.pick
    tensors = [t for t in (X, Y) if t is not None and is_torch(t)]
    if tensors and any(
        t.device.type != "cpu" or t.requires_grad or (is_half(t) and t.dtype != _f16())
        for t in tensors
    ):
        if not is_torch(partner):
            partner = from_host(partner, X)
        lam_t = from_host(lam.astype(np.float64), X)
        X_mix = mix_rows(X, partner, lam_t, discrete=discrete, pick=pick)
        if Y is None:
            return X_mix, None
        if not Y.is_floating_point():
            Y = Y.to(_target_dtype(Y, X_mix))
        return X_mix, mix_rows(Y, partner, lam_t)
    X_np = X.numpy() if is_torch(X) else X
    lam_x = lam.astype(float_dtype(X_np), copy=False)
    X_mix = mix_rows(X_np, partner, lam_x, discrete=discrete, pick=pick)
    Y_mix = None
    if Y is not None:
        Y_np = Y.numpy() if is_torch(Y) else Y
        if Y_np.dtype.kind != "f":
            Y_np = Y_np.astype(_target_dtype(Y_np, X_mix))
        # lambda in Y's own precision (X's may be coarser, e.g. float16)
        lam_y = lam_x if Y_np.dtype == lam_x.dtype else lam.astype(Y_np.dtype)
        Y_mix = mix_rows(Y_np, partner, lam_y)
    if is_torch(X):
        import torch

        X_mix = torch.from_numpy(X_mix)
        Y_mix = None if Y_mix is None else torch.from_numpy(Y_mix)
    return X_mix, Y_mix


def _target_dtype(Y, X_mix):
    """The float type integer targets are mixed in: ``X``'s, at least float32
    (a float16 cannot hold counts above 65,504)."""
    if is_torch(Y):
        import torch

        return torch.promote_types(X_mix.dtype, torch.float32)
    return np.promote_types(X_mix.dtype, np.float32)


def _f16():
    import torch

    return torch.float16


def kmixup_pairs(match_on, *, k=8, alpha=1.0, metric="euclidean", random_state=None):
    """Draw and match the pairs of one k-mixup step without mixing anything.

    For callers that mix themselves (for instance straight into a
    preallocated output): row ``i`` is to be mixed as
    ``lam[i] * X[i] + (1 - lam[i]) * X[partner[i]]``. The same data and
    ``random_state`` give the same pairs as :func:`kmixup_batch`.

    Parameters
    ----------
    match_on : array-like or torch.Tensor of shape (n_samples, ...)
        Features the matching sees (flattened per row).
    k, alpha, metric, random_state
        As in :func:`kmixup_batch`.

    Returns
    -------
    draw : KMixupDraw
        Host (numpy) arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import kmixup_batch, kmixup_pairs
    >>> X = np.arange(16.0).reshape(8, 2)
    >>> draw = kmixup_pairs(X, k=2, random_state=0)
    >>> draw.partner.shape, bool((draw.partner != np.arange(8)).all())
    ((8,), True)
    >>> _, _, info = kmixup_batch(X, k=2, random_state=0, return_info=True)
    >>> bool((info.partner == draw.partner).all())
    True
    """
    k, alpha, metric = check_params(k, alpha, metric)
    match_on = _as_checked(match_on, "match_on", None, True, 2)
    n = match_on.shape[0]
    rng = check_generator(random_state)
    if alpha == 0 or n < 2:
        return _identity_draw(n, k)
    return draw(
        match_on.reshape(n, -1), k, alpha, metric, rng, what="match_on"
    ).to_record()
