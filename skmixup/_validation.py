"""Input checks shared by the estimators (one implementation each)."""

import numpy as np

__all__ = ["check_sample_weight", "column_indices"]


def column_indices(spec, columns, d, name):
    """Column indices from indices, names or a boolean mask."""
    values = np.asarray(spec)
    if values.dtype == bool:
        if values.shape != (d,):
            raise ValueError(
                f"{name} as a boolean mask must have one entry per column of X "
                f"({d}); got shape {values.shape}."
            )
        return np.flatnonzero(values)
    if values.ndim != 1:
        raise ValueError(f"{name} must be a 1-d list of columns; got {spec!r}.")
    if values.dtype.kind in "iu":
        if values.size and (values.min() < -d or values.max() >= d):
            raise ValueError(
                f"{name} holds column indices out of range for X with {d} "
                f"columns: {values.tolist()!r}."
            )
        return np.unique(values % d) if values.size else values.astype(np.int64)
    if values.dtype.kind in "OU":
        if columns is None:
            raise ValueError(
                f"{name} names columns ({values.tolist()!r}) but X has no column "
                "names: pass a DataFrame, or column indices."
            )
        position = {c: i for i, c in enumerate(columns)}
        unknown = [v for v in values.tolist() if v not in position]
        if unknown:
            raise ValueError(
                f"{name} names columns that X does not have: {unknown!r}; X's "
                f"columns are {list(columns)!r}."
            )
        return np.unique([position[v] for v in values.tolist()])
    raise TypeError(
        f"{name} must be 'auto', column indices, column names or a boolean "
        f"mask; got {spec!r}."
    )


def check_sample_weight(sample_weight, n_samples):
    """Validated float64 weights of shape (n_samples,), or None."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.ndim == 0 and w.dtype.kind in "biuf":
        w = np.full(n_samples, w, dtype=np.float64)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must hold real numbers; got dtype {w.dtype}.")
    w = w.astype(np.float64)
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per "
            f"sample; got shape {w.shape}."
        )
    if not np.isfinite(w).all() or (w < 0).any():
        bad = w[~(np.isfinite(w) & (w >= 0))][0]
        raise ValueError(
            f"sample_weight must be finite and non-negative; got a weight of {bad!r}."
        )
    if not w.any():
        raise ValueError("sample_weight must not be all zero.")
    return w
