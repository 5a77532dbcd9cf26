"""Scores and statistics of the benchmarks: calibration error, ranks, paired tests."""

import math

import numpy as np
from scipy import stats

__all__ = [
    "expected_calibration_error",
    "corrected_resampled_ttest",
    "average_ranks",
]


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
