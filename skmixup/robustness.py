"""Accuracy of a fitted classifier under input perturbations.

Two perturbations, each over a grid of levels:

- :func:`noise_accuracy`: additive Gaussian noise of standard deviation
  ``sigma`` on every input value (a distribution shift);
- :func:`fgsm_accuracy`: the fast gradient sign method (FGSM) of Goodfellow
  et al., a one-step adversarial perturbation of size ``epsilon`` in the
  max-norm, computed from the gradient of the network's loss.

The perturbation is applied to the input of the final estimator. For a
:class:`~sklearn.pipeline.Pipeline`, the steps before the last one transform
``X`` first, and ``sigma`` and ``epsilon`` are in the units of what they
output: after a :class:`~sklearn.preprocessing.StandardScaler`, a ``sigma``
of 0.5 is half a standard deviation of every feature. Without preprocessing
the units are those of ``X`` itself (pixels scaled to ``[0, 1]``, say).

Both return a :class:`RobustnessCurve`.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection._search import BaseSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._params import check_int
from ._random import check_generator
from .neural import KMixupClassifier

__all__ = ["RobustnessCurve", "fgsm_accuracy", "noise_accuracy"]


@dataclass(frozen=True)
class RobustnessCurve:
    """Accuracy over a grid of perturbation levels.

    Attributes
    ----------
    kind : {"gaussian_noise", "fgsm"}
        The perturbation.
    levels : ndarray of shape (n_levels,)
        The noise standard deviations or FGSM step sizes, as given.
    accuracies : ndarray of shape (n_levels, n_repeats)
        Accuracy at every level for every repeat (one repeat for FGSM,
        which draws nothing).
    accuracy : ndarray of shape (n_levels,)
        Mean accuracy over the repeats.
    accuracy_std : ndarray of shape (n_levels,)
        Standard deviation of the accuracy over the repeats (0 with one
        repeat).

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup.robustness import RobustnessCurve
    >>> curve = RobustnessCurve("fgsm", np.array([0.0, 0.1]), np.array([[0.9], [0.7]]))
    >>> curve.accuracy
    array([0.9, 0.7])
    """

    kind: str
    levels: np.ndarray
    accuracies: np.ndarray

    @property
    def accuracy(self):
        """Mean accuracy over the repeats, one value per level."""
        # equal repeats (sigma = 0) give their value exactly, not a rounded mean
        same = np.ptp(self.accuracies, axis=1) == 0
        return np.where(same, self.accuracies[:, 0], self.accuracies.mean(axis=1))

    @property
    def accuracy_std(self):
        """Standard deviation of the accuracy over the repeats, per level."""
        same = np.ptp(self.accuracies, axis=1) == 0
        return np.where(same, 0.0, self.accuracies.std(axis=1))

    def to_dict(self):
        """The curve as a dict of plain arrays (for a DataFrame or JSON).

        Returns
        -------
        curve : dict
            ``{"level": levels, "accuracy": accuracy, "accuracy_std":
            accuracy_std}``.
        """
        return {
            "level": np.asarray(self.levels),
            "accuracy": self.accuracy,
            "accuracy_std": self.accuracy_std,
        }


def _check_levels(levels, name):
    try:
        values = np.array(levels, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a number or a 1-d sequence of numbers >= 0; got "
            f"{levels!r}."
        ) from None
    values = np.atleast_1d(values)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-d sequence of numbers >= 0; got {levels!r}."
        )
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(
            f"{name} must hold finite numbers >= 0 (0 is the clean input); got "
            f"{levels!r}."
        )
    return values


def _split_estimator(estimator):
    """(transform before the final step, final step) of a fitted classifier."""
    if isinstance(estimator, BaseSearchCV):
        if not hasattr(estimator, "best_estimator_"):
            raise NotFittedError(
                "estimator: this search is not fitted (or was fitted with "
                "refit=False, which keeps no estimator); call fit(X, y) with "
                "refit=True first."
            )
        estimator = estimator.best_estimator_
    if not is_classifier(estimator):
        raise TypeError(
            "estimator must be a fitted scikit-learn classifier (for example a "
            "KMixupClassifier, or a Pipeline ending with one); got "
            f"{type(estimator).__name__}."
        )
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise NotFittedError(
            f"estimator: this {type(estimator).__name__} is not fitted; call "
            "fit(X, y) before measuring its robustness."
        ) from None
    if isinstance(estimator, Pipeline):
        transform, final = _split_estimator(estimator[-1])
        before = estimator[:-1]
        if transform is None:
            return before, final
        return Pipeline([("before", before), ("inner", transform)]), final
    return None, estimator


def _final_input(transform, X):
    Z = X if transform is None else transform.transform(X)
    if sp.issparse(Z):
        Z = Z.toarray()
    try:
        if hasattr(Z, "iloc"):  # a DataFrame stays one: the final step saw names
            return Z.astype(np.float64)
        Z = np.asarray(Z)
        if not np.issubdtype(Z.dtype, np.floating):
            Z = Z.astype(np.float64)
    except (TypeError, ValueError) as exc:
        where = "X" if transform is None else "X after the pipeline's preprocessing"
        raise ValueError(
            f"{where} must hold numbers, as the perturbation is added to it "
            f"({exc}). Encode text or categorical columns first (e.g. a "
            "OneHotEncoder step in the pipeline)."
        ) from None
    if Z.ndim < 2 or Z.shape[0] == 0:
        raise ValueError(
            "X must hold at least one sample, as an array of shape "
            f"(n_samples, n_features, ...); got shape {Z.shape}."
        )
    return Z


def _check_y(y, n_samples):
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_samples:
        raise ValueError(
            f"y must be a 1-d array of {n_samples} labels (one per row of X); "
            f"got shape {y.shape}."
        )
    return y


def noise_accuracy(estimator, X, y, *, sigmas, n_repeats=5, random_state=None):
    """Accuracy of a fitted classifier under additive Gaussian noise.

    For every ``sigma`` in ``sigmas`` and every repeat, the input of the final
    estimator becomes ``Z + sigma * E`` with ``E`` standard normal noise of
    ``Z``'s shape, and the accuracy of the predictions on ``y`` is recorded.
    Each repeat draws one ``E`` and scales it for every level (common random
    numbers: the curve is smooth in ``sigma``, and two estimators measured
    with the same ``random_state`` see the same noise). ``sigma=0`` gives the
    clean accuracy exactly.

    Parameters
    ----------
    estimator : fitted classifier
        Any fitted scikit-learn classifier: a :class:`~skmixup.KMixupClassifier`,
        a :class:`~sklearn.pipeline.Pipeline` whose last step is a classifier,
        or a fitted search (``GridSearchCV``; its ``best_estimator_`` is
        used).
    X : array-like of shape (n_samples, ...)
        Test inputs, as passed to ``estimator.predict``. Not modified.
    y : array-like of shape (n_samples,)
        True labels.
    sigmas : float or array-like of shape (n_levels,)
        Noise standard deviations, ``>= 0``, in the units of the input of the
        final estimator (after a pipeline's preprocessing steps).
    n_repeats : int, default=5
        Number of noise draws per level.
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds the noise (see :func:`skmixup._random.check_generator`).

    Returns
    -------
    curve : RobustnessCurve
        ``kind="gaussian_noise"``, ``accuracies`` of shape
        ``(n_levels, n_repeats)``.

    Raises
    ------
    TypeError
        If ``estimator`` is not a classifier.
    ValueError
        If ``estimator`` is not fitted (:class:`~sklearn.exceptions.NotFittedError`),
        ``sigmas`` holds a negative or non-finite value, ``n_repeats < 1``, or
        ``y`` does not match ``X``.

    See Also
    --------
    fgsm_accuracy : Accuracy under a one-step adversarial perturbation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmixup.robustness import noise_accuracy
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    >>> curve = noise_accuracy(clf, X, y, sigmas=[0.0, 3.0], random_state=0)
    >>> bool(curve.accuracy[0] == clf.score(X, y))
    True
    >>> bool(curve.accuracy[1] < curve.accuracy[0])
    True
    """
    sigmas = _check_levels(sigmas, "sigmas")
    n_repeats = check_int(n_repeats, "n_repeats")
    transform, final = _split_estimator(estimator)
    rng = check_generator(random_state)
    Z = _final_input(transform, X)
    y = _check_y(y, Z.shape[0])
    clean = None
    accuracies = np.empty((len(sigmas), n_repeats))
    for repeat in range(n_repeats):
        noise = rng.standard_normal(Z.shape)
        for i, sigma in enumerate(sigmas):
            if sigma == 0:
                if clean is None:
                    clean = np.mean(final.predict(Z) == y)
                accuracies[i, repeat] = clean
                continue
            Z_noisy = Z + (sigma * noise).astype(
                np.result_type(np.asarray(Z).dtype, np.float32), copy=False
            )
            accuracies[i, repeat] = np.mean(final.predict(Z_noisy) == y)
    return RobustnessCurve("gaussian_noise", sigmas, accuracies)


def _fgsm_gradient_sign(net, Z, codes, batch_size):
    """sign of d loss / d input, row by row, as a float array of Z's shape."""
    module = net.module_
    try:
        device = next(module.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    was_training = module.training
    module.eval()
    signs = np.empty(Z.shape, dtype=np.float32)
    try:
        with torch.enable_grad():
            for start in range(0, len(Z), batch_size):
                stop = start + batch_size
                Zb = torch.as_tensor(Z[start:stop], dtype=torch.float32, device=device)
                Zb.requires_grad_(True)
                target = torch.as_tensor(codes[start:stop], device=device)
                loss = net.get_loss(module(Zb), target, X=Zb, training=False)
                (grad,) = torch.autograd.grad(loss.sum(), Zb)
                signs[start:stop] = torch.sign(grad).cpu().numpy()
    finally:
        module.train(was_training)
    return signs


def fgsm_accuracy(estimator, X, y, *, epsilons, clip=None, batch_size=256):
    """Accuracy of a fitted k-mixup network under FGSM adversarial inputs.

    The fast gradient sign method [1]_ moves every input by ``epsilon`` in
    the direction that increases the network's loss the most to first order:
    ``Z_adv = Z + epsilon * sign(grad_Z loss(net(Z), y))``, where ``Z`` is
    the input of the network (after a pipeline's preprocessing steps) and the
    loss is the net's criterion, evaluated with the module in eval mode. The
    accuracy of the predictions on ``Z_adv`` is recorded for every epsilon.
    ``epsilon=0`` gives the clean accuracy exactly.

    Parameters
    ----------
    estimator : fitted KMixupClassifier, or Pipeline ending with one
        The gradient is taken through ``module_``, so the final step must be
        a :class:`~skmixup.KMixupClassifier` (a fitted ``GridSearchCV``
        around one is unwrapped to its ``best_estimator_``).
    X : array-like of shape (n_samples, ...)
        Test inputs, as passed to ``estimator.predict``. Not modified.
    y : array-like of shape (n_samples,)
        True labels, among the estimator's ``classes_``.
    epsilons : float or array-like of shape (n_levels,)
        Step sizes, ``>= 0``, in the units of the input of the network (after
        a pipeline's preprocessing steps: standard deviations after a
        ``StandardScaler``).
    clip : tuple of (float, float) or None, default=None
        Clip the perturbed inputs to this range (for example ``(0, 1)`` for
        pixel intensities). None: no clipping.
    batch_size : int, default=256
        Rows per gradient computation (bounds the memory).

    Returns
    -------
    curve : RobustnessCurve
        ``kind="fgsm"``, ``accuracies`` of shape ``(n_levels, 1)``.

    Raises
    ------
    TypeError
        If the final step is not a :class:`~skmixup.KMixupClassifier`.
    ValueError
        If ``estimator`` is not fitted, ``epsilons`` holds a negative or
        non-finite value, ``clip`` is not an increasing pair, or ``y`` holds
        labels the estimator was not fitted on.

    See Also
    --------
    noise_accuracy : Accuracy under random Gaussian noise.

    References
    ----------
    .. [1] I. J. Goodfellow, J. Shlens, C. Szegedy, "Explaining and
       Harnessing Adversarial Examples", ICLR 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmixup import KMixupClassifier
    >>> from skmixup.robustness import fgsm_accuracy
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     KMixupClassifier(k=4, max_epochs=20, lr=1e-2, random_state=0),
    ... ).fit(X, y)
    >>> curve = fgsm_accuracy(clf, X, y, epsilons=[0.0, 0.5])
    >>> bool(curve.accuracy[0] == clf.score(X, y))
    True
    >>> bool(curve.accuracy[1] < curve.accuracy[0])
    True
    """
    epsilons = _check_levels(epsilons, "epsilons")
    if clip is not None:
        try:
            low, high = (float(v) for v in clip)
        except (TypeError, ValueError):
            raise ValueError(
                f"clip must be None or a pair (low, high) of numbers; got {clip!r}."
            ) from None
        if not low < high:
            raise ValueError(f"clip must satisfy low < high; got {clip!r}.")
    batch_size = check_int(batch_size, "batch_size")
    transform, final = _split_estimator(estimator)
    if not isinstance(final, KMixupClassifier):
        raise TypeError(
            "fgsm_accuracy needs the gradient of a network's loss: estimator "
            "must be a fitted KMixupClassifier or a Pipeline ending with one; "
            f"its final step is a {type(final).__name__}. Use noise_accuracy "
            "for other classifiers."
        )
    Z = _final_input(transform, X)
    Z = np.asarray(Z)  # the net reads arrays; names were not kept by skorch
    y = _check_y(y, Z.shape[0])
    classes = final.classes_
    order = np.argsort(classes, kind="stable")
    position = np.searchsorted(classes, y, sorter=order)
    position = np.minimum(position, len(classes) - 1)
    codes = order[position]
    unknown = classes[codes] != y
    if np.any(unknown):
        raise ValueError(
            "y holds labels the estimator was not fitted on, e.g. "
            f"{y[unknown][0]!r}; its classes_ are {classes.tolist()!r}."
        )
    # predict validates Z (feature count, NaN, ...) with the net's own
    # messages before the module sees it in the gradient pass
    clean = np.mean(final.predict(Z) == y)
    signs = _fgsm_gradient_sign(final, Z, codes, int(batch_size))
    accuracies = np.empty((len(epsilons), 1))
    for i, epsilon in enumerate(epsilons):
        if epsilon == 0:
            accuracies[i, 0] = clean
            continue
        Z_adv = (Z + epsilon * signs).astype(
            np.result_type(Z.dtype, np.float32), copy=False
        )
        if clip is not None:
            Z_adv = np.clip(Z_adv, low, high)
        accuracies[i, 0] = np.mean(final.predict(Z_adv) == y)
    return RobustnessCurve("fgsm", epsilons, accuracies)
