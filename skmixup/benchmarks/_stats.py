"""Scores and statistics of the benchmarks: calibration error, ranks, paired tests."""

import math

import numpy as np
from scipy import stats


def expected_calibration_error(y_true, proba, classes, n_bins=15):
    """Top-label expected calibration error (ECE) with equal-width bins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    proba : ndarray of shape (n_samples, n_classes)
        Predicted probabilities, columns in ``classes`` order.
    classes : array-like of shape (n_classes,)
        Labels of the columns of ``proba``.
    n_bins : int, default=15
        Number of equal-width confidence bins on ``[0, 1]``.

    Returns
    -------
    ece : float
        :math:`\\sum_b \\frac{|B_b|}{n} |\\mathrm{acc}(B_b) - \\mathrm{conf}(B_b)|`.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]])
    >>> round(expected_calibration_error([0, 1, 1], proba, [0, 1]), 4)
    0.4
    """
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes)
    y_true = np.asarray(y_true)
    confidence = proba.max(axis=1)
    correct = classes[proba.argmax(axis=1)] == y_true
    # Bin b holds confidences in (b/n_bins, (b+1)/n_bins]; confidence 0 joins bin 0.
    bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    total = 0.0
    for b in np.unique(bins):
        mask = bins == b
        total += mask.sum() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total / len(y_true))


def corrected_resampled_ttest(diff, n_train, n_test):
    """Nadeau-Bengio corrected paired t-test for repeated cross-validation.

    Outer folds share training points, so their score differences are
    correlated and the plain paired t-test is far too optimistic. The
    correction inflates the variance by ``n_test / n_train`` (Nadeau & Bengio,
    2003; Bouckaert & Frank, 2004).

    Parameters
    ----------
    diff : array-like of shape (n_folds,)
        Per-fold score differences between two methods on the same splits.
    n_train, n_test : int
        Training and test sizes of one fold.

    Returns
    -------
    t : float
    p_value : float
        Two-sided. ``nan`` when all differences are equal (no variance):
        ``t`` is then 0 if they are all 0, else infinite.

    Examples
    --------
    >>> t, p = corrected_resampled_ttest([0.01, 0.02, 0.0, 0.01, 0.03], 120, 30)
    >>> round(t, 3), round(p, 3)
    (1.83, 0.141)
    """
    diff = np.asarray(diff, dtype=float)
    n = diff.size
    mean = diff.mean()
    var = diff.var(ddof=1) if n > 1 else 0.0
    if var == 0.0:
        return (0.0 if mean == 0 else math.copysign(math.inf, mean)), math.nan
    t = mean / math.sqrt((1.0 / n + n_test / n_train) * var)
    p = 2.0 * stats.t.sf(abs(t), df=n - 1)
    return float(t), float(p)


def average_ranks(scores, higher_is_better=True):
    """Average rank of each method over datasets (1 = best; ties share ranks).

    Parameters
    ----------
    scores : ndarray of shape (n_datasets, n_methods)

    Returns
    -------
    ranks : ndarray of shape (n_methods,)

    Examples
    --------
    >>> average_ranks(np.array([[0.9, 0.8, 0.85], [0.7, 0.7, 0.6]]))
    array([1.25, 2.25, 2.5 ])
    """
    scores = np.asarray(scores, dtype=float)
    signed = -scores if higher_is_better else scores
    return np.mean([stats.rankdata(row) for row in signed], axis=0)


def corrected_interval(diff, n_train, n_test, level=0.95):
    """Confidence interval of a mean per-fold difference, Nadeau-Bengio corrected.

    The interval of :func:`corrected_resampled_ttest`: mean ± t quantile times
    the corrected standard error ``sqrt((1/n + n_test/n_train) * var)``.

    Parameters
    ----------
    diff, n_train, n_test
        As in :func:`corrected_resampled_ttest`.
    level : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    mean, low, high : float
        ``low == high == mean`` when there is a single fold or no variance.

    Examples
    --------
    >>> mean, low, high = corrected_interval([0.01, 0.02, 0.0, 0.01, 0.03], 120, 30)
    >>> round(mean, 3), round(low, 3), round(high, 3)
    (0.014, -0.007, 0.035)
    """
    diff = np.asarray(diff, dtype=float)
    n = diff.size
    mean = float(diff.mean())
    if n < 2:
        return mean, mean, mean
    se = math.sqrt((1.0 / n + n_test / n_train) * diff.var(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, df=n - 1)) * se
    return mean, mean - half, mean + half


def wilcoxon_signed_rank(diff):
    """Two-sided Wilcoxon signed-rank test of per-dataset differences.

    Zero differences are dropped (Wilcoxon's original treatment), as in
    Demsar (2006) for comparing two classifiers over several datasets.

    Parameters
    ----------
    diff : array-like of shape (n_datasets,)
        One paired difference per dataset (e.g. mean accuracy of k-mixup
        minus that of mixup).

    Returns
    -------
    statistic : float
        The smaller of the two signed-rank sums; ``nan`` without non-zero
        differences.
    p_value : float
        Two-sided; exact for small samples without ties, as
        :func:`scipy.stats.wilcoxon` decides; ``nan`` without non-zero
        differences.

    Examples
    --------
    >>> stat, p = wilcoxon_signed_rank([0.02, 0.015, 0.03, -0.01, 0.04, 0.025, 0.05])
    >>> float(stat), round(p, 3)
    (1.0, 0.031)
    """
    diff = np.asarray(diff, dtype=float)
    if not np.any(diff != 0):
        return math.nan, math.nan
    # Zeros dropped here rather than by zero_method="wilcox": older scipy
    # (1.10 to 1.13 at least) uses the normal approximation whenever zeros
    # are passed, even for samples small enough for the exact p-value.
    diff = diff[diff != 0]
    result = stats.wilcoxon(diff, zero_method="wilcox", alternative="two-sided")
    return float(result.statistic), float(result.pvalue)


def friedman_test(scores):
    """Friedman test that all methods rank equally over the datasets.

    Parameters
    ----------
    scores : ndarray of shape (n_datasets, n_methods)
        At least 3 methods and 2 datasets.

    Returns
    -------
    statistic, p_value : float
        From :func:`scipy.stats.friedmanchisquare`; ``nan`` when every
        dataset ranks the methods the same with all ties.

    Examples
    --------
    >>> scores = np.array([[0.9, 0.8, 0.7], [0.8, 0.7, 0.6], [0.7, 0.75, 0.6]])
    >>> stat, p = friedman_test(scores)
    >>> round(stat, 3), round(p, 3)
    (4.667, 0.097)
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 2 or scores.shape[1] < 3 or scores.shape[0] < 2:
        raise ValueError(
            "scores must have shape (n_datasets >= 2, n_methods >= 3); got "
            f"shape {scores.shape}."
        )
    if all(np.all(row == row[0]) for row in scores):
        return math.nan, math.nan
    result = stats.friedmanchisquare(*scores.T)
    return float(result.statistic), float(result.pvalue)


def nemenyi_critical_difference(n_methods, n_datasets, alpha=0.05):
    """Critical difference of average ranks for the Nemenyi test (Demsar, 2006).

    Two methods whose average ranks over ``n_datasets`` differ by more than
    ``q_alpha * sqrt(k (k + 1) / (6 N))`` perform significantly differently,
    where ``q_alpha`` is the studentized range quantile divided by sqrt(2).

    Examples
    --------
    >>> round(nemenyi_critical_difference(3, 26), 3)
    0.65
    """
    q = stats.studentized_range.ppf(1 - alpha, n_methods, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(n_methods * (n_methods + 1) / (6.0 * n_datasets)))


def plot_critical_difference(ax, ranks, cd, title="", friedman_p=None):
    """Draw a critical-difference diagram: average ranks on an axis, with a
    bar of length ``cd`` and lines joining methods closer than ``cd``.

    Parameters
    ----------
    ax : matplotlib Axes
    ranks : dict of str to float
        Average rank of each method (1 = best).
    cd : float
        The critical difference (:func:`nemenyi_critical_difference`).
    title : str, default=""
    friedman_p : float, default=None
        The Friedman test's p-value, added to the title when given.
    """
    if friedman_p is not None:
        title += f" (Friedman p {format_p_equals(friedman_p)})"
    names = sorted(ranks, key=ranks.get)
    values = [ranks[n] for n in names]
    k = len(names)
    low, high = 1, max(k, math.ceil(max(values)))
    ax.set_xlim(high + 0.3, low - 0.3)  # best (rank 1) on the right
    ax.set_ylim(-1.6 - 0.4 * k, 1.2)
    ax.axhline(0, color="k", lw=1)
    for r in range(low, high + 1):
        ax.plot([r, r], [0, 0.12], color="k", lw=1)
        ax.text(r, 0.25, str(r), ha="center", va="bottom", fontsize=8)
    for i, (name, value) in enumerate(zip(names, values)):
        y = -0.5 - 0.4 * i
        ax.plot([value, value], [0, y], color="C0", lw=1)
        ax.plot(value, 0, "o", color="C0", ms=4)
        ax.text(
            value, y - 0.05, f"{name} ({value:.2f})", ha="center", va="top", fontsize=8
        )
    # groups of methods not significantly different: maximal runs within cd
    groups = []
    for i in range(k):
        j = i
        while j + 1 < k and values[j + 1] - values[i] <= cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in groups):
            groups.append((i, j))
    for level, (i, j) in enumerate(groups):
        y = -0.25 - 0.12 * level
        ax.plot([values[i] - 0.03, values[j] + 0.03], [y, y], color="k", lw=3)
    ax.plot([high, high - cd], [0.85, 0.85], color="C3", lw=2)
    ax.text(high - cd / 2, 0.95, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def format_p(p):
    """A p-value for a report: ``'0.123'``, ``'< 0.001'`` or ``'n/a'`` (nan).

    Examples
    --------
    >>> format_p(0.0456), format_p(2e-5), format_p(float("nan"))
    ('0.046', '< 0.001', 'n/a')
    """
    if not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def format_p_equals(p):
    """``'= 0.123'``, ``'< 0.001'`` or ``'= n/a'``, to follow a ``p``.

    Examples
    --------
    >>> "p " + format_p_equals(0.5), "p " + format_p_equals(1e-9)
    ('p = 0.500', 'p < 0.001')
    """
    text = format_p(p)
    return text if text.startswith("<") else f"= {text}"


def paired_test(diff, n_train, n_test):
    """The corrected paired test of per-fold differences, as a table row.

    Returns
    -------
    row : dict
        ``mean_diff``, ``ci_low``, ``ci_high`` (:func:`corrected_interval`),
        ``t`` and ``p_value`` (:func:`corrected_resampled_ttest`).
    """
    t, p = corrected_resampled_ttest(diff, n_train, n_test)
    mean, low, high = corrected_interval(diff, n_train, n_test)
    return {"mean_diff": mean, "ci_low": low, "ci_high": high, "t": t, "p_value": p}


def fold_tests(df, by, pairs, metrics, column="method", **extra):
    """:func:`paired_test` rows of each ``(method, baseline)`` pair of values of
    ``column``, per group of the columns ``by`` and metric, the outer folds
    matched by ``(repeat, fold)``; ``extra``: more columns of every row."""
    rows = []
    for key, sub in df.groupby(by, sort=False):
        for method, base in pairs:
            a, b = (
                sub[sub[column] == m].sort_values(["repeat", "fold"])
                for m in (method, base)
            )
            sizes = int(a.n_train.mean()), int(a.n_test.mean())
            for metric in metrics:
                diff = a[metric].to_numpy() - b[metric].to_numpy()
                rows.append(
                    {
                        **dict(zip(by, key)),
                        **extra,
                        column: method,
                        "baseline": base,
                        "metric": metric,
                        **paired_test(diff, *sizes),
                    }
                )
    return rows


def compare_over_datasets(diff, higher_is_better=True, tol=1e-9):
    """Wins, ties and losses over datasets and the Wilcoxon signed-rank test.

    Parameters
    ----------
    diff : pandas.Series
        One difference per dataset (method minus baseline).
    higher_is_better : bool, default=True
    tol : float, default=1e-9
        Differences within ``tol`` of 0 are ties.
    """
    better = diff if higher_is_better else -diff
    stat, p = wilcoxon_signed_rank(diff.to_numpy())
    return {
        "wins": int((better > tol).sum()),
        "ties": int((better.abs() <= tol).sum()),
        "losses": int((better < -tol).sum()),
        "mean_diff": float(diff.mean()),
        "wilcoxon_stat": stat,
        "wilcoxon_p": p,
    }


def rank_summary(scores, names, higher_is_better=True):
    """Average ranks by name, with the Friedman p and the Nemenyi critical
    difference (``friedman_p``, ``cd``) from two datasets on."""
    scores = np.asarray(scores, dtype=float)
    entry = dict(zip(names, average_ranks(scores, higher_is_better).tolist()))
    if len(scores) >= 2:
        entry["friedman_p"] = friedman_test(scores)[1]
        entry["cd"] = nemenyi_critical_difference(len(names), len(scores))
    return entry


def rank_line(head, ranks, labels):
    """``head``, then each method's average rank (``labels``: key -> label, in
    the order shown), then the Friedman p and the Nemenyi critical difference
    when :func:`rank_summary` gave them."""
    text = head + ", ".join(
        f"{label} {ranks[key]:.2f}" for key, label in labels.items()
    )
    if "cd" in ranks:
        text += (
            f" (Friedman p {format_p_equals(ranks['friedman_p'])}; Nemenyi critical "
            f"difference {ranks['cd']:.2f})"
        )
    return text
