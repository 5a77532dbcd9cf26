"""Scaling of skmixup: large arrays, Dask arrays and Dask clusters.

``python -m skmixup.benchmarks scale --part PART``, where ``PART`` is

* ``augment`` (the default): time and peak memory of
  ``KMixupAugmenter.fit_resample`` on ``--rows`` x ``--cols`` float32 rows
  (default 1,000,000 x 32, k = 16). The time is the best and the median of
  ``--repeats`` calls after a warm-up call (which compiles the matching
  solver). The peak memory is measured in a fresh subprocess, so that the
  timing runs and the interpreter's own allocations do not count: the
  ``tracemalloc`` peak (the most memory numpy held at once during the call,
  beyond its input) and the growth of the peak resident set size (``VmHWM``
  of ``/proc/self/status``, or ``getrusage``'s ``ru_maxrss`` elsewhere;
  allocator slack included, an upper bound), both also as multiples of the
  output array;
* ``resample``: the same call on a lazy ``dask.array`` of ``--rows`` x
  ``--cols`` in chunks of ``--chunk-rows`` rows, reduced chunk by chunk to a
  checksum (nothing of the data or the result is ever held whole), each size
  in its own subprocess: rows per second and peak resident memory;
* ``uci``: the wall time of ``python -m skmixup.benchmarks uci --quick`` serial
  (``--n-jobs 1``) and on a local cluster (``--dask local:N``), and whether
  both write the same ``folds.csv`` scores.

Each part prints its figures and writes them, with the options and the
machine's load, to ``PART.json`` under ``--output``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial

import numpy as np

from ._common import (
    interleaved_times,
    load_average,
    number_list,
    positive_int,
    writable_output,
)

DESCRIPTION = (
    "Time and peak memory of KMixupAugmenter.fit_resample on large numpy and "
    "Dask arrays; the UCI benchmark on a local Dask cluster."
)


def add_arguments(parser):
    """Add the options of this benchmark to an :mod:`argparse` parser."""
    parser.add_argument(
        "--part", choices=("augment", "resample", "uci"), default="augment"
    )
    parser.add_argument(
        "--rows",
        type=number_list(int, 1),
        default=(1_000_000,),
        help="rows of the data, comma-separated: one measurement each (augment, "
        "resample; default 1000000)",
    )
    for option, default in (("--cols", 32), ("--k", 16), ("--repeats", 3)):
        parser.add_argument(option, type=positive_int, default=default)
    parser.add_argument(
        "--no-keep-original",
        action="store_true",
        help="return only the synthetic points (keep_original=False)",
    )
    parser.add_argument(
        "--match-on", choices=["standardized", "raw"], default="standardized"
    )
    parser.add_argument("--chunk-rows", type=positive_int, default=250_000)
    parser.add_argument(
        "--workers", type=positive_int, default=2, help="Dask workers (default 2)"
    )
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
    parser.add_argument("--output", default=os.path.join("benchmark_results", "scale"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)


def _data(rows, cols, chunk_rows=None):
    """Standard normal float32 rows and labels; a lazy Dask array with chunks."""
    if chunk_rows is None:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((rows, cols), dtype=np.float32)
        return X, rng.integers(0, 3, size=rows)
    import dask.array as da

    rng = da.random.default_rng(0)
    X = rng.standard_normal((rows, cols), chunks=(chunk_rows, cols), dtype=np.float32)
    return X, (X[:, 0] > 0).astype(np.int8)


def _augmenter(args):
    from skmixup import KMixupAugmenter

    return KMixupAugmenter(
        k=args.k,
        keep_original=not args.no_keep_original,
        match_on=args.match_on,
        random_state=0,
    )


def _peak_rss_bytes():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux (bytes on macOS; this fallback is approximate);
    # it survives exec on Linux, which is why VmHWM is preferred.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _resample_once(args, rows):
    """One ``fit_resample`` in this fresh process: its time and peak memory."""
    import tracemalloc

    lazy = args.part == "resample"
    X, y = _data(rows, args.cols, args.chunk_rows if lazy else None)
    _augmenter(args).fit_resample(*_data(20_000, args.cols))  # compiles the solver
    rss_before = _peak_rss_bytes()
    if not lazy:  # numpy's allocations; a lazy run's peak is the process's
        tracemalloc.start()
    start = time.perf_counter()
    X_res, y_res = _augmenter(args).fit_resample(X, y)
    out = {
        "rows": rows,
        "cols": args.cols,
        "k": args.k,
        "rows_out": int(X_res.shape[0]),
    }
    if lazy:
        import dask

        out["plan_s"] = time.perf_counter() - start
        checksums = dask.compute(X_res.sum(dtype=np.float64), y_res.sum(dtype=np.int64))
        out["checksum_X"], out["checksum_y"] = float(checksums[0]), int(checksums[1])
    else:
        out["tracemalloc_peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    out["wall_s"] = time.perf_counter() - start
    out["rows_per_s"] = rows / out["wall_s"]
    out["peak_rss_growth_bytes"] = _peak_rss_bytes() - rss_before
    out["output_bytes"] = out["rows_out"] * args.cols * 4
    for key in ("tracemalloc_peak", "peak_rss_growth"):
        if f"{key}_bytes" in out:
            out[f"{key}_x_output"] = out[f"{key}_bytes"] / out["output_bytes"]
    return out


def _in_subprocess(args, rows):
    """:func:`_resample_once` in a fresh interpreter (its own peak memory)."""
    cmd = [sys.executable, "-m", "skmixup.benchmarks", "scale", "--child"]
    for option in ("part", "cols", "k", "match_on", "chunk_rows"):
        cmd.append(f"--{option.replace('_', '-')}={getattr(args, option)}")
    cmd += [f"--rows={rows}"] + (["--no-keep-original"] * args.no_keep_original)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def augment(args):
    """Best and median time per size (in this process), and peak memory."""
    results = []
    for rows in args.rows:
        X, y = _data(rows, args.cols)
        fit = {"fit_resample": partial(_augmenter(args).fit_resample, X, y)}
        times = interleaved_times(fit, args.repeats, time.perf_counter)["fit_resample"]
        results.append(
            {
                "best_s": min(times),
                "median_s": float(np.median(times)),
                "n_timed": len(times),
                "memory": _in_subprocess(args, rows),
            }
        )
    return results


def resample(args):
    return [_in_subprocess(args, rows) for rows in args.rows]


def uci(args):
    """Wall time of the UCI benchmark serial and on a local cluster."""
    import pandas as pd

    out = {"datasets": args.datasets or "quick default", "n_workers": args.workers}
    folds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, opts in (
            ("serial", ["--n-jobs", "1"]),
            ("dask", ["--dask", f"local:{args.workers}"]),
        ):
            dest = os.path.join(tmp, label)
            cmd = [sys.executable, "-m", "skmixup.benchmarks", "uci", "--quick"]
            cmd += ["--datasets", args.datasets] if args.datasets else []
            cmd += ["--output", dest, *args.uci_args.split(), *opts]
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


def run(args):
    """Run one part; print its figures and write ``PART.json``; exit code."""
    if args.child:
        print(json.dumps(_resample_once(args, args.rows[0])))
        return 0
    if not writable_output(args.output):
        return 2
    report = {
        "part": args.part,
        "options": {k: v for k, v in vars(args).items() if not k.startswith("_")},
        "cpu_count": os.cpu_count(),
        "load_average_before": load_average(),
    }
    parts = {"augment": augment, "resample": resample, "uci": uci}
    report["result"] = parts[args.part](args)
    report["load_average_after"] = load_average()
    print(json.dumps(report, indent=2))
    with open(os.path.join(args.output, f"{args.part}.json"), "w") as fh:
        json.dump(report, fh, indent=2)
    return 0
