"""C-Mixup's partner sampling (Yao et al., 2022) as a k-mixup draw record.

C-Mixup pairs each point with a partner drawn with probability falling with
the distance between their targets. It is written here once, as a function
that returns the package's draw record (:class:`~skmixup.KMixupDraw`), so the
one mixing code applies it (:func:`~skmixup.apply_draw`, or a net's
:meth:`~skmixup.KMixupRegressor.mix_batch` override).
"""

import numpy as np

from ._mixing import KMixupDraw, identity_draw
from ._params import check_params
from ._random import check_generator

__all__ = ["cmixup_pairs"]


def cmixup_pairs(y, *, bandwidth=1.0, alpha=1.0, random_state=None):
    r"""Draw C-Mixup pairs: partners sampled by a Gaussian kernel on the targets.

    Point :math:`i` is mixed with a partner :math:`j \ne i` drawn with
    probability

    .. math::

        P(j \mid i) \propto \exp\left(-\frac{\|y_i - y_j\|^2}{2 \sigma^2}\right),

    and with its own weight :math:`\lambda_i \sim \mathrm{Beta}(\alpha,
    \alpha)` [1]_. The distance is taken on ``y`` as given, as in the paper
    (which tunes :math:`\sigma` on the raw labels): standardise ``y`` first
    to give ``bandwidth`` in units of the target's standard deviation. The
    result is the draw record :func:`kmixup_batch` returns, so
    :func:`apply_draw` mixes inputs and targets with it exactly as k-mixup
    mixes them: C-Mixup differs from mixup in who is paired, not in how.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Regression targets (finite).
    bandwidth : float, default=1.0
        :math:`\sigma > 0`, in the units of ``y``. A small bandwidth pairs
        each point with its nearest targets; a large one approaches mixup's
        uniform partner.
    alpha : float, default=1.0
        Parameter of the Beta distribution of the weights; ``0`` disables
        mixing (every point is its own partner, with weight 1).
    random_state : int, RandomState, Generator or None, default=None
        Source of the weights, partners and picks, by the package's one rule
        (:func:`skmixup._random.check_generator`).

    Returns
    -------
    draw : KMixupDraw
        ``partner`` (never the point itself when ``n_samples >= 2``), ``lam``,
        ``pick`` as for k-mixup; each point is its own group (``k=1``).

    Raises
    ------
    ValueError
        A bandwidth that is not a positive finite float, non-finite ``y``,
        or an invalid ``alpha``.

    See Also
    --------
    apply_draw : Mix arrays with a draw record.
    kmixup_pairs : The k-mixup draw (optimal-transport matching).

    Notes
    -----
    The kernel is an ``n_samples x n_samples`` matrix: meant for a
    mini-batch, as C-Mixup is used.

    References
    ----------
    .. [1] H. Yao, Y. Wang, L. Zhang, J. Zou, C. Finn. "C-Mixup: Improving
       Generalization in Regression". NeurIPS 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import apply_draw, cmixup_pairs
    >>> y = np.array([0.0, 0.1, 5.0, 5.1])
    >>> draw = cmixup_pairs(y, bandwidth=0.01, random_state=0)
    >>> draw.partner.tolist()
    [1, 0, 3, 2]
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> X_mix, y_mix = apply_draw(draw, X, y)
    >>> X_mix.shape, y_mix.shape
    ((4, 2), (4,))
    """
    check_params("cmixup_pairs", alpha=alpha, random_state=random_state)
    if (
        isinstance(bandwidth, (bool, np.bool_))
        or not isinstance(bandwidth, (int, float, np.integer, np.floating))
        or not np.isfinite(bandwidth)
        or bandwidth <= 0
    ):
        raise ValueError(
            f"bandwidth must be a finite float > 0 (the kernel's sigma, in the "
            f"units of y); got {bandwidth!r}."
        )
    y = np.asarray(y, dtype=np.float64)
    if y.ndim not in (1, 2) or not np.isfinite(y).all():
        raise ValueError(
            "y must be a finite array of shape (n_samples,) or (n_samples, "
            f"n_targets); got shape {y.shape} (or NaN/infinity in it)."
        )
    n = y.shape[0]
    rng = check_generator(random_state)
    if alpha == 0 or n < 2:
        return identity_draw(n, 1)
    Y = y.reshape(n, -1)
    sq = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(axis=-1)
    logits = -sq / (2.0 * float(bandwidth) ** 2)
    np.fill_diagonal(logits, -np.inf)
    # in log space: a tiny bandwidth keeps the nearest target's weight at 1
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(weights, axis=1)
    lam = rng.beta(alpha, alpha, size=n)
    u = rng.random(n) * cdf[:, -1]
    partner = (cdf < u[:, None]).sum(axis=1).astype(np.int64)
    pick = rng.random(n) < lam
    return KMixupDraw(partner, lam, np.arange(n, dtype=np.int64), 1, pick)
