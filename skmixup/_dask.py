"""Dask support: a joblib backend on a cluster, and chunked k-mixup of Dask arrays.

Dask is optional (``pip install "skmixup[dask]"``); nothing here is imported
by the rest of the package unless Dask input or a Dask option is used.
"""

import contextlib

import numpy as np

__all__ = ["dask_backend", "require_dask", "is_dask_collection"]


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

    Examples
    --------
    >>> from joblib import Parallel, delayed
    >>> from skmixup._dask import dask_backend
    >>> with dask_backend("local:1"):  # doctest: +SKIP
    ...     Parallel()(delayed(abs)(-i) for i in range(3))
    [0, 1, 2]
    """
    require_dask("running on a Dask cluster")
    import joblib
    from distributed import Client, LocalCluster

    cluster = None
    if address.startswith("local"):
        n_workers = _parse_local(address)
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
        with joblib.parallel_backend("dask"):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def chunk_seeds(random_state, n_chunks):
    """Independent per-chunk seeds derived from one ``random_state``.

    The same ``random_state`` always gives the same seeds, whatever the
    scheduling order of the chunks.
    """
    if isinstance(random_state, np.random.RandomState):
        entropy = int(random_state.randint(0, 2**31 - 1))
    elif isinstance(random_state, np.random.Generator):
        entropy = int(random_state.integers(0, 2**31 - 1))
    else:
        entropy = random_state
    children = np.random.SeedSequence(entropy).spawn(n_chunks)
    return [int(c.generate_state(1)[0]) for c in children]
