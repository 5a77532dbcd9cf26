"""Dask support: a joblib backend on a cluster, and chunked k-mixup of Dask arrays.

Dask is optional (``pip install "skmixup[dask]"``); nothing here is imported
by the rest of the package unless Dask input or a Dask option is used.
"""

import contextlib
import numbers

import numpy as np

from ._mixing import effective_k
from ._resample import n_synthetic_count, resample_X, synthetic_pairs
from ._targets import encode_labels, get_target, label_type_error, one_class_error

__all__ = [
    "chunk_seeds",
    "dask_backend",
    "fit_resample_dask",
    "is_dask_collection",
    "require_dask",
    "unsupported_with_dask",
]


def require_dask(what="this feature"):
    """Import dask.distributed or raise an ImportError that names the extra."""
    try:
        import dask  # noqa: F401
        import dask.array  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{what} needs Dask: install the optional extra with "
            '`pip install "skmixup[dask]"` (dask[array] and distributed).'
        ) from exc


def is_dask_collection(obj):
    """True for Dask arrays, dataframes and series (without importing Dask)."""
    module = type(obj).__module__
    return module.startswith("dask") and hasattr(obj, "__dask_graph__")


def _parse_local(address):
    _, _, count = address.partition(":")
    try:
        n_workers = int(count)
    except ValueError:
        raise ValueError(
            f"dask address {address!r} is not valid: use 'local:N' with N an "
            "integer number of workers, or a scheduler address such as "
            "'tcp://127.0.0.1:8786'."
        ) from None
    if n_workers < 1:
        raise ValueError(f"'local:N' needs N >= 1 workers; got {address!r}.")
    return n_workers


@contextlib.contextmanager
def dask_backend(address, timeout=10):
    """Run joblib-parallel code (GridSearchCV, cross_val_score...) on Dask.

    Parameters
    ----------
    address : str
        ``"local:N"`` starts a local cluster of ``N`` single-threaded worker
        processes listening on 127.0.0.1 only, closed on exit. Anything else is
        the address of a running scheduler (``"tcp://host:8786"``).
    timeout : float, default=10
        Seconds to wait for a remote scheduler before failing.

    Yields
    ------
    client : distributed.Client

    Notes
    -----
    With a single worker thread in all, joblib runs the tasks in the calling
    process (it never parallelises ``n_jobs=1``). A task whose worker dies is
    retried on another worker up to the scheduler's
    ``distributed.scheduler.allowed-failures`` times; after that ``Parallel``
    raises ``KilledWorker`` (stock joblib would wait forever, see
    ``_fail_loud_backend``).

    Examples
    --------
    >>> from joblib import Parallel, delayed
    >>> from skmixup._dask import dask_backend
    >>> with dask_backend("local:1"):  # doctest: +SKIP
    ...     Parallel()(delayed(abs)(-i) for i in range(3))
    [0, 1, 2]
    """
    require_dask("running on a Dask cluster")
    import dask
    import joblib
    from distributed import Client, LocalCluster

    cluster = None
    if address.startswith("local"):
        n_workers = _parse_local(address)
        # The workers' statistical profiler and the nanny's
        # MALLOC_TRIM_THRESHOLD_ (memory handed back to the OS at every free,
        # then mapped again) slow torch training (benchmark ``scale --part uci``).
        with dask.config.set(
            {
                "distributed.worker.profile.enabled": False,
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
            }
        ):
            cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(
                f"could not reach a Dask scheduler at {address!r} within "
                f"{timeout} s ({exc}). Check the address and that the scheduler "
                "is running, or use 'local:N' for a local cluster."
            ) from None
    try:
        with joblib.parallel_backend(_fail_loud_backend(client)):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _fail_loud_backend(client):
    """joblib's Dask backend, made to raise when a task's future fails.

    joblib (1.6) reports a task's own exceptions, but when the Dask future
    itself fails (``KilledWorker`` after the scheduler's ``allowed-failures``
    retries of a task whose worker died, a cancelled future) it never calls
    the batch's completion callback, so ``Parallel`` waits forever. Here the
    failure is passed to that callback, and ``Parallel`` raises it.
    """
    try:
        from joblib._dask import DaskDistributedBackend
    except ImportError:  # pragma: no cover - joblib reorganised: stock backend
        return "dask"

    class FailLoudDaskBackend(DaskDistributedBackend):
        def submit(self, func, callback=None):
            future = super().submit(func, callback=callback)
            if callback is not None:

                def on_failure(done):
                    if not done.cancelled() and done.exception() is not None:
                        callback(done.exception())

                future.add_done_callback(on_failure)
            return future

    return FailLoudDaskBackend(client=client)


def chunk_seeds(random_state, n_chunks):
    """Independent per-chunk seeds derived from one ``random_state``.

    ``random_state`` is resolved by the package's one rule
    (:func:`skmixup._random.check_generator`); the same int always gives the
    same seeds, whatever the scheduling order of the chunks.

    Examples
    --------
    >>> from skmixup._dask import chunk_seeds
    >>> chunk_seeds(0, 3) == chunk_seeds(0, 3), len(set(chunk_seeds(0, 3)))
    (True, 3)
    """
    from ._random import check_generator

    entropy = int(check_generator(random_state).integers(2**63 - 1))
    children = np.random.SeedSequence(entropy).spawn(n_chunks)
    return [int(c.generate_state(1)[0]) for c in children]


# --------------------------------------------------------------------------
# Chunked k-mixup of Dask arrays (KMixupAugmenter.fit_resample on Dask input)
# --------------------------------------------------------------------------


def unsupported_with_dask(**options):
    """Refuse the augmenter's options that the Dask path does not take."""
    for name, value in options.items():
        if value is not None:
            raise TypeError(
                f"{name} is not supported with Dask input to "
                f"KMixupAugmenter.fit_resample; pass {name}=None, or numpy / "
                "pandas input."
            )


def _check_known_chunks(arr, name):
    if any(np.isnan(c) for dim in arr.chunks for c in dim):
        raise ValueError(
            f"{name} is a Dask array with unknown chunk sizes (shape {arr.shape}), "
            "as after boolean masking; k-mixup needs them to plan its output. "
            f"Call `{name} = {name}.compute_chunk_sizes()` first."
        )


def _to_dask_array(obj):
    """A Dask array from a Dask array, DataFrame or Series (known lengths)."""
    if hasattr(obj, "to_dask_array"):  # dask DataFrame / Series
        return obj.to_dask_array(lengths=True)
    return obj


def _chunk_synthetic_counts(n_synthetic, row_chunks):
    """Synthetic points per row-chunk: a float is a ratio of each chunk, an int
    is split across chunks in proportion to their sizes (largest remainder)."""
    sizes = np.asarray(row_chunks, dtype=np.int64)
    if not isinstance(n_synthetic, numbers.Integral):
        return np.array([n_synthetic_count(n_synthetic, int(s)) for s in sizes])
    quota = int(n_synthetic) * sizes / sizes.sum()
    counts = np.floor(quota).astype(np.int64)
    short = int(n_synthetic) - counts.sum()
    # Hand the remaining points to the largest remainders (stable order).
    counts[np.argsort(-(quota - counts), kind="stable")[:short]] += 1
    return counts


def _resample_block(params, X, y, seed, n_out, mean, scale, classes, offset):
    """The numpy k-mixup of one row-chunk, seeded by ``seed``.

    The steps of ``KMixupAugmenter.fit_resample`` on the chunk (same
    functions of :mod:`skmixup._resample`), except that the matching
    features are standardised with the global ``mean`` and ``scale`` (None
    for ``match_on="raw"``) and the classes are the global ``classes``.
    Returns the chunk's ``X_res``, ``y_res``, pairs (global row indices) and
    mixing weights.
    """
    if not np.isfinite(X).all():
        raise ValueError(
            f"Input X contains NaN or infinity (in the row-chunk starting at row "
            f"{offset}); KMixupAugmenter needs finite features."
        )
    rng = np.random.default_rng(seed)
    feats = X if mean is None else (X - mean) / scale
    args = (params["k"], params["alpha"], params["metric"], rng)
    syn = synthetic_pairs(feats, n_out, *args)
    keep = params["keep_original"]
    X_res = resample_X(X, syn, keep)
    policy = get_target(params["target"])
    codes = None
    if classes is not None:
        one_hot = y.ndim == 2 and y.shape[1] > 1
        codes = y.argmax(axis=1) if one_hot else encode_labels(y.ravel(), classes)
    n_classes = None if classes is None else len(classes)
    y_res = policy.values(y, policy.resample(y, syn, keep, codes, n_classes))
    pairs = np.stack([syn.anchor, syn.partner], axis=1) + offset
    return X_res, y_res, pairs, syn.lam.astype(X.dtype, copy=False)


_OWNER = "KMixupAugmenter"


def _global_classes(y, target, extra=()):
    """Classes of a Dask ``y`` (hard or soft targets), checked like the numpy path.

    The lazy values in ``extra`` are computed in the same pass over the data
    and returned with the classes.
    """
    import dask
    import dask.array as da
    from sklearn.utils.multiclass import type_of_target

    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2:
        # One-hot labels: every row must hold exactly one 1.
        bad, present, *extra = dask.compute(
            ((y != 0) & (y != 1)).any() | (y.sum(axis=1) != 1).any(),
            y.any(axis=0),
            *extra,
        )
        if bad:
            raise label_type_error("multilabel-indicator", _OWNER, target)
        classes = np.arange(y.shape[1])
        codes_seen = int(np.count_nonzero(present))
    else:
        if y.dtype.kind == "f":
            (fractional,) = dask.compute((y != da.round(y)).any())
            if fractional:
                raise label_type_error("continuous", _OWNER, target)
        classes, *extra = dask.compute(da.unique(y), *extra)
        y_type = type_of_target(classes, input_name="y")
        if y_type not in ("binary", "multiclass"):
            raise label_type_error(y_type, _OWNER, target)
        codes_seen = len(classes)
    if codes_seen < 2:
        raise one_class_error(_OWNER)
    return classes, extra


def _dask_inputs(X, y):
    """``X`` as a float Dask array in row-chunks of all columns, ``y`` cut into
    the same row-chunks; the DataFrame / Series they came from (or None)."""
    import dask.array as da

    X_frame = X if hasattr(X, "columns") else None
    y_frame = y if is_dask_collection(y) and hasattr(y, "to_dask_array") else None
    X = _to_dask_array(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features); got a Dask array of shape "
            f"{X.shape}."
        )
    _check_known_chunks(X, "X")
    if X.dtype.kind not in "biuf":
        raise TypeError(
            f"X must hold real numbers; got a Dask array of dtype {X.dtype}."
        )
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    X = X.rechunk({1: -1})
    row_chunks = X.chunks[0]
    n = X.shape[0]

    if is_dask_collection(y):
        y = _to_dask_array(y)
        _check_known_chunks(y, "y")
    else:
        y = np.asarray(y)
    if y.ndim not in (1, 2) or y.shape[0] != n:
        raise ValueError(
            f"y must have shape ({n},) or ({n}, n_outputs), one row per row of "
            f"X; got shape {y.shape}."
        )
    if isinstance(y, np.ndarray):
        y = da.from_array(y, chunks=(row_chunks,) + y.shape[1:])
    else:
        y = y.rechunk((row_chunks,) + y.shape[1:])

    return X, y, X_frame, y_frame


def _global_stats(params, X, y):
    """Classes (hard and soft targets) and the standardisation of the matching
    features, from the whole of ``X`` in one pass."""
    import dask
    import dask.array as da

    stats = ()
    if params["match_on"] == "standardized":
        # Moments of X rescaled by a power of two (exact), so that the squares
        # cannot overflow for any finite X; scaled back afterwards.
        amax = da.abs(X).max().astype(np.float64)
        factor = 2.0 ** -da.ceil(da.log2(da.maximum(amax, np.finfo(np.float64).tiny)))
        Xs = X.astype(np.float64) * factor
        stats = (Xs.mean(axis=0), Xs.std(axis=0), factor)
    classes = None
    if get_target(params["target"]).labels:
        classes, stats = _global_classes(y, params["target"], stats)
    elif y.dtype.kind not in "biuf":
        raise ValueError(
            f"target='continuous' needs numeric y; got a Dask array of dtype {y.dtype}."
        )
    else:
        stats = dask.compute(*stats)

    mean = scale = None
    if params["match_on"] == "standardized":
        mean, std, factor = stats
        mean, std = mean / factor, std / factor
        if not (np.isfinite(mean).all() and np.isfinite(std).all()):
            raise ValueError(
                "Input X contains NaN or infinity; KMixupAugmenter needs finite "
                "features."
            )
        std[std == 0] = 1.0
        mean, scale = mean.astype(X.dtype), std.astype(X.dtype)

    return classes, mean, scale


def fit_resample_dask(params, X, y):
    """``KMixupAugmenter.fit_resample`` for Dask input: lazy, chunk by chunk.

    Each row-chunk of ``X`` is augmented on its own by the numpy code path
    (k-batches never cross chunk boundaries), with its own seed derived from
    ``random_state`` by :func:`chunk_seeds`, so the result does not depend on
    the scheduler and memory stays bounded by a few chunks.

    Parameters
    ----------
    params : dict
        The augmenter's validated parameters (``get_params()``).
    X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        Training data with known chunk sizes; it is rechunked so that each
        row-chunk holds all the columns. k-batches never cross chunks, so
        ``k`` is capped at half the rows of each chunk.
    y : dask.array.Array, dask Series/DataFrame or ndarray
        Targets; a Dask ``y`` is rechunked to the row-chunks of ``X``, an
        in-memory one is cut into them.

    Returns
    -------
    X_res : dask.array.Array or dask.dataframe.DataFrame
        For each row-chunk of ``X``, in order: its original rows (if
        ``keep_original``) followed by its synthetic points. Chunk sizes are
        known: a chunk of ``n_c`` rows gives ``n_c`` (if kept) plus
        ``round(n_synthetic * n_c)`` rows, or its share of an integer
        ``n_synthetic`` (split across chunks in proportion to their sizes).
    y_res : dask.array.Array or dask Series/DataFrame
        Targets of ``X_res``, with the same row chunks.
    fitted : dict
        The augmenter's fitted attributes: ``n_features_in_``,
        ``feature_names_in_`` (string column names), ``classes_`` (hard and
        soft targets), ``k_``, and ``pairs_`` and ``lam_`` as lazy Dask arrays
        (global row indices of ``X``).

    Notes
    -----
    With ``match_on="standardized"`` the features are standardised with the
    mean and standard deviation of the whole of ``X`` (one pass of Dask
    reductions, in float64, before the result is built): statistics local to
    each chunk would make the matching depend on how ``X`` is chunked. For
    hard and soft targets ``classes_`` is also computed globally
    (``da.unique``), so every chunk's soft labels have the same columns.
    A single-chunk Dask array gives exactly the numpy result of the
    augmenter seeded with that chunk's seed (and global statistics).
    ``X_res`` and ``y_res`` are built by the same tasks: compute or store
    them together (``dask.compute(X_res, y_res)``, ``da.store``) to run the
    k-mixup once.

    Examples
    --------
    >>> import dask
    >>> import dask.array as da
    >>> from skmixup import KMixupAugmenter
    >>> X = da.random.default_rng(0).normal(size=(1000, 4), chunks=(250, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> X_res, y_res = KMixupAugmenter(k=8, random_state=0).fit_resample(X, y)
    >>> X_res.chunks[0]
    (500, 500, 500, 500)
    >>> X_np, y_np = dask.compute(X_res, y_res)
    >>> X_np.shape, y_np.shape
    ((2000, 4), (2000,))
    """
    import dask
    import dask.array as da

    X, y, X_frame, y_frame = _dask_inputs(X, y)
    row_chunks = X.chunks[0]
    n, d = X.shape
    k = params["k"]
    classes, mean, scale = _global_stats(params, X, y)

    counts = _chunk_synthetic_counts(params["n_synthetic"], row_chunks)
    seeds = chunk_seeds(params["random_state"], len(row_chunks))
    offsets = np.concatenate([[0], np.cumsum(row_chunks)[:-1]])
    policy = get_target(params["target"])
    y_dtype, y_tail = policy.result_spec(
        y.dtype, y.shape[1:], X.dtype, 0 if classes is None else len(classes)
    )
    lam_dtype = X.dtype
    block = dask.delayed(_resample_block, pure=True, nout=4)
    X_blocks = X.to_delayed().ravel()
    y_blocks = y.to_delayed().ravel()
    parts = {"X": [], "y": [], "pairs": [], "lam": []}
    for i in range(len(row_chunks)):
        c = int(counts[i])
        m = (int(row_chunks[i]) if params["keep_original"] else 0) + c
        out = block(
            params,
            X_blocks[i],
            y_blocks[i],
            seeds[i],
            c,
            mean,
            scale,
            classes,
            int(offsets[i]),
        )
        parts["X"].append(da.from_delayed(out[0], (m, d), dtype=X.dtype))
        parts["y"].append(da.from_delayed(out[1], (m,) + y_tail, dtype=y_dtype))
        parts["pairs"].append(da.from_delayed(out[2], (c, 2), dtype=np.int64))
        parts["lam"].append(da.from_delayed(out[3], (c,), dtype=lam_dtype))
    X_res, y_res, pairs, lam = (da.concatenate(parts[key]) for key in parts)

    fitted = {"n_features_in_": d, "pairs_": pairs, "lam_": lam}
    fitted["k_"] = effective_k(k, min(int(c) for c in row_chunks))
    if X_frame is not None and all(isinstance(c, str) for c in X_frame.columns):
        fitted["feature_names_in_"] = np.asarray(list(X_frame.columns), dtype=object)
    if classes is not None:
        fitted["classes_"] = classes
    X_out = _wrap_frames(X_res, X_frame)
    return X_out, _wrap_frames(y_res, y_frame if policy.frame_out else None), fitted


def _wrap_frames(arr, frame):
    """Dask DataFrame/Series out for a Dask DataFrame/Series in."""
    if frame is None:
        return arr
    import dask.dataframe as dd

    if arr.ndim == 1:
        return dd.from_dask_array(arr, columns=frame.name)
    return dd.from_dask_array(arr, columns=list(frame.columns))
