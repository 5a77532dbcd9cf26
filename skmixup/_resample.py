"""k-mixup of a whole dataset: the layer under the augmenter, the estimator
wrapper and the Dask path (pure functions over validated arrays).

* :func:`match_features` builds what the matching sees (standardised numeric
  columns, categories as one-hot columns scaled so that a mismatch costs as
  much as one standard deviation of a numeric column);
* :func:`synthetic_pairs` draws ``n_out`` synthetic points as rounds of the
  per-batch k-mixup step (:func:`skmixup._mixing.draw`);
* :func:`class_pairs` does the same inside each class (oversampling);
* :func:`resample_X` and :func:`resample_y` mix with the one implementation
  of :mod:`skmixup._mixing`.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from ._mixing import draw, identity_draw, mix_rows, pick_rows, standardize

#: Squared distance between two different categories in the matching cost:
#: the same as one standard deviation of a standardised numeric column.
CATEGORY_SCALE = np.sqrt(0.5)


@dataclass
class Synthetic:
    """Synthetic point ``r`` mixes ``X[anchor[r]]`` (weight ``lam[r]``) and
    ``X[partner[r]]``; ``pick[r]`` says which one gives its discrete values."""

    anchor: np.ndarray
    partner: np.ndarray
    lam: np.ndarray
    pick: np.ndarray

    @classmethod
    def empty(cls, dtype=np.float64):
        idx = np.empty(0, dtype=np.int64)
        return cls(idx, idx, np.empty(0, dtype=dtype), np.empty(0, dtype=bool))

    @classmethod
    def concat(cls, parts):
        if len(parts) == 1:
            return parts[0]
        fields = ("anchor", "partner", "lam", "pick")
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


def n_synthetic_count(n_synthetic, n_samples):
    """Number of synthetic points: an int as is, a float as a multiple of
    ``n_samples`` (rounded, at least 1)."""
    if isinstance(n_synthetic, numbers.Integral):
        return int(n_synthetic)
    return max(1, int(round(float(n_synthetic) * n_samples)))


def match_features(X, match_on, discrete=None, groups=()):
    """Features the matching sees.

    Numeric columns are standardised (``match_on="standardized"``) or taken
    as they are (``"raw"``). A categorical column (``discrete`` mask, integer
    codes) becomes one-hot columns scaled by ``CATEGORY_SCALE``, and so do the
    columns of a one-hot group (``groups``: lists of column indices), so that
    two rows with different categories are at squared distance 1 in that
    feature, whatever the codes.
    """
    if discrete is None or not discrete.any():
        return standardize(X) if match_on == "standardized" else X
    in_group = np.zeros(X.shape[1], dtype=bool)
    for g in groups:
        in_group[list(g)] = True
    numeric = ~discrete
    parts = []
    if numeric.any():
        num = X[:, numeric]
        parts.append(standardize(num) if match_on == "standardized" else num)
    if in_group.any():
        parts.append(X[:, in_group] * X.dtype.type(CATEGORY_SCALE))
    for j in np.flatnonzero(discrete & ~in_group):
        _, codes = np.unique(X[:, j], return_inverse=True)
        onehot = np.zeros((X.shape[0], codes.max() + 1), dtype=X.dtype)
        onehot[np.arange(X.shape[0]), codes] = CATEGORY_SCALE
        parts.append(onehot)
    return np.ascontiguousarray(np.hstack(parts))


def synthetic_pairs(feats, n_out, k, alpha, metric, rng, weight=None):
    """Draw the pairs of ``n_out`` k-mixup points of the rows of ``feats``.

    Each round is one k-mixup step over all rows (or, for the last partial
    round, over a random subset of at least ``2 k`` rows, so that k-batches
    keep their size ``k``); k is capped at half the rows a round sees.
    """
    n = feats.shape[0]
    if n_out <= 0:
        return Synthetic.empty(feats.dtype)
    parts = []
    remaining = n_out
    while remaining > 0:
        if remaining >= n:
            rows = None
            f_s, w_s = feats, weight
        else:
            rows = rng.permutation(n)[: min(n, max(remaining, 2 * k))]
            f_s = feats[rows]
            w_s = None if weight is None else weight[rows]
        take = min(remaining, f_s.shape[0])
        if alpha == 0:
            record = identity_draw(f_s.shape[0], k)
        else:
            record = draw(f_s, k, alpha, metric, rng, weights=w_s, what="X")
        partner, lam, pick = record.partner, record.lam, record.pick
        # The rows of a partial round are a random subset, so a prefix is too.
        anchor, partner = np.arange(take), partner[:take]
        if rows is not None:
            anchor, partner = rows[anchor], rows[partner]
        lam = lam[:take].astype(feats.dtype, copy=False)
        parts.append(Synthetic(anchor, partner, lam, pick[:take]))
        remaining -= take
    return Synthetic.concat(parts)


def class_pairs(feats, codes, counts, k, alpha, metric, rng, weight=None):
    """Synthetic pairs made inside each class (both k-batches from the class,
    so a synthetic point's label is the class): ``counts[c]`` points for
    class code ``c``, in class order."""
    parts = []
    for c, n_out in enumerate(counts):
        if n_out <= 0:
            continue
        rows = np.flatnonzero(codes == c)
        w = None if weight is None else weight[rows]
        syn = synthetic_pairs(feats[rows], int(n_out), k, alpha, metric, rng, w)
        parts.append(Synthetic(rows[syn.anchor], rows[syn.partner], syn.lam, syn.pick))
    return Synthetic.concat(parts) if parts else Synthetic.empty(feats.dtype)


def resample_X(X, syn, keep_original, discrete=None):
    """Originals (if kept) followed by the synthetic points, in one array."""
    n_keep = X.shape[0] if keep_original else 0
    X_res = np.empty((n_keep + len(syn.lam),) + X.shape[1:], dtype=X.dtype)
    X_res[:n_keep] = X[:n_keep]
    mix_rows(
        X,
        syn.partner,
        syn.lam,
        anchor=syn.anchor,
        discrete=discrete,
        pick=syn.pick,
        out=X_res[n_keep:],
    )
    return X_res


def resample_y(y, syn, target, keep_original, codes=None, n_classes=None):
    """Targets of :func:`resample_X`'s rows.

    ``target``: ``"hard"`` (the row ``pick`` chooses: returns row indices into
    ``y``), ``"soft"`` (class probabilities from ``codes``) or
    ``"continuous"`` (mixed linearly).
    """
    n = y.shape[0]
    if target == "hard":
        source = pick_rows(syn.partner, syn.pick, syn.anchor)
        return np.concatenate([np.arange(n), source]) if keep_original else source
    if target == "soft":
        dtype = np.result_type(syn.lam.dtype, np.float32)
        onehot = np.eye(n_classes, dtype=dtype)[codes]
        y_syn = mix_rows(onehot, syn.partner, syn.lam, anchor=syn.anchor)
        return np.concatenate([onehot, y_syn]) if keep_original else y_syn
    y_f = y if y.dtype.kind == "f" else y.astype(np.float64)
    y_syn = mix_rows(y_f, syn.partner, syn.lam.astype(y_f.dtype), anchor=syn.anchor)
    return np.concatenate([y_f, y_syn]) if keep_original else y_syn
