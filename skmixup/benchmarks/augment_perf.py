"""Time and peak memory of ``KMixupAugmenter.fit_resample`` on a large dataset.

Run as ``python -m skmixup.benchmarks.augment_perf`` (defaults: 1,000,000 x 32
float32 rows, k = 16). The time is the best of ``--repeats`` calls after a
warm-up call (which compiles the matching solver). The peak memory is measured
in a fresh subprocess, so that the timing runs and the interpreter's own
allocations do not count:

* ``tracemalloc`` peak: the most memory numpy held at once during one
  ``fit_resample`` call, beyond what existed before it (the input array);
* peak RSS growth: the process's peak resident set size (``VmHWM`` of
  ``/proc/self/status``, or ``getrusage``'s ``ru_maxrss`` elsewhere) after the
  call minus the one before it (includes allocator slack; an upper bound).
  ``ru_maxrss`` survives ``exec`` on Linux, which is why ``VmHWM`` is preferred.

Both are reported as multiples of the output array ``X_res.nbytes``.
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

DESCRIPTION = "time and peak memory of KMixupAugmenter.fit_resample on big data"


def add_arguments(parser):
    """Declare the command-line options of this benchmark.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        Parser to add the options to.
    """
    for option, default in (
        ("--n-samples", 1_000_000),
        ("--n-features", 32),
        ("--k", 16),
        ("--repeats", 3),
    ):
        parser.add_argument(option, type=int, default=default)
    parser.add_argument(
        "--no-keep-original",
        action="store_true",
        help="return only the synthetic points (keep_original=False)",
    )
    parser.add_argument(
        "--match-on", choices=["standardized", "raw"], default="standardized"
    )
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)


def _data(args):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n_samples, args.n_features), dtype=np.float32)
    y = rng.integers(0, 3, size=args.n_samples)
    return X, y


def _augmenter(args, seed=0):
    from skmixup import KMixupAugmenter

    return KMixupAugmenter(
        k=args.k,
        keep_original=not args.no_keep_original,
        match_on=args.match_on,
        random_state=seed,
    )


def _warm_up(args):
    X, y = _data(argparse.Namespace(**{**vars(args), "n_samples": 20_000}))
    _augmenter(args).fit_resample(X, y)


def _peak_rss_bytes():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux (bytes on macOS; this fallback is approximate).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _memory_child(args):
    import tracemalloc

    X, y = _data(args)
    _warm_up(args)
    rss_before = _peak_rss_bytes()
    tracemalloc.start()
    X_res, _ = _augmenter(args).fit_resample(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = _peak_rss_bytes()
    print(
        json.dumps(
            {
                "output_bytes": int(X_res.nbytes),
                "input_bytes": int(X.nbytes),
                "tracemalloc_peak_bytes": int(peak),
                "maxrss_growth_bytes": int(rss_after - rss_before),
            }
        )
    )
    return 0


def run(args):
    """Run the benchmark from parsed options and print its figures; exit code 0."""
    if args.memory_child:
        return _memory_child(args)
    X, y = _data(args)
    _warm_up(args)
    times = []
    for seed in range(args.repeats):
        aug = _augmenter(args, seed)
        start = time.perf_counter()
        X_res, y_res = aug.fit_resample(X, y)
        times.append(time.perf_counter() - start)
        del X_res, y_res
    print(
        f"fit_resample on {args.n_samples:,} x {args.n_features} float32, "
        f"k={args.k}, keep_original={not args.no_keep_original}, "
        f"match_on={args.match_on!r}"
    )
    print(
        f"  time: best {min(times):.2f} s, median {float(np.median(times)):.2f} s "
        f"over {args.repeats} runs"
    )

    child = [
        sys.executable,
        "-m",
        "skmixup.benchmarks.augment_perf",
        "--memory-child",
    ] + [
        f"--n-samples={args.n_samples}",
        f"--n-features={args.n_features}",
        f"--k={args.k}",
        f"--match-on={args.match_on}",
    ]
    if args.no_keep_original:
        child.append("--no-keep-original")
    out = subprocess.run(child, capture_output=True, text=True, check=True)
    mem = json.loads(out.stdout.strip().splitlines()[-1])
    mib = 2.0**20
    print(f"  output array: {mem['output_bytes'] / mib:.0f} MiB")
    print(
        f"  peak memory (tracemalloc): {mem['tracemalloc_peak_bytes'] / mib:.0f} MiB"
        f" = {mem['tracemalloc_peak_bytes'] / mem['output_bytes']:.2f} x output"
    )
    print(
        f"  peak RSS growth (VmHWM): {mem['maxrss_growth_bytes'] / mib:.0f} MiB"
        f" = {mem['maxrss_growth_bytes'] / mem['output_bytes']:.2f} x output"
    )
    return 0


def main(argv=None):
    """Command-line entry point: ``python -m skmixup.benchmarks.augment_perf``.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    code : int
        Exit code.
    """
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
