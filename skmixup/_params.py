"""The one rulebook for parameters: each shared parameter's constraint is
written once, here, and every function and estimator checks it from here.

Estimators take their ``_parameter_constraints`` from :func:`constraints` (so
scikit-learn's own ``_validate_params`` checks them in ``fit``); public
functions call :func:`check_params`. Both go through scikit-learn's
constraint machinery, so a bad value raises the same
:class:`~sklearn.utils._param_validation.InvalidParameterError` (a
``ValueError`` and a ``TypeError``) naming the parameter, the value received
and what is accepted, wherever it is passed.

The ``random_state`` rule is the package's own (see
:func:`skmixup._random.check_generator`): None, any non-negative int, a
``RandomState`` or a ``Generator`` -- wider than scikit-learn's
``"random_state"`` constraint, which refuses generators and ints of 2**32 and
above.
"""

import numbers

import numpy as np
from sklearn import get_config
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

from ._metrics import METRICS

__all__ = ["SPEC", "check_int", "check_params", "constraints"]


class _IntAtLeast(Interval):
    """An int (numpy ints too, never a bool) of at least ``left``."""

    def __init__(self, left):
        super().__init__(numbers.Integral, left, None, closed="left")

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


class _FiniteRealAtLeast(Interval):
    """A finite real number (never a bool) of at least ``left``."""

    def __init__(self, left):
        super().__init__(numbers.Real, left, None, closed="left")

    def is_satisfied_by(self, val):
        return (
            not isinstance(val, (bool, np.bool_))
            and super().is_satisfied_by(val)
            and bool(np.isfinite(val))
        )

    def __str__(self):
        return f"a finite float >= {float(self.left)}"


class _CountsDict(Options):
    """A dict of class -> target count, each count a non-negative int
    (imbalanced-learn's ``sampling_strategy`` dict: points wanted per class).
    An ``Options`` subclass because scikit-learn's validation accepts only
    its own constraint classes."""

    def __init__(self):
        super().__init__(dict, set())

    def is_satisfied_by(self, val):
        return isinstance(val, dict) and all(
            _IntAtLeast(0).is_satisfied_by(count) for count in val.values()
        )

    def __str__(self):
        return "a dict of class -> non-negative int count"


#: The dict form of ``sampling_strategy`` (its counts checked).
COUNTS_DICT = _CountsDict()

#: The matching features of an estimator: computed from X, standardised or raw.
MATCH_ON_MODES = StrOptions({"standardized", "raw"})

#: The imbalanced-learn strings for ``sampling_strategy``.
SAMPLING_STRINGS = StrOptions(
    {"auto", "minority", "not minority", "not majority", "all"}
)

#: parameter name -> list of accepted forms (scikit-learn constraint syntax).
SPEC = {
    "k": [_IntAtLeast(1)],
    "n_samples": [_IntAtLeast(0)],
    "alpha": [_FiniteRealAtLeast(0)],
    "label_weight": [_FiniteRealAtLeast(0)],
    "metric": [StrOptions(set(METRICS))],
    "random_state": [
        None,
        _IntAtLeast(0),
        np.random.RandomState,
        np.random.Generator,
    ],
    # functions take matching features as an array (or a mode); estimators a mode
    "match_on": [MATCH_ON_MODES, "array-like", None],
    "target": [StrOptions({"hard", "soft", "continuous"})],
    "n_synthetic": [
        _IntAtLeast(1),
        Interval(numbers.Real, 0, None, closed="neither"),
    ],
    "keep_original": ["boolean"],
    "categorical_features": [None, StrOptions({"auto"}), "array-like"],
    "onehot_groups": [None, list, tuple],
    "sampling_strategy": [
        Interval(numbers.Real, 0, 1, closed="right"),
        SAMPLING_STRINGS,
        COUNTS_DICT,
        callable,
        None,
    ],
    "mix_layer": [_IntAtLeast(0), list, tuple],
    "sample_weight": ["array-like", None],
}

#: Where an estimator accepts fewer forms than the functions, the narrower
#: list (still made of the objects above).
_ESTIMATOR_FORMS = {"match_on": [MATCH_ON_MODES]}


def constraints(*names, estimator=True):
    """``{name: constraints}`` for an estimator's ``_parameter_constraints``
    (``estimator=True``: the forms an ``__init__`` parameter can take)."""
    forms = _ESTIMATOR_FORMS if estimator else {}
    return {name: forms.get(name, SPEC[name]) for name in names}


def check_int(value, name, low=1, *, hint=""):
    """``value`` as an int (numpy ints too, never a bool) of at least ``low``.

    The rule of the spec's integer parameters (:class:`_IntAtLeast`) for
    arguments that are not estimator parameters (module sizes). TypeError
    for a non-integer, ValueError for one below ``low``; ``hint`` is
    appended to the message.
    """
    if _IntAtLeast(low).is_satisfied_by(value):
        return int(value)
    error = TypeError
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        error = ValueError
    raise error(f"{name} must be an int >= {low}{hint}; got {value!r}.")


def check_params(caller, **params):
    """Check keyword ``params`` of the function ``caller`` against :data:`SPEC`
    (skipped under ``sklearn.config_context(skip_parameter_validation=True)``,
    as scikit-learn's own functions are). Returns nothing; raises
    ``InvalidParameterError`` (ValueError and TypeError)."""
    if get_config()["skip_parameter_validation"]:
        return
    unknown = set(params) - set(SPEC)
    if unknown:  # pragma: no cover - a programming error, caught by the tests
        raise KeyError(f"no constraint is written for {sorted(unknown)}")
    validate_parameter_constraints(SPEC, params, caller_name=caller)
