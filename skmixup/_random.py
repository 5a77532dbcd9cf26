"""The one rule that turns ``random_state`` into random draws.

Every function and estimator of the package resolves its ``random_state``
with :func:`check_generator`, so the same value means the same draws
everywhere: ``kmixup_pairs(X, random_state=0)`` and
``kmixup_batch(X, random_state=0)`` pair the same points, and an estimator
seeded with ``0`` starts from the same generator.
"""

import numbers

import numpy as np

__all__ = ["check_generator"]


def check_generator(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        - None: a new generator seeded from numpy's global ``RandomState``,
          so ``np.random.seed`` makes unseeded calls reproducible, as in
          scikit-learn;
        - an int: ``numpy.random.default_rng(random_state)``;
        - a ``RandomState``: a new generator seeded by one draw from it (the
          ``RandomState`` advances, so successive calls differ);
        - a ``Generator``: used as it is (it advances).

    Returns
    -------
    rng : numpy.random.Generator

    Raises
    ------
    TypeError
        For any other type.
    ValueError
        For a negative int.

    Examples
    --------
    >>> from skmixup._random import check_generator
    >>> a = check_generator(0).permutation(5)
    >>> b = check_generator(0).permutation(5)
    >>> bool((a == b).all())
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        random_state = np.random.mtrand._rand
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31 - 1, size=4))
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        if random_state < 0:
            raise ValueError(
                f"random_state must be a non-negative int; got {random_state}."
            )
        return np.random.default_rng(int(random_state))
    raise TypeError(
        "random_state must be None, an int, a numpy RandomState or a numpy "
        f"Generator; got {type(random_state).__name__}."
    )
