"""Speed of the exact batched matching against the usual ways of computing it.

:func:`skmixup.match_batches` (numpy float64, torch float32) against one dense
``B x B`` assignment (the reference code), per-block scipy and POT loops and
the cost matrices alone, every row checked exact; described in
``docs/benchmarks.rst``. Run ``python -m skmixup.benchmarks matching --help``.
"""

import functools
import os
import platform
import time

import numpy as np

from ._common import (
    add_device_argument,
    add_timing_arguments,
    clock_and_sync,
    limited_threads,
    load_average,
    resolve_device,
    seed_int,
    write_tables,
)

DESCRIPTION = (
    "Time of the exact batched matching (match_batches) against one dense "
    "scipy assignment (reference code), per-block scipy and POT loops, and the "
    "cost-matrix floor."
)

FULL_GRID = {"B": (256, 1024, 8192), "k": (1, 2, 4, 8, 16, 32, 64), "d": (10, 100)}
QUICK_GRID = {"B": (256, 1024), "k": (1, 4, 16), "d": (10, 100)}

#: Relative tolerance of the exactness check: the float64 solver must reach
#: the scipy optimum to rounding; float32 tensors may break near-ties
#: differently from the float64 reference.
EXACT_RTOL = {"float64": 1e-9, "float32": 1e-5}

# The targets, checked on the measurements (informational only).
TARGET_DENSE = {"B": 1024, "k": 16, "d": 100, "speedup": 30.0}
TARGET_LOOP_SPEEDUP = 2.0
TARGET_FLOOR_RATIO = 3.0
TARGET_MAX_K = 16

_MAX_ADAPTIVE_REPEATS = 100


def add_arguments(parser):
    """Add the options of this benchmark to an :mod:`argparse` parser."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few configurations (B in 256, 1024; k in 1, 4, 16; d in 10, 100)",
    )
    parser.add_argument(
        "--output",
        default="benchmark_results",
        metavar="DIR",
        help="directory of the CSV file matching.csv (default: %(default)s)",
    )
    add_device_argument(
        parser,
        default=None,
        help="torch device of the on-device rows (default: cuda if available, else "
        "cpu); the torch CPU rows are always measured",
    )
    parser.add_argument(
        "--dense-max-b",
        type=int,
        default=2048,
        metavar="B",
        help="largest B for the dense B x B baseline (a); larger ones are reported "
        "as skipped (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        default=None,
        metavar="B",
        help="override the grid's batch sizes",
    )
    parser.add_argument(
        "--ks", type=int, nargs="+", default=None, help="override the grid's k values"
    )
    parser.add_argument(
        "--dims", type=int, nargs="+", default=None, help="override the grid's d values"
    )
    add_timing_arguments(
        parser,
        repeats=(
            None,
            "timed runs per measurement, after one warm-up (default: "
            "adaptive, 3 to 100 runs within a time budget per measurement)",
        ),
        threads=(
            None,
            "limit torch and BLAS to N threads (default: the libraries' "
            "own defaults); 1 gives steadier small-size timings on a busy machine",
        ),
        clock_default="wall",
    )
    parser.add_argument(
        "--seed", type=seed_int, default=0, help="data seed (default: 0)"
    )


# ----------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------
def _median_time(fn, fn_args, sync, *, repeats, budget, now):
    """Median time of ``fn(*fn_args)`` in seconds, after one warm-up call.

    With ``repeats=None`` the number of runs adapts to fill ``budget`` seconds
    of wall time (at least 3, at most ``_MAX_ADAPTIVE_REPEATS``); ``now`` is
    the clock.
    """
    fn(*fn_args)
    sync()
    times = []
    target = repeats if repeats is not None else _MAX_ADAPTIVE_REPEATS
    start = time.perf_counter()
    while len(times) < target:
        t0 = now()
        fn(*fn_args)
        sync()
        times.append(now() - t0)
        if repeats is None and len(times) >= 3 and time.perf_counter() - start > budget:
            break
    return float(np.median(times)), len(times)


def _no_sync():
    return None


# ----------------------------------------------------------------------------
# The baselines
# ----------------------------------------------------------------------------
def _dense_reference(A, P):
    """(a): one LSA over the B x B Euclidean cost with a huge off-block constant."""
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    n_blocks, k, d = A.shape
    n = n_blocks * k
    cost = cdist(A.reshape(n, d), P.reshape(n, d), "euclidean")
    block = np.arange(n) // k
    # One off-block entry costs more than any all-in-block assignment.
    cost[block[:, None] != block[None, :]] = cost.max() * n + 1.0
    return linear_sum_assignment(cost)[1]


def _lsa_loop(A, P):
    """(b): one scipy LSA per block, cost included."""
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    out = np.empty(A.shape[:2], dtype=np.int64)
    for b in range(A.shape[0]):
        out[b] = linear_sum_assignment(cdist(A[b], P[b], "sqeuclidean"))[1]
    return out


def _emd_loop(A, P):
    """(c): one POT network-simplex solve per block, uniform weights."""
    import ot

    k = A.shape[1]
    w = np.full(k, 1.0 / k)
    out = np.empty(A.shape[:2], dtype=np.int64)
    for b in range(A.shape[0]):
        out[b] = ot.emd(w, w, ot.dist(A[b], P[b])).argmax(axis=1)
    return out


def _reduced_cost(A, P):
    """(d): the cost matrices that match_batches builds."""
    from skmixup import pairwise_cost

    return pairwise_cost(A, P, "sqeuclidean", reduced=True)


def _total_cost(A, P, perm):
    """Total squared-Euclidean cost of a pairing, in float64 from differences."""
    matched = np.take_along_axis(P, perm[..., None], axis=1)
    return float(((A - matched) ** 2).sum())


def _match_sq(A, P, solver="auto"):
    """The matching under test, on the references' squared cost."""
    from skmixup import match_batches

    return match_batches(A, P, metric="sqeuclidean", solver=solver)


#: Most features the fused host kernel reads (``FUSED_MAX_FEATURES`` of the
#: library, whose equality with this copy a test checks).
_FUSED_MAX_FEATURES = 128


def solver_for(k, backend, d):
    """The solver ``solver="auto"`` picks for a row, by name (and the one
    timed): on host data (``numpy``, ``torch-cpu``) with at most 128 features
    the compiled Jonker-Volgenant pass for every k; otherwise brute force
    over the k! permutations while they are few (k <= 4), the compiled
    solver beyond (scipy's without numba); k = 1 needs no solver."""
    from importlib.util import find_spec

    if k == 1:
        return "trivial"
    has_numba = find_spec("numba") is not None
    host = backend in ("numpy", "torch-cpu")
    if host and has_numba and d <= _FUSED_MAX_FEATURES:
        return "jv"
    if k <= 4:
        return "brute"
    return "jv" if has_numba else "scipy"


# ----------------------------------------------------------------------------
# One configuration
# ----------------------------------------------------------------------------
def _measure_config(B, k, d, backends, measure, rng, dense_max_b):
    import torch

    A = rng.standard_normal((B // k, k, d))
    P = rng.standard_normal((B // k, k, d))

    baselines = {"lsa_loop": _lsa_loop, "emd_loop": _emd_loop}
    if B <= dense_max_b:
        baselines = {"dense": _dense_reference, **baselines}
    base_ms = {
        name: 1e3 * measure(f, (A, P), _no_sync)[0] for name, f in baselines.items()
    }
    reference_cost = _total_cost(A, P, _lsa_loop(A, P))

    rows = []
    for backend in backends:
        if backend == "numpy":
            A_in, P_in, sync, dtype = A, P, _no_sync, "float64"
        else:
            device = backend.split("-", 1)[1]
            A_in = torch.as_tensor(A, dtype=torch.float32, device=device)
            P_in = torch.as_tensor(P, dtype=torch.float32, device=device)
            sync = torch.cuda.synchronize if device.startswith("cuda") else _no_sync
            dtype = "float32"
        solver = solver_for(k, backend, d)
        named = "auto" if solver == "trivial" else solver
        t_mb, n_mb = measure(_match_sq, (A_in, P_in, named), sync)
        t_floor, _ = measure(_reduced_cost, (A_in, P_in), sync)
        perm = _match_sq(A_in, P_in, named)
        perm = perm.cpu().numpy() if backend != "numpy" else perm
        cost = _total_cost(A, P, perm)
        exact = bool(np.isclose(cost, reference_cost, rtol=EXACT_RTOL[dtype], atol=0.0))
        row = {
            "backend": backend,
            "dtype": dtype,
            "B": B,
            "k": k,
            "d": d,
            "solver": solver,
            "match_ms": 1e3 * t_mb,
            "floor_ms": 1e3 * t_floor,
        }
        for name in ("dense", "lsa_loop", "emd_loop"):
            row[f"{name}_ms"] = base_ms.get(name, np.nan)
        for name in ("dense", "lsa_loop", "emd_loop"):
            row[f"x_vs_{name}"] = row[f"{name}_ms"] / row["match_ms"]
        row["time_over_floor"] = row["match_ms"] / row["floor_ms"]
        row["exact"] = exact
        row["repeats"] = n_mb
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------
def _format_table(df):
    shown = df.copy()
    ms_cols = [c for c in shown.columns if c.endswith("_ms")]
    for col in ms_cols:
        shown[col] = shown[col].map(lambda v: "skipped" if np.isnan(v) else f"{v:.3f}")
    for col in ("x_vs_dense", "x_vs_lsa_loop", "x_vs_emd_loop", "time_over_floor"):
        shown[col] = shown[col].map(lambda v: "-" if np.isnan(v) else f"{v:.1f}")
    return shown.to_string(index=False)


def _targets(df):
    """PASS/FAIL lines for the issue's targets, from the measurements."""
    lines = []
    B, k, d, speedup = (TARGET_DENSE[key] for key in ("B", "k", "d", "speedup"))
    for backend in ("numpy", "torch-cpu"):
        label = (
            f">= {speedup:.0f}x faster than (a) dense at B={B}, k={k}, d={d} "
            f"[{backend}]"
        )
        at = df[(df.backend == backend) & (df.B == B) & (df.k == k) & (df.d == d)]
        if at.empty or at.x_vs_dense.isna().all():
            lines.append(f"  n/a   {label}: configuration not measured")
            continue
        value = float(at.x_vs_dense.iloc[0])
        lines.append(f"  {_verdict(value >= speedup)}  {label}: {value:.1f}x")
    for backend in ("numpy", "torch-cpu"):
        sel = df[(df.backend == backend) & (df.k <= TARGET_MAX_K)]
        if sel.empty:
            continue
        loop = sel.loc[sel.x_vs_lsa_loop.idxmin()]
        floor = sel.loc[sel.time_over_floor.idxmax()]
        where = "B={B}, k={k}, d={d}"
        lines += [
            f"  {_verdict(loop.x_vs_lsa_loop >= TARGET_LOOP_SPEEDUP)}  >= "
            f"{TARGET_LOOP_SPEEDUP:.0f}x faster than (b) per-block scipy loop for "
            f"k <= {TARGET_MAX_K} [{backend}]: worst {loop.x_vs_lsa_loop:.1f}x "
            f"({where.format(**loop)})",
            f"  {_verdict(floor.time_over_floor <= TARGET_FLOOR_RATIO)}  <= "
            f"{TARGET_FLOOR_RATIO:.0f}x the cost-matrix floor (d) for k <= "
            f"{TARGET_MAX_K} [{backend}]: worst {floor.time_over_floor:.1f}x "
            f"({where.format(**floor)})",
        ]
    n_exact = int(df["exact"].sum())
    lines.append(
        f"  {_verdict(n_exact == len(df))}  exact: total cost equals the per-block "
        f"scipy optimum in {n_exact}/{len(df)} rows"
    )
    return lines


def _verdict(passed):
    return "PASS" if passed else "FAIL"


def _validate(args):
    """The grid and device of a run, or an error message."""
    grid = dict(QUICK_GRID if args.quick else FULL_GRID)
    for key, override in (("B", args.batch_sizes), ("k", args.ks), ("d", args.dims)):
        if override:
            grid[key] = tuple(override)
    if any(k < 1 or B % k for B in grid["B"] for k in grid["k"]) or min(grid["d"]) < 1:
        return (
            "Every k must be >= 1 and divide every batch size B, and every d must "
            f"be >= 1; got B={grid['B']}, k={grid['k']}, d={grid['d']}."
        )
    try:
        device, args.clock = resolve_device(args.device, args.clock)
    except ValueError as exc:
        return str(exc)
    return grid, device


def _print_header(args, device):
    import torch

    gpu = "GPU not measured: no CUDA device, so the brute-force path that device "
    gpu += "tensors take for k <= 4 is not timed here."
    lines = [
        "skmixup matching benchmark",
        f"python {platform.python_version()}, numpy {np.__version__}, torch "
        f"{torch.__version__} ({torch.get_num_threads()} threads), "
        f"{os.cpu_count()} CPU cores"
        + (f", BLAS limited to {args.threads} threads" if args.threads else ""),
        f"device: {device}",
        *([gpu] if device == "cpu" else []),
        "baselines: (a) dense = one scipy LSA on the B x B Euclidean cost with "
        "off-block constant; (b) lsa_loop = scipy LSA per block; (c) emd_loop = "
        "ot.emd per block; (d) floor = pairwise_cost(reduced=True). (a)-(c) run "
        "on the float64 data, shared by the rows of a configuration; all on the "
        "squared Euclidean cost.",
        f"repeats: {args.repeats if args.repeats else 'adaptive'}; times are "
        f"medians in milliseconds of {args.clock} time; load average before the "
        f"run: {load_average()}\n",
    ]
    print("\n  ".join(lines))


def run(args):
    """Run the benchmark; print the table and write ``matching.csv``."""
    import pandas as pd

    checked = _validate(args)
    if isinstance(checked, str):
        print(checked)
        return 2
    grid, device = checked
    backends = ["numpy", "torch-cpu"]
    if device != "cpu":
        backends.append(f"torch-{device}")
    # Seconds per measurement for the adaptive repeats.
    budget = 0.02 if args.quick else 0.3
    measure = functools.partial(
        _median_time,
        repeats=args.repeats,
        budget=budget,
        now=clock_and_sync("cpu", args.clock)[0],
    )
    rng = np.random.default_rng(args.seed)
    rows = []
    start = time.perf_counter()
    with limited_threads(args.threads) as previous_threads:
        _print_header(args, device)
        for B in grid["B"]:
            for d in grid["d"]:
                for k in grid["k"]:
                    rows += _measure_config(
                        B, k, d, backends, measure, rng, args.dense_max_b
                    )
    elapsed = time.perf_counter() - start
    df = pd.DataFrame(rows)
    table = _format_table(df)
    print(table)
    if (df["B"] > args.dense_max_b).any():
        print(
            f"\n(a) dense is skipped for B > {args.dense_max_b} (--dense-max-b): "
            "the B x B matrix and its O(B^3) assignment are too large."
        )
    print(
        "\nx_vs_*: speed-up of match_batches over a baseline; time_over_floor: "
        "match_batches time / cost-matrix time."
    )
    targets = _targets(df)
    print("\nTargets (informational):\n" + "\n".join(targets))
    path = write_tables(
        args.output,
        "matching.csv",
        df.assign(
            device=device, threads=args.threads or previous_threads, clock=args.clock
        ),
        "```\n" + table + "\n```\n\n" + "\n".join(targets),
    )
    print(
        f"\nWrote {path} and results.md ({len(df)} rows) in {elapsed:.0f} s of "
        f"measurement; load average after the run: {load_average()}."
    )
    return 0
