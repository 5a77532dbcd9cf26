"""Target policies: what each estimator does with ``y``, written once.

A policy object says how the targets of one kind are checked and encoded
(:meth:`~TargetPolicy.prepare`), how the targets of synthetic points are made
(:meth:`~TargetPolicy.resample` for the augmenter and the Dask path,
:meth:`~TargetPolicy.training_rows` for :class:`~skmixup.KMixupEstimator`,
:meth:`~TargetPolicy.mixing_targets` for a net's mini-batch), which container
they come back in (:meth:`~TargetPolicy.wrap`) and what the Dask path must
announce before it computes them (:meth:`~TargetPolicy.result_spec`).

====================  ==========================================================
policy                used by
====================  ==========================================================
:data:`HARD`          ``KMixupAugmenter(target="hard")``; ``KMixupEstimator``
                      around a classifier whose ``fit`` takes no sample_weight
:data:`SOFT`          ``KMixupAugmenter(target="soft")``; ``KMixupClassifier``
                      (one-hot rows mixed per mini-batch)
:data:`CONTINUOUS`    ``KMixupAugmenter(target="continuous")``;
                      ``KMixupEstimator`` around a regressor; ``KMixupRegressor``
:data:`SPLIT_WEIGHT`  ``KMixupEstimator`` around a classifier that takes
                      ``sample_weight``
====================  ==========================================================

:data:`TARGETS` maps the augmenter's ``target`` names to their policy;
:func:`get_target` refuses any other name, so an unknown value cannot fall
through to a default branch.
"""

from abc import ABC, abstractmethod
from functools import lru_cache

import numpy as np
from sklearn.utils.multiclass import type_of_target

from ._mixing import mix_rows, pick_rows, split_rows
from ._resample import Synthetic

__all__ = [
    "CONTINUOUS",
    "HARD",
    "SOFT",
    "SPLIT_WEIGHT",
    "TARGETS",
    "encode_labels",
    "get_target",
]


def encode_labels(y, classes, fix="refit"):
    """Positions of the labels ``y`` in ``classes`` (any label type, vectorised).

    ``classes`` need not be sorted. A label that is not in ``classes`` raises
    a ValueError naming it; ``fix`` says what to do about it.
    """
    y, classes = np.asarray(y), np.asarray(classes)
    order = np.argsort(classes, kind="stable")
    pos = np.searchsorted(classes, y, sorter=order)
    idx = order[np.clip(pos, 0, len(classes) - 1)]
    unknown = classes[idx] != y
    if np.any(unknown):
        raise ValueError(
            f"y contains labels not in classes_ {classes.tolist()!r}: "
            f"{np.unique(y[unknown]).tolist()!r}. {fix}"
        )
    return idx.astype(np.int64)


def label_type_error(y_type, owner, target):
    """The error for targets that are not class labels."""
    if y_type in ("multilabel-indicator", "multiclass-multioutput"):
        return ValueError(
            "Multilabel and multioutput targets are not supported: y must hold "
            "one class per sample (a 1-D label array or a one-hot matrix)."
        )
    return ValueError(
        f"Unknown label type: {y_type!r}. {owner} with target={target!r} needs "
        "class labels; to mix regression targets linearly pass "
        "target='continuous'."
    )


def one_class_error(owner, label=None):
    """The error for class labels holding a single class."""
    which = "" if label is None else f" ({label!r})"
    return ValueError(
        f"y has only one class{which}; {owner} needs at least 2 classes, since "
        "a classifier cannot be trained on one."
    )


def class_codes(y, owner, target):
    """Classes and integer codes of class labels (1-d labels or a one-hot matrix)."""
    y_type = type_of_target(y, input_name="y")
    if y_type == "multilabel-indicator" and np.all(y.sum(axis=1) == 1):
        classes, codes = np.arange(y.shape[1]), y.argmax(axis=1)
    elif y_type in ("binary", "multiclass"):
        classes, codes = np.unique(y.reshape(-1), return_inverse=True)
    else:
        raise label_type_error(y_type, owner, target)
    if len(np.unique(codes)) < 2:
        raise one_class_error(owner, np.unique(y.reshape(-1))[0])
    return classes, codes


def check_numeric_y(y, owner):
    """Refuse ``y`` that holds strings (or string categories), naming y.

    Regression targets are mixed linearly; without this check the error is
    numpy's "could not convert string to float", which names neither ``y``
    nor the fix (and, for a pandas categorical, blames X).
    """
    dtype = getattr(y, "dtype", None)
    if dtype is not None and str(dtype) == "category":
        values = np.asarray(y.cat.categories)
    else:
        values = np.asarray(y)
    if values.dtype.kind not in "OUS":
        return
    bad = [
        v for v in values.ravel() if isinstance(v, (str, bytes)) and not _is_float(v)
    ]
    if bad:
        raise ValueError(
            f"{owner} needs numeric regression targets in y; y holds strings "
            f"such as {str(bad[0])!r}. Pass class labels to a classifier (or "
            "KMixupAugmenter with target='hard' or 'soft'), or encode y as "
            "numbers first."
        )


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _wrap_values(y, values):
    """``values`` in the container of ``y`` (Series, DataFrame, list or ndarray)."""
    if hasattr(y, "iloc"):
        import pandas as pd

        if y.ndim == 1:
            return pd.Series(values, name=y.name)
        return pd.DataFrame(values.reshape(len(values), -1), columns=y.columns)
    return values.tolist() if isinstance(y, list) else values


class TargetPolicy(ABC):
    """The interface of a target policy (see the module docstring).

    Attributes
    ----------
    name : str
    labels : bool
        True when ``y`` holds class labels (``classes_`` is learned).
    weighted : bool
        True when :meth:`training_rows` returns weights the inner estimator
        must receive.
    frame_out : bool
        True when a pandas (or Dask) ``y`` comes back in its container.
    """

    name = ""
    labels = True
    weighted = False
    #: whether a pandas / Dask frame ``y`` comes back as a frame
    frame_out = True

    def check_raw(self, y, owner):  # noqa: B027 - a hook: labels need no check
        """Check the user's ``y`` before it is converted (nothing to check
        for class labels: any label type is taken)."""

    def prepare(self, y, owner):
        """``(classes, codes)`` of validated ``y``; ``(None, None)`` for
        targets that are not labels."""
        return class_codes(y, owner, self.name)

    @abstractmethod
    def resample(self, y, syn, keep_original, codes, n_classes):
        """Targets of the resampled rows (originals first when kept), as the
        array :meth:`wrap` and :meth:`values` take."""

    def values(self, y, res):
        """The resampled targets as an ndarray (from :meth:`resample`)."""
        return res

    def wrap(self, y_in, y, res):
        """The resampled targets in the container of the user's ``y_in``."""
        return _wrap_values(y_in, self.values(y, res))

    def result_spec(self, y_dtype, y_tail, X_dtype, n_classes):
        """dtype and trailing shape of the resampled ``y`` (for Dask)."""
        return y_dtype, y_tail

    def training_rows(self, y, codes, syn):
        """Synthetic rows for an inner estimator: ``(syn, y_syn, factor)``,
        where ``syn`` may repeat pairs and ``factor`` multiplies the rows'
        sample weights."""
        return syn, self.values(y, self.resample(y, syn, False, codes, None)), 1.0


class HardLabels(TargetPolicy):
    """A synthetic point takes the label of the point ``pick`` chooses
    (``y_a`` with probability lambda): any classifier takes it."""

    name = "hard"

    def resample(self, y, syn, keep_original, codes, n_classes):
        source = pick_rows(syn.partner, syn.pick, syn.anchor)
        if keep_original:
            return np.concatenate([np.arange(y.shape[0]), source])
        return source

    def values(self, y, res):
        return y[res]

    def wrap(self, y_in, y, res):
        if hasattr(y_in, "iloc"):  # keeps the Series' dtype (categories too)
            return y_in.iloc[res].reset_index(drop=True)
        return _wrap_values(y_in, np.asarray(y)[res])


class SoftLabels(TargetPolicy):
    """Class probabilities: one-hot rows mixed with lambda (columns in
    ``classes_`` order). The nets' classifier mixes them per mini-batch."""

    name = "soft"
    frame_out = False

    def resample(self, y, syn, keep_original, codes, n_classes):
        dtype = np.result_type(syn.lam.dtype, np.float32)
        onehot = np.eye(n_classes, dtype=dtype)[codes]
        y_syn = mix_rows(onehot, syn.partner, syn.lam, anchor=syn.anchor)
        return np.concatenate([onehot, y_syn]) if keep_original else y_syn

    def wrap(self, y_in, y, res):
        return res

    def result_spec(self, y_dtype, y_tail, X_dtype, n_classes):
        return np.result_type(X_dtype, np.float32), (n_classes,)

    @staticmethod
    def mixing_targets(codes, dtype, n_classes):
        """One-hot rows of the encoded labels of a torch batch: one gather
        from an identity matrix made once per size, dtype and device."""
        return _identity(n_classes, dtype, codes.device).index_select(0, codes.long())


@lru_cache(maxsize=16)
def _identity(n, dtype, device):
    """The ``n x n`` identity in ``dtype`` on ``device`` (read only): a batch
    of one-hot rows is one ``index_select`` of it, a third of the cost of
    making it for every training batch."""
    import torch

    return torch.eye(n, dtype=dtype, device=device)


class Continuous(TargetPolicy):
    """Regression targets, mixed linearly with lambda (``y`` may be 2-d)."""

    name = "continuous"
    labels = False

    def check_raw(self, y, owner):
        check_numeric_y(y, owner)

    def prepare(self, y, owner):
        return None, None

    def resample(self, y, syn, keep_original, codes, n_classes):
        y_f = y if y.dtype.kind == "f" else y.astype(np.float64)
        lam = syn.lam.astype(y_f.dtype)
        y_syn = mix_rows(y_f, syn.partner, lam, anchor=syn.anchor)
        return np.concatenate([y_f, y_syn]) if keep_original else y_syn

    def result_spec(self, y_dtype, y_tail, X_dtype, n_classes):
        return (y_dtype if y_dtype.kind == "f" else np.dtype(np.float64)), y_tail

    @staticmethod
    def mixing_targets(y, dtype, n_classes=None):
        """A torch batch's targets as ``dtype`` (they are mixed as they are)."""
        return y.to(dtype)


class SplitWeight(HardLabels):
    """Mixed class labels as weighted rows: a pair with two labels becomes
    two rows weighted lambda and 1 - lambda (:func:`skmixup._mixing.split_rows`),
    exact k-mixup for any loss linear in the target."""

    name = "split-weight"
    weighted = True

    def training_rows(self, y, codes, syn):
        rows, label_rows, factor = split_rows(syn.anchor, syn.partner, syn.lam, codes)
        fields = (syn.anchor, syn.partner, syn.lam, syn.pick)
        return Synthetic(*(v[rows] for v in fields)), y[label_rows], factor


HARD, SOFT, CONTINUOUS, SPLIT_WEIGHT = (
    HardLabels(),
    SoftLabels(),
    Continuous(),
    SplitWeight(),
)

#: ``target`` name -> policy (the augmenter's parameter).
TARGETS = {policy.name: policy for policy in (HARD, SOFT, CONTINUOUS)}


def get_target(name):
    """The policy for the ``target`` name; ValueError for any other value."""
    policy = TARGETS.get(name) if isinstance(name, str) else None
    if policy is None:
        raise ValueError(f"target must be one of {sorted(TARGETS)}; got {name!r}.")
    return policy
