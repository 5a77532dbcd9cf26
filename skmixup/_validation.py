"""Input checks shared by the estimators (one implementation each)."""

import importlib

import numpy as np

__all__ = [
    "auto_categorical",
    "is_pandas",
    "non_numeric_X_error",
    "categorical_columns",
    "check_categorical_values",
    "check_sample_weight",
    "column_indices",
    "import_optional",
]


def import_optional(module, message):
    """Import the optional dependency ``module``, or raise an ImportError
    with ``message`` (what needs it and how to install it)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(message) from exc


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
            f"sample_weight must be finite and non-negative; got a weight of "
            f"{float(bad)!r}."
        )
    if not w.any():
        raise ValueError("sample_weight must not be all zero.")
    return w


def auto_categorical(X):
    """Indices of the categorical columns of a DataFrame: category, object,
    string or bool dtype (``categorical_features="auto"``)."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or getattr(X, "ndim", 0) != 2:
        raise ValueError(
            "categorical_features='auto' reads the column dtypes of a pandas "
            f"DataFrame; X is a {type(X).__name__}. Pass column indices, column "
            "names or a boolean mask."
        )
    return np.flatnonzero(
        [
            str(t) == "category" or t.kind in "OUSb" or str(t).startswith("string")
            for t in dtypes
        ]
    )


def categorical_columns(X, categorical_features, onehot_groups, columns, d):
    """``categorical_features`` and ``onehot_groups`` as column indices.

    Returns the sorted categorical columns and one index array per one-hot
    group; groups must hold at least 2 columns and overlap nothing.
    """
    if categorical_features is None:
        cat = np.empty(0, dtype=np.int64)
    elif isinstance(categorical_features, str):
        if categorical_features != "auto":
            raise ValueError(
                "categorical_features must be 'auto', column indices, column "
                f"names or a boolean mask; got {categorical_features!r}."
            )
        cat = auto_categorical(X)
    else:
        cat = column_indices(categorical_features, columns, d, "categorical_features")
    groups = [
        column_indices(g, columns, d, "onehot_groups") for g in onehot_groups or ()
    ]
    taken = np.zeros(d, dtype=bool)
    taken[cat] = True
    for g in groups:
        if g.size < 2 or taken[g].any():
            raise ValueError(
                "onehot_groups must be groups of at least 2 columns that do not "
                f"overlap each other or categorical_features; got {onehot_groups!r}."
            )
        taken[g] = True
    return cat, groups


def check_categorical_values(X, cat, groups):
    """Categorical columns hold integer codes, one-hot groups one 1 per row."""
    for j in cat:
        col = X[:, j]
        if not np.array_equal(col, np.round(col)):
            bad = col[col != np.round(col)][0]
            raise ValueError(
                f"categorical_features names column {j}, which holds the "
                f"non-integer value {float(bad)!r}; categorical columns hold "
                "integer codes (or strings in a DataFrame). Drop the column from "
                "categorical_features."
            )
    for g in groups:
        block = X[:, g]
        if not (np.isin(block, (0, 1)).all() and (block.sum(axis=1) == 1).all()):
            raise ValueError(
                f"onehot_groups: the columns {g.tolist()!r} are not one-hot (every "
                "row must hold one 1 and zeros)."
            )


def is_pandas(obj):
    """True for a pandas DataFrame or Series (without importing pandas)."""
    return hasattr(obj, "iloc") and hasattr(obj, "columns" if obj.ndim == 2 else "name")


#: How numpy and pandas say that values are not numbers, when scikit-learn's
#: validate_data converts X to floats: "could not convert string to float",
#: "Cannot cast str dtype to float64" (pandas' str columns, pandas >= 3),
#: "Unable to convert array of bytes/strings into decimal numbers".
_NON_NUMERIC = ("convert string", "cast str", "cast string", "bytes/strings")


def non_numeric_X_error(exc):
    """True when ``exc`` (from converting X to floats) says X holds strings."""
    text = str(exc).lower()
    return any(words in text for words in _NON_NUMERIC) or (
        "to float" in text and ("convert" in text or "cast" in text)
    )
