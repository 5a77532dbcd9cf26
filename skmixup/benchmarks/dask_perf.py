"""Performance of the Dask support: scheduling overhead, UCI speed-up, chunked k-mixup.

Run as ``python -m skmixup.benchmarks.dask_perf [--part ...]`` (not a
registered benchmark of the ``skmixup.benchmarks`` command line):

* ``overhead``: many tiny tasks through :func:`skmixup.dask_backend`
  (``local:N``) against serial joblib; the difference per task is the
  scheduling overhead (with one task per batch, and with joblib's automatic
  batching).
* ``uci``: wall time of ``python -m skmixup.benchmarks uci --quick`` (its
  default datasets unless ``--datasets``) serial (``--n-jobs 1``) and on a
  local cluster (``--dask local:N``), and a check that both write the same
  ``folds.csv`` scores.
* ``resample``: ``KMixupAugmenter.fit_resample`` of a lazy
  ``da.random`` array of ``rows x cols`` float32, reduced chunk by chunk to a
  checksum (nothing of the data or the result is ever held whole). Each size
  runs in its own subprocess, whose peak resident memory
  (``resource.getrusage``) is reported next to the rows per second.

Results are printed and written as JSON under ``--output``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def _noop(i):
    return i


def overhead(n_tasks, n_workers):
    """Seconds per task: serial joblib vs the Dask backend."""
    from joblib import Parallel, delayed

    from skmixup import dask_backend

    start = time.perf_counter()
    Parallel(n_jobs=1)(delayed(_noop)(i) for i in range(n_tasks))
    serial = time.perf_counter() - start
    out = {"n_tasks": n_tasks, "serial_s_per_task": serial / n_tasks}
    with dask_backend(f"local:{n_workers}"):
        Parallel(n_jobs=-1)(delayed(_noop)(i) for i in range(50))  # warm up
        for label, batch in (("batch1", 1), ("auto", "auto")):
            start = time.perf_counter()
            Parallel(n_jobs=-1, batch_size=batch)(
                delayed(_noop)(i) for i in range(n_tasks)
            )
            wall = time.perf_counter() - start
            out[f"dask_{label}_s_per_task"] = wall / n_tasks
            out[f"dask_{label}_overhead_ms_per_task"] = 1e3 * (wall - serial) / n_tasks
    return out


def uci(datasets, n_workers, extra):
    """Wall time of the UCI benchmark serial and on a local cluster."""
    import pandas as pd

    out = {
        "datasets": datasets or "quick default",
        "n_workers": n_workers,
        "extra": extra,
    }
    folds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, opts in (
            ("serial", ["--n-jobs", "1"]),
            ("dask", ["--dask", f"local:{n_workers}"]),
        ):
            dest = os.path.join(tmp, label)
            cmd = [sys.executable, "-m", "skmixup.benchmarks", "uci", "--quick"]
            if datasets:
                cmd += ["--datasets", datasets]
            cmd += ["--output", dest, *extra, *opts]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            out[f"{label}_s"] = time.perf_counter() - start
            folds[label] = pd.read_csv(os.path.join(dest, "folds.csv"))
            # Task time as measured inside the tasks (fits and scoring only).
            out[f"{label}_task_s_sum"] = float(folds[label]["seconds"].sum())
    cols = ["accuracy", "log_loss"]
    out["same_scores"] = bool(folds["serial"][cols].equals(folds["dask"][cols]))
    out["n_tasks"] = len(folds["serial"])
    out["speedup"] = out["serial_s"] / out["dask_s"]
    return out


def resample_once(rows, cols, chunk_rows, k):
    """One fit_resample of a lazy array, in this process; prints a JSON line."""
    import dask
    import dask.array as da

    from skmixup import KMixupAugmenter

    rng = da.random.default_rng(0)
    X = rng.standard_normal((rows, cols), chunks=(chunk_rows, cols), dtype=np.float32)
    y = (X[:, 0] > 0).astype(np.int8)
    start = time.perf_counter()
    X_res, y_res = KMixupAugmenter(k=k, random_state=0).fit_resample(X, y)
    planned = time.perf_counter() - start
    checksum_X, checksum_y = dask.compute(
        X_res.sum(dtype=np.float64), y_res.sum(dtype=np.int64)
    )
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": rows,
                "cols": cols,
                "chunk_rows": chunk_rows,
                "k": k,
                "rows_out": int(X_res.shape[0]),
                "plan_s": planned,
                "wall_s": wall,
                "rows_per_s": rows / wall,
                "peak_rss_mib": peak_kib / 1024,
                "data_gib": rows * cols * 4 / 2**30,
                "checksum_X": float(checksum_X),
                "checksum_y": int(checksum_y),
            }
        )
    )


def resample(sizes, cols, chunk_rows, k):
    results = []
    for rows in sizes:
        cmd = [sys.executable, "-m", "skmixup.benchmarks.dask_perf", "--part"]
        cmd += ["resample-one", "--rows", str(rows), "--cols", str(cols)]
        cmd += ["--chunk-rows", str(chunk_rows), "--k", str(k)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skmixup.benchmarks.dask_perf", description=__doc__
    )
    parser.add_argument(
        "--part",
        choices=["overhead", "uci", "resample", "all", "resample-one"],
        default="all",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument(
        "--datasets",
        default="",
        help="datasets of the uci part (default: the quick benchmark's own suite)",
    )
    parser.add_argument(
        "--uci-args",
        default="",
        help="extra options for the uci benchmark, e.g. '--steps 100'",
    )
    parser.add_argument("--sizes", default="5000000,20000000")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=32)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--output", default="benchmark_results/dask_perf")
    args = parser.parse_args(argv)

    if args.part == "resample-one":
        resample_once(args.rows, args.cols, args.chunk_rows, args.k)
        return 0
    report = {
        "cpu_count": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    if args.part in ("overhead", "all"):
        report["overhead"] = overhead(args.tasks, args.workers)
        print(json.dumps(report["overhead"]), flush=True)
    if args.part in ("uci", "all"):
        report["uci"] = uci(args.datasets, args.workers, args.uci_args.split())
        print(json.dumps(report["uci"]), flush=True)
    if args.part in ("resample", "all"):
        sizes = [int(s) for s in args.sizes.split(",")]
        report["resample"] = resample(sizes, args.cols, args.chunk_rows, args.k)
    report["load_average_after"] = os.getloadavg()
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, f"{args.part}.json"), "w") as fh:
        json.dump(report, fh, indent=2)
    print(json.dumps({"load_average": report["load_average_after"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
