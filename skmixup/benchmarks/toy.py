"""The paper's qualitative study on 2-D data, made quantitative.

``python -m skmixup.benchmarks toy`` mixes three labelled 2-D data sets with
k-mixup for ``k`` from 1 to 128 and both matching costs, and measures the
cross-class pair rate (next to :func:`min_cross_pairs`) and the distance of
the mixed points to the data manifold (``docs/benchmarks.rst``). It writes
``toy.csv``, ``mixed_points_<metric>.png``, ``cross_rate.png`` and
``manifold_distance.png``.
"""

import os
import sys
import time

import numpy as np
from scipy.spatial import cKDTree
from sklearn.datasets import make_moons

from skmixup import kmixup_batch
from skmixup.toydata import make_clusters, make_spiral

from ._common import positive_int, writable_output
from ._runner import pyplot, save_figure

__all__ = ["min_cross_pairs", "cross_pair_counts", "run_study"]

DESCRIPTION = (
    "Qualitative 2-D study: mixed points and cross-class pair rate vs k "
    "(clusters, moons, spiral; sqeuclidean vs euclidean cost)."
)

KS = (1, 2, 4, 8, 16, 32, 64, 128)
QUICK_KS = (1, 4, 16, 64)
GRID_KS = (1, 4, 16, 64)
METRICS = ("sqeuclidean", "euclidean")
DATASETS = ("clusters", "moons", "spiral")
DEFAULT_OUTPUT = os.path.join("benchmark_results", "toy")
#: Points on the noiseless moon and spiral curves used to measure distances
#: (spacing about 1e-3, well below the data noise).
_N_REFERENCE = 20_000

CSV_FIELDS = (
    "dataset",
    "metric",
    "k",
    "cross_rate",
    "cross_rate_sd",
    "forced_rate",
    "excess_rate",
    "diff_vs_first",
    "diff_vs_first_se",
    "manifold_distance",
    "data_distance",
    "n_seeds",
)


def min_cross_pairs(counts_a, counts_b):
    r"""Least number of cross-class pairs in any matching of two k-batches.

    If a k-batch holds :math:`n_c` points of class :math:`c` and its partner
    k-batch :math:`m_c`, a one-to-one matching pairs at most
    :math:`\min(n_c, m_c)` points of class :math:`c` together, so at least

    .. math::

        k - \sum_c \min(n_c, m_c)

    pairs join two classes, whatever the matching; a matching that reaches
    this number exists.

    Parameters
    ----------
    counts_a, counts_b : array-like of int, shape (..., n_classes)
        Class counts of the anchor and partner k-batches; the leading
        dimensions index pairs of k-batches. Matched k-batches have the same
        size, so ``counts_a`` and ``counts_b`` must have the same sums along
        the last axis.

    Returns
    -------
    forced : ndarray of int64, shape (...)
        The least number of cross-class pairs of each pair of k-batches (a
        numpy integer for 1-D counts).

    See Also
    --------
    cross_pair_counts : Crossings and their minimum, per k-batch of a draw.

    Examples
    --------
    >>> from skmixup.benchmarks.toy import min_cross_pairs
    >>> int(min_cross_pairs([2, 1, 0], [0, 1, 2]))  # one pair can stay in class 1
    2
    >>> min_cross_pairs([[4, 0], [1, 1]], [[2, 2], [1, 1]]).tolist()
    [2, 0]
    """
    a = np.asarray(counts_a)
    b = np.asarray(counts_b)
    if a.shape != b.shape or a.ndim == 0:
        raise ValueError(
            "counts_a and counts_b must have the same shape (..., n_classes); "
            f"got {a.shape} and {b.shape}."
        )
    if a.dtype.kind not in "iu" or b.dtype.kind not in "iu":
        raise TypeError(
            "counts_a and counts_b must hold integer class counts; "
            f"got dtypes {a.dtype} and {b.dtype}."
        )
    if (a < 0).any() or (b < 0).any():
        raise ValueError("counts_a and counts_b must be >= 0.")
    k = a.sum(axis=-1)
    if not np.array_equal(k, b.sum(axis=-1)):
        raise ValueError(
            "counts_a and counts_b must describe k-batches of the same size "
            "(equal sums along the last axis)."
        )
    return (k - np.minimum(a, b).sum(axis=-1)).astype(np.int64)


def cross_pair_counts(labels, partner, group):
    """Cross-class pairs of one k-mixup draw, and the least possible, per k-batch.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Class of each point of the batch (any hashable labels).
    partner : array-like of int, shape (n_samples,)
        ``partner[i]`` is the point ``i`` was mixed with
        (:attr:`skmixup.KMixupDraw.partner`).
    group : array-like of int, shape (n_samples,)
        k-batch of each point (:attr:`skmixup.KMixupDraw.group`), numbered
        from 0. The partner k-batch of group ``g`` is the set
        ``partner[group == g]``.

    Returns
    -------
    crossings : ndarray of int64, shape (n_groups,)
        Number of points of each k-batch mixed with a point of another class.
    forced : ndarray of int64, shape (n_groups,)
        The least number of such pairs any matching of the same two k-batches
        could have (:func:`min_cross_pairs`); ``crossings >= forced``.
    sizes : ndarray of int64, shape (n_groups,)
        Number of points of each k-batch.

    See Also
    --------
    min_cross_pairs : The bound from class counts.
    skmixup.kmixup_batch : Draws the pairs (``return_info=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup.benchmarks.toy import cross_pair_counts
    >>> labels = np.array([0, 0, 1, 1])
    >>> # k-batch 0 = points {0, 2}, mixed with its partner k-batch {1, 3}
    >>> partner = np.array([3, 2, 1, 0])
    >>> group = np.array([0, 1, 0, 1])
    >>> crossings, forced, sizes = cross_pair_counts(labels, partner, group)
    >>> crossings.tolist(), forced.tolist(), sizes.tolist()
    ([2, 2], [0, 0], [2, 2])
    """
    labels = np.asarray(labels)
    partner = np.asarray(partner)
    group = np.asarray(group)
    if not (labels.ndim == partner.ndim == group.ndim == 1) or not (
        labels.shape == partner.shape == group.shape
    ):
        raise ValueError(
            "labels, partner and group must be 1-D arrays of the same length; "
            f"got shapes {labels.shape}, {partner.shape} and {group.shape}."
        )
    if partner.dtype.kind not in "iu" or group.dtype.kind not in "iu":
        raise TypeError("partner and group must be integer arrays.")
    _, lab = np.unique(labels, return_inverse=True)
    lab = lab.reshape(-1)
    n_classes = int(lab.max()) + 1 if lab.size else 1
    n_groups = int(group.max()) + 1 if group.size else 0
    size = n_groups * n_classes

    def counts(of):
        flat = np.bincount(group * n_classes + of, minlength=size)
        return flat.reshape(n_groups, n_classes)

    partner_lab = lab[partner]
    crossings = np.bincount(group, weights=lab != partner_lab, minlength=n_groups)
    forced = min_cross_pairs(counts(lab), counts(partner_lab))
    sizes = np.bincount(group, minlength=n_groups)
    return crossings.astype(np.int64), forced, sizes.astype(np.int64)


def _make_data(name, n_samples, n_clusters, seed):
    """One labelled draw of a data set, and the noiseless set it lies around."""
    if name == "clusters":
        X, y = make_clusters(n_samples, n_clusters, random_state=seed)
        ref, _ = make_clusters(n_clusters, n_clusters, cluster_std=0.0)
    elif name == "moons":
        X, y = make_moons(n_samples, noise=0.1, random_state=seed)
        ref, _ = make_moons(_N_REFERENCE, noise=0.0)
    elif name == "spiral":
        X, y = make_spiral(n_samples, random_state=seed)
        ref, _ = make_spiral(_N_REFERENCE, noise=0.0, random_state=0)
    else:
        raise ValueError(f"dataset must be one of {DATASETS}; got {name!r}.")
    return X, y, ref


def run_study(
    datasets=DATASETS,
    ks=KS,
    metrics=METRICS,
    seeds=range(10),
    n_samples=512,
    n_clusters=8,
    alpha=1.0,
):
    """Measure cross-class pairs and distance to the manifold, averaged over seeds.

    For every seed, each data set is drawn once (``random_state=seed``) and
    mixed once per ``(k, metric)`` with ``kmixup_batch(..., random_state=seed)``:
    the shuffle and the mixing weights do not depend on the metric, so the
    two metrics match the very same k-batches.

    Parameters
    ----------
    datasets : sequence of {"clusters", "moons", "spiral"}
    ks : sequence of int
    metrics : sequence of {"sqeuclidean", "euclidean"}
    seeds : sequence of int
    n_samples : int, default=512
        Points per draw (one batch).
    n_clusters : int, default=8
        Number of clusters of the ``"clusters"`` data set.
    alpha : float, default=1.0
        Parameter of the Beta distribution of the mixing weights.

    Returns
    -------
    rows : list of dict
        One row per ``(dataset, metric, k)`` with the keys of
        ``CSV_FIELDS``: mean cross-class pair rate and its standard deviation
        over seeds, forced (least possible) rate, their difference
        (``excess_rate``), the cross rate minus that of ``metrics[0]`` on the
        same draws (``diff_vs_first``, paired over seeds, with its standard
        error ``diff_vs_first_se``), the mean distance of the mixed points to
        the manifold and, for reference, of the data points themselves.

    See Also
    --------
    cross_pair_counts : The per-k-batch counts behind the rates.

    Examples
    --------
    >>> from skmixup.benchmarks.toy import run_study
    >>> rows = run_study(["clusters"], ks=[1, 8], metrics=["euclidean"], seeds=[0])
    >>> [(r["k"], r["cross_rate"] >= r["forced_rate"]) for r in rows]
    [(1, True), (8, True)]
    """
    seeds = list(seeds)
    rows = []
    for name in datasets:
        cross = np.zeros((len(metrics), len(ks), len(seeds)))
        forced = np.zeros_like(cross)
        dist = np.zeros_like(cross)
        data_dist = np.zeros(len(seeds))
        for s, seed in enumerate(seeds):
            X, y, ref = _make_data(name, n_samples, n_clusters, seed)
            tree = cKDTree(ref)
            data_dist[s] = tree.query(X)[0].mean()
            mix = dict(alpha=alpha, random_state=seed, return_info=True)
            for m, metric in enumerate(metrics):
                for j, k in enumerate(ks):
                    X_mix, _, info = kmixup_batch(X, k=k, metric=metric, **mix)
                    c, f, _ = cross_pair_counts(y, info.partner, info.group)
                    cross[m, j, s] = c.sum() / len(y)
                    forced[m, j, s] = f.sum() / len(y)
                    dist[m, j, s] = tree.query(X_mix)[0].mean()
        diff = cross - cross[:1]
        diff_se = (
            diff.std(axis=-1, ddof=1) / np.sqrt(len(seeds))
            if len(seeds) > 1
            else np.full(diff.shape[:2], np.nan)
        )
        for m, metric in enumerate(metrics):
            for j, k in enumerate(ks):
                rows.append(
                    {
                        "dataset": name,
                        "metric": metric,
                        "k": int(k),
                        "cross_rate": float(cross[m, j].mean()),
                        "cross_rate_sd": float(cross[m, j].std()),
                        "forced_rate": float(forced[m, j].mean()),
                        "excess_rate": float((cross[m, j] - forced[m, j]).mean()),
                        "diff_vs_first": float(diff[m, j].mean()),
                        "diff_vs_first_se": float(diff_se[m, j]),
                        "manifold_distance": float(dist[m, j].mean()),
                        "data_distance": float(data_dist.mean()),
                        "n_seeds": len(seeds),
                    }
                )
    return rows


# --------------------------------------------------------------------------
# output: table, CSV, figures


def format_table(rows):
    """The study as text: one block per data set, the metrics side by side."""
    import pandas as pd

    blocks = []
    for name, df in pd.DataFrame(rows).groupby("dataset", sort=False):
        columns = ["cross_rate", "diff_vs_first", "diff_vs_first_se"]
        wide = df.pivot(
            index="k", columns="metric", values=columns + ["manifold_distance"]
        )
        wide.insert(0, ("forced_rate", ""), df.groupby("k").forced_rate.first())
        blocks.append(
            f"{name}: cross-class pair rate (forced = least possible given the "
            f"k-batches' class counts), its difference to the {df.metric.iloc[0]} "
            "cost (± s.e.), and mean distance of mixed points to the manifold "
            f"(data: {df.data_distance.iloc[0]:.3f}); {df.n_seeds.iloc[0]} seeds\n"
            + wide.to_string(float_format="{:.3f}".format)
        )
    return "\n\n".join(blocks) + "\n"


def _plot_mixed_grid(plt, metric, ks, n_samples, n_clusters, path):
    fig, axes = plt.subplots(
        len(DATASETS),
        len(ks),
        figsize=(2.6 * len(ks), 2.6 * len(DATASETS)),
        squeeze=False,
    )
    for i, name in enumerate(DATASETS):
        X, y, _ = _make_data(name, n_samples, n_clusters, seed=0)
        for j, k in enumerate(ks):
            X_mix, _, info = kmixup_batch(
                X, k=k, alpha=1.0, metric=metric, random_state=0, return_info=True
            )
            rate = np.mean(y != y[info.partner])
            ax = axes[i, j]
            ax.scatter(X[:, 0], X[:, 1], c=y, cmap="tab10", s=6, alpha=0.25, lw=0)
            ax.scatter(X_mix[:, 0], X_mix[:, 1], c="k", s=3, lw=0)
            ax.set_title(f"{name}, k={k} (cross {rate:.2f})", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect("equal")
    fig.suptitle(f"k-mixup mixed points (dark) over the data (light), {metric} cost")
    save_figure(fig, path)


def _plot_curves(plt, rows, key, ylabel, path):
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 3.4))
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, datasets):
        for metric in metrics:
            sub = [r for r in rows if r["dataset"] == name and r["metric"] == metric]
            ks = [r["k"] for r in sub]
            ax.plot(ks, [r[key] for r in sub], "o-", ms=4, label=metric)
        # the reference, the same for every metric (the same k-batches)
        if key == "cross_rate":
            ax.plot(ks, [r["forced_rate"] for r in sub], "k--", label="forced minimum")
        else:
            ax.plot(ks, [sub[0]["data_distance"]] * len(ks), "k--", label="data points")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("k")
        ax.set_title(name)
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel(ylabel)
    axes[0].legend(fontsize=8)
    save_figure(fig, path)


# --------------------------------------------------------------------------
# command line


def add_arguments(parser):
    """Options of ``python -m skmixup.benchmarks toy``."""
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help=f"folder for the CSV table and the PNG figures (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"k in {QUICK_KS} and 3 seeds (a smoke run of a few seconds)",
    )
    parser.add_argument(
        "--seeds",
        type=positive_int,
        default=None,
        metavar="N",
        help="number of seeds averaged (default: 20, or 3 with --quick)",
    )
    parser.add_argument(
        "--n-samples",
        type=positive_int,
        default=512,
        metavar="N",
        help="points per draw of each data set (default: 512)",
    )
    parser.add_argument(
        "--n-clusters",
        type=positive_int,
        default=8,
        metavar="C",
        help="clusters of the 'clusters' data set (default: 8)",
    )


def run(args):
    """Run the study, print the table, write ``toy.csv`` and the figures."""
    import pandas as pd

    if not writable_output(args.output):
        return 2
    try:
        plt = pyplot()
    except ImportError:
        print(
            "error: the toy benchmark draws figures with matplotlib; "
            "install it with `pip install skmixup[benchmarks]`.",
            file=sys.stderr,
        )
        return 2

    # k is capped at half the batch (effective_k): larger values repeat it
    ks = [k for k in (QUICK_KS if args.quick else KS) if k <= args.n_samples // 2]
    ks = ks or [1]
    n_seeds = args.seeds or (3 if args.quick else 20)
    start = time.perf_counter()
    rows = run_study(
        ks=ks,
        seeds=range(n_seeds),
        n_samples=args.n_samples,
        n_clusters=args.n_clusters,
    )
    print(format_table(rows))

    frame = pd.DataFrame(rows, columns=list(CSV_FIELDS))
    frame.to_csv(os.path.join(args.output, "toy.csv"), index=False, float_format="%.6f")
    grid_ks = [k for k in GRID_KS if k <= args.n_samples // 2] or [1]
    for metric in METRICS:
        path = os.path.join(args.output, f"mixed_points_{metric}.png")
        _plot_mixed_grid(plt, metric, grid_ks, args.n_samples, args.n_clusters, path)
    for key, ylabel in (
        ("cross_rate", "cross-class pair rate"),
        ("manifold_distance", "mean distance to manifold"),
    ):
        _plot_curves(plt, rows, key, ylabel, os.path.join(args.output, f"{key}.png"))
    print(
        f"wrote toy.csv, mixed_points_*.png, cross_rate.png and manifold_distance.png "
        f"to {args.output} in {time.perf_counter() - start:.1f} s"
    )
    return 0
