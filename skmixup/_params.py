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
    StrOptions,
    validate_parameter_constraints,
)

from ._metrics import METRICS

__all__ = ["SPEC", "check_params", "constraints"]


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
        dict,
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
