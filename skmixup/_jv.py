"""Exact batched linear assignment (shortest augmenting path, Jonker-Volgenant).

The numba kernel solves many small square problems in one compiled call. It is
the algorithm of :func:`scipy.optimize.linear_sum_assignment` (Crouse, 2016)
written for a stack of ``k x k`` blocks, so a batch of blocks costs one call
instead of one Python-level call per block.
"""

import numpy as np

try:  # pragma: no cover - exercised implicitly on every machine with numba
    import numba

    _njit = numba.njit(cache=True, nogil=True)
    HAS_NUMBA = True
except ImportError:  # pragma: no cover - fallback when numba cannot be installed
    HAS_NUMBA = False

    def _njit(func):
        return func


@_njit
def _solve_one(c, col4row, u, v, shortest, path, row4col, remaining, in_sr, in_sc):
    """Solve one square block ``c`` in place into ``col4row``."""
    k = c.shape[0]
    # Column reduction: v_j = min_i c_ij gives feasible duals (u = 0), and
    # each column whose minimising row is still free is assigned to it.
    # Typically ~60% of the rows start assigned, which skips their
    # augmenting-path searches.
    u[:] = 0.0
    col4row[:] = -1
    row4col[:] = -1
    for j in range(k):
        best = c[0, j]
        best_i = 0
        for i in range(1, k):
            if c[i, j] < best:
                best = c[i, j]
                best_i = i
        v[j] = best
        if col4row[best_i] == -1:
            col4row[best_i] = j
            row4col[j] = best_i
    for cur_row in range(k):
        if col4row[cur_row] != -1:
            continue
        shortest[:] = np.inf
        path[:] = -1
        in_sr[:] = False
        in_sc[:] = False
        for it in range(k):
            remaining[it] = k - it - 1
        num_remaining = k
        min_val = 0.0
        i = cur_row
        sink = -1
        while sink == -1:
            index = -1
            lowest = np.inf
            in_sr[i] = True
            for it in range(num_remaining):
                j = remaining[it]
                r = min_val + c[i, j] - u[i] - v[j]
                if r < shortest[j]:
                    path[j] = i
                    shortest[j] = r
                if shortest[j] < lowest or (shortest[j] == lowest and row4col[j] == -1):
                    lowest = shortest[j]
                    index = it
            min_val = lowest
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            in_sc[j] = True
            num_remaining -= 1
            remaining[index] = remaining[num_remaining]
        u[cur_row] += min_val
        for i in range(k):
            if in_sr[i] and i != cur_row:
                u[i] += min_val - shortest[col4row[i]]
        for j in range(k):
            if in_sc[j]:
                v[j] -= min_val - shortest[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            tmp = col4row[i]
            col4row[i] = j
            j = tmp
            if i == cur_row:
                break


@_njit
def _solve_range(cost, out, start, stop):
    k = cost.shape[1]
    u = np.empty(k, dtype=np.float64)
    v = np.empty(k, dtype=np.float64)
    shortest = np.empty(k, dtype=np.float64)
    path = np.empty(k, dtype=np.int64)
    row4col = np.empty(k, dtype=np.int64)
    remaining = np.empty(k, dtype=np.int64)
    in_sr = np.empty(k, dtype=np.bool_)
    in_sc = np.empty(k, dtype=np.bool_)
    for b in range(start, stop):
        _solve_one(
            cost[b], out[b], u, v, shortest, path, row4col, remaining, in_sr, in_sc
        )


@_njit
def _match_range(feats, partner_feats, anchors, partners, euclidean, out, start, stop):
    """Gather, cost and solve the k-batch pairs ``start:stop`` in one pass.

    For pair ``b``, the rows ``anchors[b]`` of ``feats`` and
    ``partners[b]`` of ``partner_feats`` are centred on the partner k-batch's mean (as in
    :func:`skmixup.pairwise_cost`), their cost block is built in float64
    (the cross term ``-2 <a, b>`` for the squared Euclidean cost, the
    distance for the Euclidean one) and solved by :func:`_solve_one`;
    ``out[b, i]`` receives the row of ``partner_feats`` matched to
    ``anchors[b, i]``.
    Returns -1, or the first pair whose cost is not finite (nothing is
    solved from there on).
    """
    k = anchors.shape[1]
    d = feats.shape[1]
    centre = np.empty(d, dtype=np.float64)
    part_t = np.empty((d, k), dtype=np.float64)  # centred partners, transposed
    sq_part = np.empty(k, dtype=np.float64)
    cost = np.empty((k, k), dtype=np.float64)
    col4row = np.empty(k, dtype=np.int64)
    u = np.empty(k, dtype=np.float64)
    v = np.empty(k, dtype=np.float64)
    shortest = np.empty(k, dtype=np.float64)
    path = np.empty(k, dtype=np.int64)
    row4col = np.empty(k, dtype=np.int64)
    remaining = np.empty(k, dtype=np.int64)
    in_sr = np.empty(k, dtype=np.bool_)
    in_sc = np.empty(k, dtype=np.bool_)
    for b in range(start, stop):
        centre[:] = 0.0
        for j in range(k):
            row = partner_feats[partners[b, j]]
            for t in range(d):
                centre[t] += row[t]
        centre /= k
        for j in range(k):
            row = partner_feats[partners[b, j]]
            s = 0.0
            for t in range(d):
                x = row[t] - centre[t]
                part_t[t, j] = x
                s += x * x
            sq_part[j] = s
        finite = True
        for i in range(k):
            row = feats[anchors[b, i]]
            cost_i = cost[i]
            cost_i[:] = 0.0
            s = 0.0
            # Innermost loop over the k partners: independent sums that
            # the compiler vectorises (a dot product per pair would not).
            for t in range(d):
                a = row[t] - centre[t]
                s += a * a
                for j in range(k):
                    cost_i[j] += a * part_t[t, j]
            for j in range(k):
                if euclidean:
                    x = np.sqrt(max(s + sq_part[j] - 2.0 * cost_i[j], 0.0))
                else:
                    x = -2.0 * cost_i[j]
                cost_i[j] = x
                finite &= np.isfinite(x)
        if not finite:
            return b
        _solve_one(
            cost, col4row, u, v, shortest, path, row4col, remaining, in_sr, in_sc
        )
        for i in range(k):
            out[b, i] = partners[b, col4row[i]]
    return -1


def _match_rows(
    feats, anchors, partners, metric, n_threads=1, partner_feats=None, what="X"
):
    """Exact matching of k-batches given as row indices of ``feats``.

    The fused equivalent of ``pairwise_cost(feats[anchors], feats[partners],
    metric, reduced=True)`` followed by the block solver and a gather of the
    partner rows, without the gathered copies (one compiled call per batch,
    which is what the per-batch step of the estimators needs).

    Parameters
    ----------
    feats : ndarray of shape (n_samples, n_features), floating point
    anchors, partners : ndarray of shape (n_pairs, k), int64
        Row indices of the k-batches and of their partner k-batches.
    metric : {"sqeuclidean", "euclidean"}
    n_threads : int, default=1
    partner_feats : ndarray of shape (n_partner_samples, n_features), default=None
        Where the rows of ``partners`` are taken from (default ``feats``).
    what : str, default="X"
        How the error for non-finite costs names the features.

    Returns
    -------
    matched : ndarray of shape (n_pairs, k), int64
        ``matched[b, i]`` is the row of ``partner_feats`` paired with
        ``anchors[b, i]``; each row of ``matched`` is a permutation of
        ``partners[b]``.
    """
    feats = np.ascontiguousarray(feats)
    partner_feats = (
        feats if partner_feats is None else np.ascontiguousarray(partner_feats)
    )
    anchors = np.ascontiguousarray(anchors, dtype=np.int64)
    partners = np.ascontiguousarray(partners, dtype=np.int64)
    n_pairs = anchors.shape[0]
    out = np.empty(anchors.shape, dtype=np.int64)
    euclidean = metric == "euclidean"
    if n_threads <= 1 or n_pairs < 2 * n_threads:
        bad = _match_range(
            feats, partner_feats, anchors, partners, euclidean, out, 0, n_pairs
        )
    else:
        from concurrent.futures import ThreadPoolExecutor

        bounds = np.linspace(0, n_pairs, n_threads + 1).astype(int)
        with ThreadPoolExecutor(n_threads) as pool:
            bads = list(
                pool.map(
                    lambda s: _match_range(
                        feats,
                        partner_feats,
                        anchors,
                        partners,
                        euclidean,
                        out,
                        bounds[s],
                        bounds[s + 1],
                    ),
                    range(n_threads),
                )
            )
        bad = max(bads)
    if bad >= 0:
        raise ValueError(
            f"{what} must be finite for the matching: the features contain NaN "
            "or infinity, or values so large that their squared distances "
            "overflow. Impute or drop those rows, or rescale the features."
        )
    return out


def _lsap_square_batch(cost, n_threads=1):
    """Solve ``cost.shape[0]`` square assignment problems exactly.

    Parameters
    ----------
    cost : ndarray of shape (n_blocks, k, k), float32 or float64, C-contiguous
        Finite costs.
    n_threads : int, default=1
    partner_feats : ndarray of shape (n_partner_samples, n_features), default=None
        Where the rows of ``partners`` are taken from (default ``feats``).
    what : str, default="X"
        How the error for non-finite costs names the features.
        Blocks are split into this many contiguous chunks solved in threads
        (the kernel releases the GIL).

    Returns
    -------
    col4row : ndarray of shape (n_blocks, k), int64
        ``col4row[b, i]`` is the column assigned to row ``i`` of block ``b``.
    """
    n_blocks, k, _ = cost.shape
    out = np.empty((n_blocks, k), dtype=np.int64)
    if n_threads <= 1 or n_blocks < 2 * n_threads:
        _solve_range(cost, out, 0, n_blocks)
        return out
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, n_blocks, n_threads + 1).astype(int)
    with ThreadPoolExecutor(n_threads) as pool:
        list(
            pool.map(
                lambda s: _solve_range(cost, out, bounds[s], bounds[s + 1]),
                range(n_threads),
            )
        )
    return out
