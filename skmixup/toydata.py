"""Two-dimensional toy data for the qualitative study of k-mixup.

Labelled point clouds whose classes lie on well-separated pieces of a
low-dimensional set: Gaussian clusters around a ring of centres, and the
interleaved arms of a spiral. Two moons come from
:func:`sklearn.datasets.make_moons`. With ``noise=0`` (or ``cluster_std=0``)
each generator returns points *on* the set itself, which the benchmark
``python -m skmixup.benchmarks toy`` uses to measure how far mixed points fall
from the data manifold.
"""

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._params import SPEC
from ._random import check_generator

__all__ = ["make_clusters", "make_spiral"]


def _toy_rng(random_state):
    """The generator of a toy data set, by the package's ``random_state`` rule.

    None, a ``RandomState`` and ints below 2**32 give the ``RandomState``
    the generators have always drawn from (so a seed keeps giving the same
    data); a ``Generator`` is drawn from as it is, and larger ints go
    through :func:`skmixup._random.check_generator`. Both kinds have the
    ``uniform``, ``standard_normal`` and ``permutation`` methods used here.
    """
    if isinstance(random_state, np.random.Generator) or (
        isinstance(random_state, numbers.Integral) and random_state >= 2**32
    ):
        return check_generator(random_state)
    return check_random_state(random_state)


def _balanced_labels(n_samples, n_classes):
    """Class ``c`` gets ``n_samples // n_classes`` points, plus one for the first remainders."""
    return np.arange(n_samples, dtype=np.int64) % n_classes


@validate_params(
    {
        "n_samples": SPEC["n_samples"],
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "radius": [Interval(numbers.Real, 0, None, closed="left")],
        "cluster_std": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": SPEC["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_clusters(
    n_samples=512, n_clusters=8, *, radius=4.0, cluster_std=0.3, random_state=None
):
    r"""Gaussian clusters whose centres sit evenly on a circle.

    Cluster :math:`c` is centred at
    :math:`r(\cos 2\pi c / C, \sin 2\pi c / C)` and holds
    ``n_samples // n_clusters`` points (the first ``n_samples % n_clusters``
    clusters one more), drawn from an isotropic normal distribution. With the
    defaults, neighbouring centres are about 10 standard deviations apart.

    Parameters
    ----------
    n_samples : int, default=512
        Total number of points (0 gives empty arrays).
    n_clusters : int, default=8
        Number of clusters (and of class labels).
    radius : float, default=4.0
        Radius of the circle of centres.
    cluster_std : float, default=0.3
        Standard deviation of each cluster along each axis; ``0`` returns the
        centres themselves.
    random_state : int, RandomState, Generator or None, default=None
        Controls the noise and the order of the points. Pass an int for
        reproducible output across multiple function calls.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points, in random order.
    y : ndarray of shape (n_samples,), int64
        Cluster of each point, in ``0 .. n_clusters - 1``.

    See Also
    --------
    make_spiral : Interleaved spiral arms.
    sklearn.datasets.make_blobs : Gaussian blobs with arbitrary centres.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup.toydata import make_clusters
    >>> X, y = make_clusters(n_samples=10, n_clusters=4, random_state=0)
    >>> X.shape, y.shape
    ((10, 2), (10,))
    >>> np.bincount(y).tolist()
    [3, 3, 2, 2]
    """
    rng = _toy_rng(random_state)
    angles = 2 * np.pi * np.arange(n_clusters) / n_clusters
    centers = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    y = _balanced_labels(n_samples, n_clusters)
    X = centers[y] + cluster_std * rng.standard_normal((n_samples, 2))
    order = rng.permutation(n_samples)
    return X[order], y[order]


def _spiral_points(t, arm, n_arms, turns):
    """Points of arm ``arm`` at curve parameter ``t`` in (0, 1] (radius ``t``)."""
    theta = 2 * np.pi * (turns * t + arm / n_arms)
    return np.column_stack([t * np.cos(theta), t * np.sin(theta)])


@validate_params(
    {
        "n_samples": SPEC["n_samples"],
        "n_arms": [Interval(numbers.Integral, 1, None, closed="left")],
        "turns": [Interval(numbers.Real, 0, None, closed="neither")],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "start": [Interval(numbers.Real, 0, 1, closed="left")],
        "random_state": SPEC["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_spiral(
    n_samples=512,
    *,
    n_arms=2,
    turns=1.5,
    noise=0.02,
    start=0.15,
    random_state=None,
):
    r"""Interleaved arms of an Archimedean spiral, one class per arm.

    Arm :math:`a` of :math:`A` is the curve

    .. math::

        t \mapsto t \, (\cos\theta, \sin\theta), \qquad
        \theta = 2\pi (\tau t + a / A), \qquad t \in [t_0, 1],

    with :math:`\tau` = ``turns``. The parameter is drawn as
    :math:`t = \sqrt{t_0^2 + (1 - t_0^2) u}` with :math:`u` uniform, which
    spreads the points roughly evenly along the arc, and isotropic Gaussian
    noise is added. Along any ray, neighbouring arms are
    :math:`1 / (\tau A)` apart.

    Parameters
    ----------
    n_samples : int, default=512
        Total number of points, split as evenly as possible between arms.
    n_arms : int, default=2
        Number of arms (and of class labels).
    turns : float, default=1.5
        Number of turns each arm makes around the origin.
    noise : float, default=0.02
        Standard deviation of the Gaussian noise; ``0`` puts every point on
        the curve.
    start : float, default=0.15
        Radius :math:`t_0` where the arms begin (they meet at the origin).
    random_state : int, RandomState, Generator or None, default=None
        Controls the positions along the arms, the noise and the order of
        the points. Pass an int for reproducible output across multiple
        function calls.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points, in random order, inside the unit disc up to the noise.
    y : ndarray of shape (n_samples,), int64
        Arm of each point, in ``0 .. n_arms - 1``.

    See Also
    --------
    make_clusters : Gaussian clusters on a ring.
    sklearn.datasets.make_swiss_roll : The three-dimensional swiss roll.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup.toydata import make_spiral
    >>> X, y = make_spiral(n_samples=6, noise=0.0, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((6, 2), [3, 3])
    >>> radius = np.linalg.norm(X, axis=1)
    >>> bool(np.all((radius >= 0.15) & (radius <= 1.0)))
    True
    """
    rng = _toy_rng(random_state)
    y = _balanced_labels(n_samples, n_arms)
    u = rng.uniform(size=n_samples)
    t = np.sqrt(start**2 + (1 - start**2) * u)
    X = _spiral_points(t, y, n_arms, turns) + noise * rng.standard_normal(
        (n_samples, 2)
    )
    order = rng.permutation(n_samples)
    return X[order], y[order]
