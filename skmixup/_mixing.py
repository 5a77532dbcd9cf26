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

from dataclasses import dataclass

import numpy as np

from ._backend import (
    mixing_form,
    namespace,
    reject_sparse,
)
from ._docstrings import label_weight_doc
from ._jv import _njit
from ._matching import match_rows, matchable
from ._params import check_params
from ._random import check_generator
from ._validation import column_indices

__all__ = [
    "apply_draw",
    "kmixup_batch",
    "kmixup_pairs",
    "KMixupDraw",
    "effective_k",
    "mix_step",
]


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
    check_params("effective_k", k=k, n_samples=n_samples)
    return cap_k(int(k), int(n_samples))


def cap_k(k, n_samples):
    """:func:`effective_k` without validation (the one place the cap is
    written)."""
    return max(1, min(k, n_samples // 2))


def identity_draw(n, k):
    """The draw of a step that mixes nothing (``alpha=0``, or fewer than 2
    points): every point is its own partner, with weight 1."""
    return KMixupDraw(
        np.arange(n, dtype=np.int64),
        np.ones(n),
        np.zeros(n, dtype=np.int64),
        cap_k(k, n),
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
    feats : ndarray or torch.Tensor of shape (n_samples, ...)
        Matching features (validated by the caller), flattened per row.
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
        ``partner`` on the device of ``feats`` (host for host data), the rest
        on the host.
    """
    n = feats.shape[0]
    k = cap_k(k, n)
    order = rng.permutation(n)
    lam_groups, pick_u = _lambdas_and_picks(rng, alpha, -(-n // k), n)
    if k == 1:  # ordinary mixup: nothing to match; the next point in the shuffle
        partner, lam = np.empty((1, n), dtype=np.int64), np.empty((1, n))
        _mixup_slots(order[None], lam_groups[None], lam, partner)
        return _Draw(partner[0], lam[0], order, k, pick_u)
    shifted = np.concatenate((order[k:], order[:k]))  # np.roll(order, -k)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    # converted once (a numpy view of host data) and flattened there
    feats = matchable(feats, what).reshape(n, -1)
    n_full = (n // k) * k
    blocks = [(order[:n_full].reshape(-1, k), shifted[:n_full].reshape(-1, k))]
    if n_full < n:
        blocks.append((order[n_full:][None], shifted[n_full:][None]))
    matched = [
        match_rows(
            feats, a, p, metric=metric, weights=weights, rng=rng, what=what
        ).reshape(-1)
        for a, p in blocks
    ]
    nx = namespace(matched[0])
    by_position = matched[0] if len(matched) == 1 else nx.concat(matched)
    partner = by_position[nx.asarray(rank, by_position)]
    return _Draw(partner, lam_groups[rank // k], order, k, pick_u)


def draw_batches(feats, rows, batch_size, k, alpha, metric, rng, *, what="X"):
    """The draws of consecutive batches, made at once: a training pass's steps.

    Batch ``b`` holds the rows ``rows[b * batch_size : (b + 1) * batch_size]``
    of ``feats`` (the last batch may be smaller). Its draw is the one
    :func:`draw` makes on those rows, and ``rng`` is consumed as calls of
    :func:`draw` batch after batch would consume it, so one seed gives the same
    pairs and weights either way (a batch of fewer than 2 rows mixes nothing
    and draws nothing, as in :func:`mix_step`). What changes is the cost: the
    k-batches of every batch are matched by one :func:`match_rows` call per
    k-batch size, and the index arithmetic is done for all batches at once,
    instead of a dozen small calls per batch.

    Parameters
    ----------
    feats : ndarray or torch.Tensor of shape (n_samples, ...)
        Matching features of every row (validated by the caller).
    rows : ndarray of shape (n_rows,), int64
        Host row indices of ``feats`` in batch order, each at most once.
    batch_size : int, >= 1
    k, alpha, metric, rng, what
        As in :func:`draw` (``alpha > 0``).

    Returns
    -------
    draws : _BatchDraws
        Whose :meth:`~_BatchDraws.step` gives each batch's draw.
    """
    n = len(rows)
    n_full = (n // batch_size) * batch_size
    groups = [rows[:n_full].reshape(-1, batch_size)] if n_full else []
    if n_full < n:
        groups.append(rows[n_full:][None])
    return _BatchDraws(
        [_draw_group(feats, R, k, alpha, metric, rng, what) for R in groups],
        n // batch_size,
    )


def _draw_group(feats, R, k, alpha, metric, rng, what):
    """:func:`draw` for each row of ``R`` (rows of ``feats``, one batch per
    row, all of one size), in order: ``(partner, lam, order, k, pick_u)`` as
    ``(n_batches, batch)`` arrays, ``partner`` in each batch's own positions
    (None when a batch is too small to mix)."""
    n_batches, m = R.shape
    if m < 2:
        return None
    k = cap_k(k, m)
    n_lambdas = -(-m // k)
    order = np.empty((n_batches, m), dtype=np.int64)
    uniforms = np.empty((n_batches, n_lambdas + m))
    positions = np.arange(m)
    for b in range(n_batches):  # the generator's order of draw(), batch after batch
        shuffle = order[b]
        shuffle[:] = positions
        rng.shuffle(shuffle)  # in place: the numbers of rng.permutation(m)
        _lambdas_and_picks(rng, alpha, n_lambdas, m, out=uniforms[b])
    lam_groups, pick_u = uniforms[:, :n_lambdas], uniforms[:, n_lambdas:]
    lam = np.empty((n_batches, m))
    if k == 1:  # ordinary mixup: the next point in the shuffle
        partner = np.empty((n_batches, m), dtype=np.int64)
        _mixup_slots(order, lam_groups, lam, partner)
        return partner, lam, order, k, pick_u
    anchors = np.empty((n_batches, m), dtype=np.int64)
    partners = np.empty((n_batches, m), dtype=np.int64)
    flat = np.empty(n_batches * m, dtype=np.int64)
    _kbatch_slots(order, lam_groups, k, R, lam, anchors, partners, flat)
    feats = matchable(feats, what)
    feats = feats.reshape(feats.shape[0], -1)
    nx = namespace(feats)
    # each row's position in its batch: the matched rows back to positions
    position = np.empty(feats.shape[0], dtype=np.int64)
    position[R] = np.arange(m)
    by_slot = None
    n_cut = (m // k) * k
    for cut in (slice(0, n_cut), slice(n_cut, m)):
        size = cut.stop - cut.start
        if size == 0:
            continue
        matched = match_rows(
            feats,
            anchors[:, cut].reshape(-1, min(k, size)),
            partners[:, cut].reshape(-1, min(k, size)),
            metric=metric,
            what=what,
        ).reshape(n_batches, size)
        if by_slot is None:
            by_slot = nx.empty((n_batches, m), nx.int64, like=matched)
        by_slot[:, cut] = matched
    partner = nx.empty((n_batches * m,), nx.int64, like=by_slot)
    partner[nx.asarray(flat, by_slot)] = nx.asarray(position, by_slot)[
        by_slot.reshape(-1)
    ]
    return partner.reshape(n_batches, m), lam, order, k, pick_u


@_njit
def _mixup_slots(order, lam_groups, lam, partner):
    """The pairs of ordinary mixup (``k = 1``) for :func:`draw` (one batch)
    and :func:`_draw_group` (every batch of a pass in one compiled loop, a
    dozen numpy calls otherwise): the point at slot
    ``j`` of batch ``b``'s shuffle ``order[b]`` gets the weight
    ``lam_groups[b, j]`` and, as its partner, the point at the next slot
    (cyclically)."""
    n_batches, m = order.shape
    for b in range(n_batches):
        o = order[b]
        for j in range(m):
            lam[b, o[j]] = lam_groups[b, j]
            partner[b, o[j]] = o[j + 1] if j + 1 < m else o[0]


@_njit
def _kbatch_slots(order, lam_groups, k, R, lam, anchors, partners, flat):
    """The index work of :func:`_draw_group` for ``k > 1`` before matching,
    for every batch in one compiled loop: slot ``j`` of batch ``b``'s shuffle
    holds its point ``order[b, j]`` (the row ``R[b, order[b, j]]``), with
    the weight of its k-batch, ``lam_groups[b, j // k]``, the row of the
    partner k-batch's slot ``j + k`` (cyclically), and its flat place
    ``b * m + order[b, j]`` in every ``(n_batches, m)`` array."""
    n_batches, m = order.shape
    for b in range(n_batches):
        o, rows = order[b], R[b]
        for j in range(m):
            point = o[j]
            lam[b, point] = lam_groups[b, j // k]
            anchors[b, j] = rows[point]
            partners[b, j] = rows[o[j + k - m] if j + k >= m else o[j + k]]
            flat[b * m + j] = b * m + point


class _BatchDraws:
    """The draws of :func:`draw_batches`, read batch by batch.

    :meth:`send` makes every batch's step for the mixed arrays' kind and
    device at once: each group's partners are moved there once, its weights
    made there once, and each batch's part of them sliced in one loop, so
    that a batch's :meth:`step` is a lookup.
    """

    __slots__ = ("groups", "n_full", "steps")

    def __init__(self, groups, n_full):
        self.groups, self.n_full, self.steps = groups, n_full, None

    def send(self, like):
        """Each batch's ``(record, partner, weights)`` made for arrays like
        ``like`` (once): the weights' forms for ``like``'s dtype and shape
        are sliced ahead (those of other arrays, when first asked for)."""
        nx = namespace(like)
        form = (float_dtype(like), like.ndim)
        self.steps = steps = []
        for group in self.groups:
            if group is None:
                steps.append(None)
                continue
            partner, lam, order, k, pick_u = group
            weights = _Weights(lam.reshape(-1), like)
            weights.pair(*form)
            sent = zip(nx.asarray(partner, like), weights.split(lam.shape[1]))
            steps.append(
                [
                    (_Draw(p, w, o, k, u), sent_p, sent_w)
                    for p, w, o, u, (sent_p, sent_w) in zip(
                        partner, lam, order, pick_u, sent
                    )
                ]
            )

    def step(self, b):
        """``(record, partner, weights)`` of batch ``b`` for :func:`_step`,
        or None when the batch mixes nothing (after :meth:`send`)."""
        g, i = (0, b) if b < self.n_full else (-1, 0)
        group = self.steps[g]
        return None if group is None else group[i]


def _lambdas_and_picks(rng, alpha, n_lambdas, n_picks, out=None):
    """``n_lambdas`` draws of Beta(alpha, alpha), then ``n_picks`` uniforms
    (written into ``out``, a contiguous float64 row of both, when given).

    Beta(1, 1) is the uniform distribution, which numpy draws about twenty
    times faster than its beta sampler does at ``alpha=1`` (a rejection
    loop): on the nets' per-batch path that sampler cost more than the
    mixing itself (``python -m skmixup.benchmarks neural``). Both are then
    uniforms, taken in one call: numpy's generator gives the same numbers
    for ``random(a + b)`` as for ``random(a)`` then ``random(b)``.
    """
    if out is None:
        out = np.empty(n_lambdas + n_picks)
    if alpha == 1:
        rng.random(out=out)
    else:
        out[:n_lambdas] = rng.beta(alpha, alpha, size=n_lambdas)
        rng.random(out=out[n_lambdas:])
    return out[:n_lambdas], out[n_lambdas:]


class _Draw:
    """The record of a draw as the mixing uses it: ``partner`` stays on the
    device of the features; ``group`` and ``pick`` are derived when read (the
    per-batch step needs neither); :meth:`to_record` is the public, host-side
    form."""

    __slots__ = ("partner", "lam", "order", "k", "pick_u")

    def __init__(self, partner, lam, order, k, pick_u):
        self.partner, self.lam, self.order = partner, lam, order
        self.k, self.pick_u = k, pick_u

    @property
    def group(self):
        """The k-batch of each point (its position in the shuffle, over k)."""
        rank = np.empty(len(self.order), dtype=np.int64)
        rank[self.order] = np.arange(len(self.order))
        return rank if self.k == 1 else rank // self.k

    @property
    def pick(self):
        """Whether each point keeps its own discrete values (probability lam)."""
        return self.pick_u < self.lam

    def to_record(self):
        partner = namespace(self.partner).to_host(self.partner)
        return KMixupDraw(partner, self.lam, self.group, self.k, self.pick)


def float_dtype(V):
    """The floating-point type ``V`` is mixed in: its own, float64 for
    integers and booleans."""
    nx = namespace(V)
    return V.dtype if nx.is_float(V) else nx.float64


def mix_rows(V, partner, lam, *, anchor=None, discrete=None, pick=None, out=None):
    """``lam * V[anchor] + (1 - lam) * V[partner]``, row by row.

    The one mixing formula of the package (inputs, targets, sample weights).
    ``V`` is numpy or torch of shape (n, ...); ``anchor`` defaults to every
    row in order; ``partner`` (and ``pick``, ``discrete``) are of the kind
    and device of ``V``, ``lam`` of that kind or a host array. ``discrete``
    (a boolean mask over the columns of a 2-d ``V``) marks columns taken
    whole from one parent: the anchor's where ``pick``, the partner's
    otherwise. Mixing happens in ``V``'s
    floating-point dtype (float64 for integer ``V``). ``out`` receives the
    result; large outputs are written in chunks to bound memory. ``lam`` may
    be a ``_Weights`` shared by the arrays of one batch (made for an array of
    ``V``'s kind: its namespace is the one used).
    """
    weights = lam if type(lam) is _Weights else _Weights(lam, V)
    nx = weights.nx
    m = len(weights.lam)  # one weight per output row (a host length: no device call)
    if m > _MIX_CHUNK:  # written in chunks, each one call of this function
        if out is None:
            out = nx.empty((m,) + tuple(V.shape[1:]), float_dtype(V), like=V)
        for start in range(0, m, _MIX_CHUNK):
            rows = slice(start, start + _MIX_CHUNK)
            mix_rows(
                V,
                partner[rows],
                weights.rows(rows),
                anchor=None if anchor is None else anchor[rows],
                discrete=discrete,
                pick=None if pick is None else pick[rows],
                out=out[rows],
            )
        return out
    # The per-batch case, in one body: this runs for every array of every
    # training batch, where each further Python call shows in the fit time.
    A = V if anchor is None else nx.take_rows(V, anchor)
    P = nx.take_rows(V, partner)
    if not nx.is_float(V):  # integers and booleans: mixed in float64
        A, P = nx.astype(A, nx.float64), nx.astype(P, nx.float64)
    w, w1 = weights.pair(A.dtype, V.ndim)
    if discrete is None:
        return nx.mix(A, P, w, w1, out)
    # selects rather than indexes by the mask: no device synchronisation
    mixed = nx.where(discrete, nx.where(pick[:, None], A, P), nx.mix(A, P, w, w1))
    if out is None:
        return mixed
    out[...] = mixed
    return out


class _Weights:
    """``lam`` (and ``1 - lam`` on the host) in each dtype and shape asked
    for, made once: the inputs, targets and weights of a batch share them.

    ``lam`` is a host array, sent to the device of ``like`` once per dtype
    (cast on the host first for 32- and 64-bit floats), or already an array
    of the mixed arrays' kind. ``nx`` is the namespace of ``like``, which
    every array mixed with these weights shares. :meth:`rows` gives the
    weights of a slice of the rows, whose forms are slices of this one's.
    """

    __slots__ = ("lam", "like", "nx", "cache", "parent", "span")

    def __init__(self, lam, like):
        self.lam, self.like, self.nx, self.cache = lam, like, namespace(like), {}
        self.parent = self.span = None

    def pair(self, dtype, ndim):
        """``(lam, 1 - lam)`` in ``dtype``, shaped to broadcast over rows of
        ``ndim`` dimensions (``1 - lam`` only where ``nx.mix`` reads it: on
        the host; torch's ``lerp`` needs ``lam`` alone)."""
        pair = self.cache.get((dtype, ndim))
        if pair is None:
            if self.parent is not None:  # a slice of the forms made once
                rows = self.span
                pair = tuple(
                    None if w is None else w[rows]
                    for w in self.parent.pair(dtype, ndim)
                )
            else:
                nx = self.nx
                w = nx.row_weights(self.lam, self.like, dtype, ndim)
                pair = (w, 1 - w if nx.on_host else None)
            self.cache[dtype, ndim] = pair
        return pair

    def rows(self, rows):
        """The weights of the rows ``rows`` (a slice), their forms sliced
        from this one's (made here when first asked for) rather than made
        again."""
        return self._part(rows, {})

    def split(self, m):
        """:meth:`rows` of each run of ``m`` rows (``m`` divides the rows),
        with the forms made so far cut in one call each."""
        n_parts = len(self.lam) // m
        cuts = {
            key: [
                [None] * n_parts
                if w is None
                else list(w.reshape(n_parts, m, *w.shape[1:]))
                for w in pair
            ]
            for key, pair in self.cache.items()
        }
        return [
            self._part(
                slice(i * m, (i + 1) * m),
                {key: (w[i], w1[i]) for key, (w, w1) in cuts.items()},
            )
            for i in range(n_parts)
        ]

    def _part(self, span, cache):
        """The weights of the rows ``span`` of this one, with forms ``cache``."""
        part = _Weights.__new__(_Weights)
        part.lam, part.like, part.nx = self.lam[span], self.like, self.nx
        part.cache, part.parent, part.span = cache, self, span
        return part


def standardize(X):
    """Centred, unit-variance copy of the rows ``X`` (2-d) in its own float
    precision (a constant column stays 0), numpy or torch. Computed on a
    power-of-two rescaled copy, so that neither the squares nor the mean
    overflow for any finite ``X``."""
    nx = namespace(X)
    X = nx.astype(X, float_dtype(X))
    scale = nx.scale_of(X) if X.shape[0] else None
    feats = X if scale is None else X * scale
    feats = feats - feats.mean(axis=0)
    sd = nx.sqrt((feats * feats).sum(axis=0) / max(1, X.shape[0]))
    return feats / nx.where(sd == 0, 1.0, sd)


#: Rows mixed per step of :func:`mix_rows` (keeps the temporaries in cache).
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


def with_targets(feats, targets, label_weight, labels=None):
    """Matching features with the targets appended: ``[feats, gamma * T]``.

    The matching cost of two rows becomes
    ``||x - x'||^2 + gamma^2 ||t - t'||^2`` (``gamma = label_weight``), so the
    one matching path (:func:`skmixup._matching.match_rows`) pairs rows that
    are near in both. ``T`` is ``targets`` as they are when ``labels`` is
    True (one-hot or soft labels), standardised column by column over the
    rows otherwise (continuous targets). ``labels=None`` decides from the
    values: rows that are probability vectors (2-d, entries in [0, 1], each
    summing to 1) are labels. ``label_weight=0`` returns ``feats`` itself,
    so the pairs are those of matching on the features alone.
    """
    if not label_weight:
        return feats
    nx = namespace(feats)
    n = feats.shape[0]
    feats = feats.reshape(n, -1)
    dtype = float_dtype(feats)
    T = nx.asarray(targets, feats).reshape(n, -1)
    if labels is None:
        T_host = np.asarray(nx.to_host(T), dtype=np.float64)
        labels = T_host.ndim == 2 and bool(
            ((T_host >= 0) & (T_host <= 1)).all()
            and np.allclose(T_host.sum(axis=1), 1.0)
        )
    T = nx.astype(T, dtype) if labels else nx.astype(standardize(T), dtype)
    return nx.hstack([nx.astype(feats, dtype), T * float(label_weight)])


def apply_draw(draw, *arrays):
    """Mix arrays with the pairs and weights of a draw record.

    Row ``i`` of each output is ``lam[i] * V[i] + (1 - lam[i]) *
    V[partner[i]]``: the mixing of :func:`kmixup_batch`, for a record made
    elsewhere (:func:`kmixup_pairs`, :func:`skmixup.cmixup_pairs`, or your
    own :class:`KMixupDraw`). Each array is mixed in its own floating-point
    dtype (float64 for integers), as its own kind, on its own device.

    Parameters
    ----------
    draw : KMixupDraw
        The pairs and weights, with ``n_samples`` rows.
    *arrays : ndarray or torch.Tensor of shape (n_samples, ...)
        Inputs, targets (one-hot, soft or continuous), weights.

    Returns
    -------
    mixed : tuple
        One mixed array per input array, in order.

    Raises
    ------
    TypeError
        ``draw`` is not a :class:`KMixupDraw`.
    ValueError
        An array without one row per row of the draw.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import apply_draw, kmixup_batch, kmixup_pairs
    >>> X = np.arange(16.0).reshape(8, 2)
    >>> (X_mix,) = apply_draw(kmixup_pairs(X, k=2, random_state=0), X)
    >>> bool(np.array_equal(X_mix, kmixup_batch(X, k=2, random_state=0)[0]))
    True
    """
    if not isinstance(draw, KMixupDraw):
        raise TypeError(
            f"draw must be a KMixupDraw (from kmixup_pairs, cmixup_pairs or "
            f"kmixup_batch(..., return_info=True)); got {type(draw).__name__}."
        )
    n = len(draw.partner)
    mixed = []
    for i, V in enumerate(arrays):
        V = _as_checked(V, f"arrays[{i}]", n, False, 1, mixed=True)
        V_c = mixing_form(V)
        nx = namespace(V_c)
        partner = nx.asarray(draw.partner, V_c)
        mixed.append(mix_rows(V_c, partner, _Weights(draw.lam, V_c)))
    return tuple(mixed)


def mix_step(
    X,
    Y,
    *,
    k,
    alpha,
    metric,
    rng,
    discrete=None,
    sample_weight=None,
    match_on=None,
):
    """One k-mixup step on already validated inputs: the per-batch hook.

    What :func:`kmixup_batch` does after its checks, with no validation at
    all (the nets call it once per training batch). The generator is consumed
    as in :func:`kmixup_batch`: the same seed gives the same pairs.

    Parameters
    ----------
    X : ndarray or torch.Tensor of shape (n_samples, ...)
        Finite, real, on any device.
    Y : ndarray or torch.Tensor of shape (n_samples, ...) or None
        Same kind and device as ``X``.
    k : int, >= 1
    alpha : float, >= 0
    metric : str, a key of :data:`skmixup._metrics.METRICS`
    rng : numpy.random.Generator
    discrete : ndarray of bool of shape (n_features,), default=None
        Columns of a 2-d ``X`` taken whole from one parent.
    sample_weight : ndarray or torch.Tensor of shape (n_samples,), default=None
        Mixed linearly, with the weight and partner of its row.
    match_on : ndarray or torch.Tensor of shape (n_samples, ...), default=None
        Matching features (default ``X``).

    Returns
    -------
    X_mix, Y_mix, w_mix
        Of the kind and device of the inputs; ``Y_mix`` is None when ``Y``
        is, ``w_mix`` when ``sample_weight`` is. Inputs are returned as they
        are when nothing is mixed (``alpha=0`` or fewer than 2 points).
    """
    return _step(X, Y, sample_weight, k, alpha, metric, rng, discrete, match_on)[:3]


def _step(X, Y, sample_weight, k, alpha, metric, rng, discrete, match_on, planned=None):
    """:func:`mix_step`, also returning the draw (None when nothing mixes).

    The per-batch path: one draw, the pairs and weights sent once to the
    arrays' device, one :func:`mix_rows` per array (``mixing_form`` keeps
    every array in its own kind, so the results need no conversion back).
    ``planned`` is this batch's ``(record, partner, weights)`` from
    :meth:`_BatchDraws.step`, drawn beforehand with the pass's other batches
    (``rng`` is then not read).
    """
    n = X.shape[0]
    if alpha == 0 or n < 2:
        return X, Y, sample_weight, None
    X_c = mixing_form(X)
    if planned is None:
        if match_on is None:
            record = draw(X, k, alpha, metric, rng)
        else:
            record = draw(match_on, k, alpha, metric, rng, what="match_on")
        weights = _Weights(record.lam, X_c)
        nx = weights.nx
        partner = nx.asarray(record.partner, X_c)
    else:
        record, partner, weights = planned
        nx = weights.nx
    if discrete is None:
        X_mix = mix_rows(X_c, partner, weights)
    else:
        discrete, pick = nx.asarray(discrete, X_c), nx.asarray(record.pick, X_c)
        X_mix = mix_rows(X_c, partner, weights, discrete=discrete, pick=pick)
    if Y is not None:
        Y = mix_rows(_mixable(Y, X_c, nx), partner, weights)
    if sample_weight is not None:
        sample_weight = mix_rows(_mixable(sample_weight, X_c, nx), partner, weights)
    return X_mix, Y, sample_weight, record


def _mixable(V, X, nx):
    """Targets or weights ``V`` in their mixing form: integers in ``X``'s
    float type, at least float32 (a float16 cannot hold counts above
    65,504)."""
    V = mixing_form(V)
    if nx.is_float(V):
        return V
    return nx.astype(V, nx.promote(float_dtype(X), nx.float32))


def _check_kind(X, arrays):
    nx = namespace(X)
    for name, arr in arrays.items():
        if arr is None:
            continue
        if namespace(arr) is not nx:
            raise TypeError(
                f"{name} must be of X's array kind ({nx.name}); got "
                f"{type(arr).__name__}. Convert both to the same kind."
            )
        if nx.device(arr) != nx.device(X):
            raise ValueError(
                f"{name} must be on X's device ({nx.device(X)}); got {nx.device(arr)}."
            )


def _as_checked(arr, name, n, check_finite, min_ndim=1, mixed=False):
    """``arr`` as numpy (unless a tensor), with its shape and values checked
    (``n=None``: any number of rows; ``mixed``: it will be mixed, not only
    matched)."""
    if arr is None:
        return None
    reject_sparse(arr, name)
    nx = namespace(arr)
    arr = nx.asarray(arr, arr)
    kind = nx.kind(arr)
    if kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers; got dtype {arr.dtype}. Encode "
            "categories as numbers first."
        )
    if mixed and kind == "f" and arr.itemsize < 2:
        raise TypeError(
            f"{name} has dtype {arr.dtype}: torch has no arithmetic for 8-bit "
            f"floats, so it cannot be mixed. Convert {name} to float16 or "
            "wider first."
        )
    if arr.ndim < min_ndim or (n is not None and arr.shape[0] != n):
        n = "n_samples" if n is None else n
        raise ValueError(
            f"{name} must have shape ({n}, ...) with at least {min_ndim} "
            f"dimension(s), one row per sample of X; got shape {tuple(arr.shape)}."
        )
    if check_finite and not nx.all_finite(arr):
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
    idx = np.asarray(discrete)
    if idx.dtype != bool and (idx.dtype.kind not in "iu" or idx.ndim != 1):
        raise TypeError(
            "discrete must be a boolean mask or a 1-d array of column indices; "
            f"got {discrete!r}."
        )
    # the mask's shape and the indices' range are checked by the rule that
    # categorical_features and onehot_groups follow
    mask = np.zeros(X.shape[1], dtype=bool)
    mask[column_indices(idx, None, X.shape[1], "discrete")] = True
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
    label_weight=0.0,
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
    match_on : ndarray or torch.Tensor of shape (n_samples, n_match_features), {"raw", "standardized"} or None, default=None
        Features used for the matching only; ``X`` itself is what gets mixed.
        ``None`` and ``"raw"`` match on ``X``, ``"standardized"`` on the batch
        standardised column by column (the estimators' ``match_on`` modes).
    discrete : array-like of bool of shape (n_features,) or of int, default=None
        Columns of a 2-d ``X`` that hold categories (integer codes, one-hot
        columns): each mixed row takes them whole from one of its two points,
        its own with probability :math:`\lambda` (``KMixupDraw.pick``), so
        every value is one that occurs. Other columns are mixed linearly.
    {label_weight}
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
    check_params(
        "kmixup_batch",
        k=k,
        alpha=alpha,
        metric=metric,
        match_on=match_on,
        label_weight=label_weight,
        random_state=random_state,
    )
    _check_kind(X, {"Y": Y, "match_on": _array_or_none(match_on)})
    X = _as_checked(X, "X", None, check_input, 2, mixed=True)
    n = X.shape[0]
    Y = _as_checked(Y, "Y", n, check_input, mixed=True)
    match_on = _match_features(X, match_on, check_input)
    discrete = _check_discrete(discrete, X)
    if label_weight:
        _need_targets(Y, "Y", label_weight)
        match_on = with_targets(X if match_on is None else match_on, Y, label_weight)
    rng = check_generator(random_state)
    X_mix, Y_mix, _, record = _step(
        X, Y, None, int(k), float(alpha), metric, rng, discrete, match_on
    )
    if not return_info:
        return X_mix, Y_mix
    return X_mix, Y_mix, identity_draw(n, k) if record is None else record.to_record()


kmixup_batch.__doc__ = kmixup_batch.__doc__.replace(
    "{label_weight}", label_weight_doc("batch")
)


def _need_targets(targets, name, label_weight):
    if targets is None:
        raise ValueError(
            f"label_weight={label_weight!r} matches on the targets too, and "
            f"{name} is None. Pass {name}, or label_weight=0 to match on the "
            "features alone."
        )


def _array_or_none(match_on):
    return None if match_on is None or isinstance(match_on, str) else match_on


def _match_features(X, match_on, check_input):
    """The matching features ``match_on`` stands for: None for X itself
    (``None`` or ``"raw"``), the standardised batch, or the array checked."""
    if match_on is None or (isinstance(match_on, str) and match_on == "raw"):
        return None
    n = X.shape[0]
    if isinstance(match_on, str):  # "standardized" (the spec allows no other)
        return standardize(X.reshape(n, -1))
    return _as_checked(match_on, "match_on", n, check_input, 2)


def kmixup_pairs(
    match_on,
    targets=None,
    *,
    k=8,
    alpha=1.0,
    metric="euclidean",
    label_weight=0.0,
    random_state=None,
):
    """Draw and match the pairs of one k-mixup step without mixing anything.

    For callers that mix themselves (for instance straight into a
    preallocated output): row ``i`` is to be mixed as
    ``lam[i] * X[i] + (1 - lam[i]) * X[partner[i]]``. The same data and
    ``random_state`` give the same pairs as :func:`kmixup_batch`.

    Parameters
    ----------
    match_on : array-like or torch.Tensor of shape (n_samples, ...)
        Features the matching sees (flattened per row).
    targets : array-like or torch.Tensor of shape (n_samples,) or (n_samples, ...), default=None
        Targets the matching also sees when ``label_weight > 0`` (the ``Y``
        of :func:`kmixup_batch`: the same data give the same pairs).
    k, alpha, metric, label_weight, random_state
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
    check_params(
        "kmixup_pairs",
        k=k,
        alpha=alpha,
        metric=metric,
        label_weight=label_weight,
        random_state=random_state,
    )
    match_on = _as_checked(match_on, "match_on", None, True, 2)
    n = match_on.shape[0]
    if label_weight:
        _need_targets(targets, "targets", label_weight)
        _check_kind(match_on, {"targets": targets})
        targets = _as_checked(targets, "targets", n, True)
        match_on = with_targets(match_on, targets, label_weight)
    rng = check_generator(random_state)
    if alpha == 0 or n < 2:
        return identity_draw(n, k)
    return draw(
        match_on.reshape(n, -1), k, alpha, metric, rng, what="match_on"
    ).to_record()
