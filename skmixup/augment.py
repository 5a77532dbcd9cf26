"""k-mixup as a resampler and as a meta-estimator for any scikit-learn model.

* :class:`KMixupAugmenter` follows the imbalanced-learn sampler API
  (``fit_resample``) and is a step of :class:`imblearn.pipeline.Pipeline`.
  imbalanced-learn is not imported: its pipeline finds samplers by duck typing.
* :class:`KMixupEstimator` trains a wrapped classifier or regressor on
  k-mixup data inside a plain scikit-learn :class:`~sklearn.pipeline.Pipeline`
  or :class:`~sklearn.model_selection.GridSearchCV`.

Both draw their synthetic points with :func:`skmixup.kmixup_pairs` (exact OT
matching of random k-batches); with non-uniform ``sample_weight`` the matching
is a general optimal-transport plan solved by :func:`ot.emd`.
"""

import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    OneToOneFeatureMixin,
    _fit_context,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from ._dask import fit_resample_dask, is_dask_collection
from ._docstrings import _shared_docs, substitute
from ._matching import _METRICS, pairwise_cost
from ._mixing import draw_pairs, kmixup_pairs

__all__ = ["KMixupAugmenter", "KMixupEstimator"]

_K_DOC = """k : int, default=8
        Size of the k-batches matched by exact optimal transport. ``k=1`` is
        ordinary mixup; larger ``k`` keeps mixed points closer to the data's
        clusters. A k-batch and its partner k-batch are disjoint, so ``k``
        must be at most ``n_samples // 2``; a larger ``k`` raises a
        ``ValueError`` (it is not silently reduced)."""

_COMMON_PARAMS_DOC = """n_synthetic : int or float, default=1.0
        How many synthetic points to generate. A float is a multiple of
        ``n_samples`` (``1.0``: one synthetic point per training point,
        ``0.5``: half as many); an int is an absolute count. Rounded, at least 1.
    keep_original : bool, default=True
        Whether the original samples are kept (first, in their order) in
        front of the synthetic ones.
    {metric}
    match_on : {"standardized", "raw"}, default="standardized"
        Features the matching sees. ``"standardized"`` matches on features
        centred and scaled to unit variance (computed on the training data,
        in its floating-point precision), so that one large-scale column
        cannot dominate the matching; ``"raw"`` matches on ``X`` as given.
        Either way the synthetic points are mixed from the original ``X``
        and stay in its units.""".replace("{metric}", _shared_docs["metric"])


def _check_k(k, n_samples):
    if k > n_samples // 2:
        raise ValueError(
            f"k={k} is too large for n_samples={n_samples}: a k-batch and its "
            "partner k-batch must be disjoint, so k must be at most "
            f"n_samples // 2 = {n_samples // 2}. Use a smaller k or more samples."
        )


def _n_synthetic_count(n_synthetic, n_samples):
    if isinstance(n_synthetic, numbers.Integral):
        return int(n_synthetic)
    return max(1, int(round(float(n_synthetic) * n_samples)))


def _check_sample_weight(sample_weight, n_samples):
    """Validated float64 weights of shape (n_samples,), or None."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.ndim == 0 and w.dtype.kind in "biuf":
        w = np.full(n_samples, w, dtype=np.float64)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must hold real numbers; got dtype {w.dtype}.")
    w = w.astype(np.float64)
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per "
            f"sample; got shape {w.shape}."
        )
    if not np.isfinite(w).all() or (w < 0).any():
        bad = w[~(np.isfinite(w) & (w >= 0))][0]
        raise ValueError(
            f"sample_weight must be finite and non-negative; got a weight of {bad!r}."
        )
    if not w.any():
        raise ValueError("sample_weight must not be all zero.")
    return w


def _standardize(X):
    """Centred, unit-variance copy of ``X`` in its own float precision."""
    feats = X - X.mean(axis=0)
    # einsum sums the squares without a second n x d temporary.
    scale = np.sqrt(np.einsum("ij,ij->j", feats, feats) / X.shape[0])
    scale[scale == 0] = 1.0
    feats /= scale
    return feats


#: Rows mixed per step of :func:`_mix_into` (keeps the temporaries in cache).
_MIX_CHUNK = 8192


def _mix_into(out, X, anchor, partner, lam):
    """Write ``lam * X[anchor] + (1 - lam) * X[partner]`` into ``out``, chunk by chunk."""
    lam = lam.astype(X.dtype, copy=False)
    for start in range(0, anchor.shape[0], _MIX_CHUNK):
        stop = start + _MIX_CHUNK
        w = lam[start:stop, None]
        block = out[start:stop]
        np.take(X, partner[start:stop], axis=0, out=block)
        block *= 1 - w
        block += w * X[anchor[start:stop]]
    return out


def _weighted_pairs(feats, weight, k, alpha, metric, rng):
    """Partners drawn from the exact OT plan between weighted k-batches.

    Each anchor k-batch ``A`` and its partner k-batch ``B`` carry the
    normalised weights ``a`` and ``b``; ``plan = ot.emd(a, b, M)`` and anchor
    row ``i`` picks partner ``j`` with probability ``plan[i, j] / a[i]``.
    With equal weights the plan is a permutation and this is k-mixup.
    """
    import ot

    n = feats.shape[0]
    partner = np.empty(n, dtype=np.int64)
    lam = np.empty(n, dtype=np.float64)
    anchors, partners, lams, _ = draw_pairs(n, k, alpha, rng)
    for a_idx, p_idx, lam_g in zip(anchors, partners, lams):
        size = a_idx.shape[1]
        lam[a_idx.reshape(-1)] = np.repeat(lam_g, size)
        cost = pairwise_cost(
            feats[a_idx].astype(np.float64), feats[p_idx].astype(np.float64), metric
        )
        a = _normalise_rows(weight[a_idx])
        b = _normalise_rows(weight[p_idx])
        plans = np.stack([ot.emd(a[g], b[g], cost[g]) for g in range(len(cost))])
        mass = plans.sum(axis=2, keepdims=True)
        # A zero-weight anchor has an empty plan row: draw its partner from b
        # (its synthetic point carries weight 0 anyway).
        cond = np.where(mass > 0, plans / np.where(mass > 0, mass, 1.0), b[:, None])
        cdf = np.cumsum(cond, axis=2)
        u = rng.random_sample(a_idx.shape)
        choice = np.minimum((u[..., None] >= cdf).sum(axis=2), size - 1)
        partner[a_idx.reshape(-1)] = np.take_along_axis(p_idx, choice, 1).reshape(-1)
    return partner, lam


def _normalise_rows(w):
    total = w.sum(axis=1, keepdims=True)
    uniform = np.full_like(w, 1.0 / w.shape[1])
    return np.where(total > 0, w / np.where(total > 0, total, 1.0), uniform)


@dataclass
class _Draw:
    """Synthetic point ``r`` is ``lam[r] * X[anchor[r]] + (1 - lam[r]) * X[partner[r]]``."""

    anchor: np.ndarray
    partner: np.ndarray
    lam: np.ndarray


def _draw_synthetic(X, feats, n_out, k, alpha, metric, weight, rng):
    """Draw the pairs and weights of ``n_out`` k-mixup points of ``X`` (validated).

    Each round runs one k-mixup step over all rows (or, for the last partial
    round, over a random subset of at least ``2 k`` rows, so that k-batches
    keep their size ``k``); every round is a full k-mixup of the rows it sees.
    """
    n = X.shape[0]
    parts = []
    remaining = n_out
    while remaining > 0:
        if remaining >= n:
            rows, size = None, n
        else:
            size = min(n, max(remaining, 2 * k))
            rows = rng.permutation(n)[:size]
        f_s = feats if rows is None else feats[rows]
        take = min(remaining, size)
        if weight is None or alpha == 0:
            # The points are mixed later, straight into the output array.
            draw = kmixup_pairs(f_s, k=k, alpha=alpha, metric=metric, random_state=rng)
            partner, lam = draw.partner, draw.lam.astype(X.dtype, copy=False)
        else:
            w_s = weight if rows is None else weight[rows]
            partner, lam = _weighted_pairs(f_s, w_s, k, alpha, metric, rng)
        # The rows of a partial round are a random subset, so a prefix is too.
        anchor, partner, lam = np.arange(take), partner[:take], lam[:take]
        if rows is not None:
            anchor, partner = rows[anchor], rows[partner]
        parts.append(_Draw(anchor, partner, lam))
        remaining -= take
    if len(parts) == 1:
        return parts[0]
    return _Draw(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("anchor", "partner", "lam")
        )
    )


def _as_imblearn_sampler_tags(tags):
    """imbalanced-learn's flavour of the tags (a sampler), when it is installed.

    imbalanced-learn's tooling (``is_sampler``, its estimator checks) reads
    ``sampler_tags`` and ``input_tags.dataframe``, which scikit-learn's tags
    lack; without imbalanced-learn the scikit-learn tags are returned.
    """
    try:
        from imblearn.utils._tags import InputTags, SamplerTags, Tags
    except ImportError:
        return tags
    fields = {f: getattr(tags.input_tags, f) for f in tags.input_tags.__slots__}
    return Tags(
        estimator_type="sampler",
        target_tags=tags.target_tags,
        transformer_tags=None,
        classifier_tags=None,
        regressor_tags=None,
        array_api_support=tags.array_api_support,
        no_validation=tags.no_validation,
        non_deterministic=tags.non_deterministic,
        requires_fit=tags.requires_fit,
        _skip_test=tags._skip_test,
        input_tags=InputTags(**fields, dataframe=True),
        sampler_tags=SamplerTags(sample_indices=False),
    )


def _is_pandas(obj):
    return hasattr(obj, "iloc") and hasattr(obj, "columns" if obj.ndim == 2 else "name")


class _KMixupParams:
    """Parameter handling shared by the two estimators."""

    _parameter_constraints: dict = {
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "n_synthetic": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, None, closed="neither"),
        ],
        "keep_original": ["boolean"],
        "metric": [StrOptions(set(_METRICS))],
        "match_on": [StrOptions({"standardized", "raw"})],
        "random_state": ["random_state"],
    }

    def _draw(self, X, weight, rng):
        """k-mixup points of validated ``X`` with validated weights (or None)."""
        n = X.shape[0]
        _check_k(self.k, n)
        if weight is not None and np.all(weight == weight[0]):
            # Equal weights: the OT plan is a permutation, use the fast path.
            weight = None
        feats = _standardize(X) if self.match_on == "standardized" else X
        n_out = _n_synthetic_count(self.n_synthetic, n)
        return _draw_synthetic(
            X, feats, n_out, self.k, self.alpha, self.metric, weight, rng
        )


@substitute(k=_K_DOC, common=_COMMON_PARAMS_DOC)
class KMixupAugmenter(_KMixupParams, OneToOneFeatureMixin, BaseEstimator):
    r"""Augment a dataset with k-mixup points (imbalanced-learn sampler API).

    ``fit_resample(X, y)`` returns the training data plus synthetic points
    made by k-mixup over the whole dataset: random k-batches are matched to
    disjoint partner k-batches by exact optimal transport
    (:func:`skmixup.kmixup_batch`) and each matched pair is mixed,

    .. math::

        \tilde x = \lambda x_a + (1 - \lambda) x_b, \qquad
        \lambda \sim \mathrm{{Beta}}(\alpha, \alpha).

    It is a sampler for :class:`imblearn.pipeline.Pipeline`, which applies it
    only while fitting (imbalanced-learn itself is optional: the pipeline
    recognises samplers by their ``fit_resample`` method).

    Parameters
    ----------
    {k}
    {alpha}
    {common}
    target : {{"hard", "soft", "continuous"}}, default="hard"
        How the targets of synthetic points come back.

        - ``"hard"``: class labels any classifier accepts. The label of a
          synthetic point is ``y_a`` with probability :math:`\lambda` and
          ``y_b`` otherwise, an unbiased draw of the mixed label. The dtype
          (and container) of ``y`` is preserved.
        - ``"soft"``: an ndarray of shape (n_samples_new, n_classes) of class
          probabilities, columns in ``classes_`` order (original samples are
          one-hot rows).
        - ``"continuous"``: regression targets, mixed linearly with the same
          :math:`\lambda` (``y`` may be 2-D for several outputs).

        With ``"hard"`` or ``"soft"``, continuous ``y`` is rejected with an
        "Unknown label type" error, like imbalanced-learn's samplers.
    {random_state}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``"hard"`` and ``"soft"`` targets only). For a one-hot
        encoded ``y`` these are the column indices.
    n_features_in_ : int
        Number of features seen during ``fit_resample``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit_resample``; only defined when
        ``X`` has string column names.
    pairs_ : ndarray of shape (n_synthetic_points, 2)
        For the last ``fit_resample``: the row indices (in ``X``) of the two
        points each synthetic point was mixed from, in output order.
    lam_ : ndarray of shape (n_synthetic_points,)
        The mixing weight of ``X[pairs_[:, 0]]`` for each synthetic point.
    sample_weight_ : ndarray of shape (n_samples_new,) or None
        Weights of the resampled rows when ``sample_weight`` was passed (an
        original row keeps its weight; a synthetic row carries the weight of
        its first point, ``pairs_[:, 0]``); None otherwise. Pass it to the
        classifier's ``fit`` to train on the weighted k-mixup measure.

    See Also
    --------
    KMixupEstimator : Train any scikit-learn estimator on k-mixup data.
    skmixup.kmixup_batch : The k-mixup step used to draw the points.

    Notes
    -----
    The synthetic points follow the originals (when kept) in the output; a
    DataFrame comes back with a fresh ``RangeIndex``. ``X`` keeps its
    container (ndarray, DataFrame or list) and floating-point dtype (float32
    stays float32; integers become float64). Sparse input, NaN and infinity
    are rejected. ``y`` must hold at least two classes.

    With ``sample_weight``, the matching between two k-batches is the exact
    optimal-transport plan between their normalised weights (:func:`ot.emd`),
    which is no longer a permutation: each anchor point draws its partner
    from its row of the plan. This path loops over k-batches in Python and
    is slower; equal weights use the fast permutation path.

    References
    ----------
    .. [1] K. Greenewald, A. Gu, M. Yurochkin, J. Solomon, E. Chien.
       "k-Mixup Regularization for Deep Learning via Optimal Transport".
       Transactions on Machine Learning Research, 2023.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skmixup import KMixupAugmenter
    >>> X, y = load_iris(return_X_y=True)
    >>> X_res, y_res = KMixupAugmenter(k=8, random_state=0).fit_resample(X, y)
    >>> X_res.shape, y_res.shape
    ((300, 4), (300,))
    >>> sorted(set(y_res.tolist()))
    [0, 1, 2]
    """

    _estimator_type = "sampler"  # read by imblearn.base.is_sampler

    _parameter_constraints: dict = {
        **_KMixupParams._parameter_constraints,
        "target": [StrOptions({"hard", "soft", "continuous"})],
    }

    def __init__(
        self,
        k=8,
        alpha=1.0,
        *,
        n_synthetic=1.0,
        keep_original=True,
        target="hard",
        metric="euclidean",
        match_on="standardized",
        random_state=None,
    ):
        self.k = k
        self.alpha = alpha
        self.n_synthetic = n_synthetic
        self.keep_original = keep_original
        self.target = target
        self.metric = metric
        self.match_on = match_on
        self.random_state = random_state

    def _validate(self, X, y):
        X_arr, y_arr = validate_data(
            self,
            X,
            y,
            reset=True,
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=self.target == "continuous",
        )
        if self.target == "continuous":
            return X_arr, y_arr, None
        y_type = type_of_target(y_arr, input_name="y")
        if y_type == "multilabel-indicator":
            if np.any(y_arr.sum(axis=1) != 1):
                raise ValueError(
                    "Multilabel and multioutput targets are not supported: y "
                    "must hold one class per sample (a 1-D label array or a "
                    "one-hot matrix)."
                )
            self.classes_ = np.arange(y_arr.shape[1])
            codes = y_arr.argmax(axis=1)
        elif y_type in ("binary", "multiclass"):
            self.classes_, codes = np.unique(y_arr.reshape(-1), return_inverse=True)
        elif y_type == "multiclass-multioutput":
            raise ValueError(
                "Multilabel and multioutput targets are not supported: y must "
                "hold one class per sample."
            )
        else:
            raise ValueError(
                f"Unknown label type: {y_type!r}. KMixupAugmenter with "
                f"target={self.target!r} needs class labels; to mix regression "
                "targets linearly pass target='continuous'."
            )
        if len(np.unique(codes)) < 2:
            raise ValueError(
                f"y has only one class ({np.unique(y_arr.reshape(-1))[0]!r}); "
                "KMixupAugmenter needs at least 2 classes, since a classifier "
                "cannot be trained on one."
            )
        return X_arr, y_arr, codes

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Check the inputs and learn the classes; use ``fit_resample`` to augment.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Targets.

        Returns
        -------
        self : KMixupAugmenter
            The fitted augmenter.

        Examples
        --------
        >>> from skmixup import KMixupAugmenter
        >>> KMixupAugmenter(k=1).fit([[0.0], [1.0]], [0, 1]).classes_
        array([0, 1])
        """
        X_arr, _, _ = self._validate(X, y)
        _check_k(self.k, X_arr.shape[0])
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, sample_weight=None):
        """Return the data augmented with k-mixup points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: ndarray, DataFrame or list.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (or a one-hot matrix), or regression targets with
            ``target="continuous"``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the optimal-transport matching (see
            Notes of the class); the output weights are ``sample_weight_``.

        Returns
        -------
        X_res : ndarray, DataFrame or list of shape (n_samples_new, n_features)
            Originals (if kept) followed by the synthetic points; same
            container, columns and dtype as ``X``.
        y_res : array-like of shape (n_samples_new,) or (n_samples_new, n_classes)
            Targets of ``X_res`` (see the ``target`` parameter).

        Examples
        --------
        >>> import numpy as np
        >>> from skmixup import KMixupAugmenter
        >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
        >>> aug = KMixupAugmenter(k=2, target="soft", keep_original=False,
        ...                       random_state=0)
        >>> X_res, y_res = aug.fit_resample(X, [0, 0, 1, 1])
        >>> y_res.shape, bool(np.allclose(y_res.sum(axis=1), 1.0))
        ((4, 2), True)
        """
        if is_dask_collection(X):
            # Lazy, chunk-by-chunk k-mixup (see skmixup._dask.fit_resample_dask).
            return fit_resample_dask(self, X, y, sample_weight)
        X_arr, y_arr, codes = self._validate(X, y)
        n = X_arr.shape[0]
        weight = _check_sample_weight(sample_weight, n)
        rng = check_random_state(self.random_state)
        draw = self._draw(X_arr, weight, rng)
        self.pairs_ = np.stack([draw.anchor, draw.partner], axis=1)
        self.lam_ = draw.lam
        self.sample_weight_ = None
        if weight is not None:
            syn_w = weight[draw.anchor]
            self.sample_weight_ = (
                np.concatenate([weight, syn_w]) if self.keep_original else syn_w
            )

        n_keep = n if self.keep_original else 0
        X_res = np.empty((n_keep + len(draw.lam), X_arr.shape[1]), dtype=X_arr.dtype)
        X_res[:n_keep] = X_arr[:n_keep]
        _mix_into(X_res[n_keep:], X_arr, draw.anchor, draw.partner, draw.lam)
        y_res = self._resample_y(y, y_arr, codes, rng)
        return self._wrap_X(X, X_res), y_res

    def _resample_y(self, y, y_arr, codes, rng):
        n = y_arr.shape[0]
        anchor, partner = self.pairs_[:, 0], self.pairs_[:, 1]
        lam = self.lam_
        if self.target == "continuous":
            y_f = y_arr if y_arr.dtype.kind == "f" else y_arr.astype(np.float64)
            shape = (-1,) + (1,) * (y_f.ndim - 1)
            w = lam.astype(y_f.dtype, copy=False).reshape(shape)
            y_syn = w * y_f[anchor] + (1 - w) * y_f[partner]
            y_res = np.concatenate([y_f, y_syn]) if self.keep_original else y_syn
            return self._wrap_values(y, y_res)
        if self.target == "soft":
            dtype = np.result_type(lam.dtype, np.float32)
            m = anchor.shape[0]
            soft = np.zeros((m, len(self.classes_)), dtype=dtype)
            rows = np.arange(m)
            soft[rows, codes[anchor]] = lam
            soft[rows, codes[partner]] += 1 - lam
            if self.keep_original:
                orig = np.zeros((n, len(self.classes_)), dtype=dtype)
                orig[np.arange(n), codes] = 1
                soft = np.concatenate([orig, soft])
            return soft
        # Hard labels: the anchor's label with probability lam.
        take_anchor = rng.random_sample(anchor.shape[0]) < lam
        source = np.where(take_anchor, anchor, partner)
        index = np.concatenate([np.arange(n), source]) if self.keep_original else source
        if _is_pandas(y):
            return y.iloc[index].reset_index(drop=True)
        y_res = y_arr[index]
        return y_res.tolist() if isinstance(y, list) else y_res

    @staticmethod
    def _wrap_X(X, X_res):
        if _is_pandas(X):
            import pandas as pd

            return pd.DataFrame(X_res, columns=X.columns)
        return X_res.tolist() if isinstance(X, list) else X_res

    @staticmethod
    def _wrap_values(y, y_res):
        if _is_pandas(y):
            import pandas as pd

            if y.ndim == 1:
                return pd.Series(y_res, name=y.name)
            return pd.DataFrame(y_res.reshape(len(y_res), -1), columns=y.columns)
        return y_res.tolist() if isinstance(y, list) else y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return _as_imblearn_sampler_tags(tags)


def _estimator_has(attr):
    """The fitted inner estimator (or the unfitted one) has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


@substitute(k=_K_DOC, common=_COMMON_PARAMS_DOC)
class KMixupEstimator(_KMixupParams, MetaEstimatorMixin, BaseEstimator):
    r"""Train any scikit-learn classifier or regressor on k-mixup data.

    ``fit`` augments the training data with k-mixup points (as
    :class:`KMixupAugmenter` does) and fits a clone of ``estimator`` on it;
    prediction methods delegate to the fitted clone. It is a classifier or a
    regressor according to the wrapped estimator, so it works in
    :class:`~sklearn.pipeline.Pipeline`, :func:`~sklearn.model_selection.cross_val_score`
    and :class:`~sklearn.model_selection.GridSearchCV` (tune the inner model
    with ``estimator__C``-style names).

    Targets of synthetic points:

    - classifier whose ``fit`` accepts ``sample_weight``: each synthetic
      point appears once per source label, with weights :math:`\lambda` and
      :math:`1 - \lambda` (times the point's own sample weight). The weighted
      log-loss of these rows equals the loss of the soft label
      :math:`\lambda e_{{y_a}} + (1 - \lambda) e_{{y_b}}`, so this is exact
      k-mixup for any loss linear in the target. Rows whose two labels agree
      are kept once with the full weight.
    - other classifiers: one hard label, ``y_a`` with probability
      :math:`\lambda`, ``y_b`` otherwise (unbiased).
    - regressors: targets mixed linearly with :math:`\lambda`.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn classifier or regressor (not fitted; it is cloned).
    {k}
    {alpha}
    {common}
    {random_state}
        It drives the augmentation only: seed the wrapped estimator through
        its own parameters (``estimator__random_state``).

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the augmented data.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers only).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``; only defined when ``X`` has
        string column names.

    See Also
    --------
    KMixupAugmenter : The same augmentation as an imbalanced-learn sampler.
    skmixup.KMixupClassifier : k-mixup applied per mini-batch to a neural net.

    Notes
    -----
    The augmentation is drawn once per ``fit`` (a fixed augmented dataset),
    unlike neural training where each mini-batch is mixed afresh. A user's
    ``sample_weight`` weights the optimal-transport matching (see
    :class:`KMixupAugmenter`) and multiplies the weights passed to the inner
    estimator, which must then accept ``sample_weight``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skmixup import KMixupEstimator
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KMixupEstimator(LogisticRegression(max_iter=500), k=8, random_state=0)
    >>> clf.fit(X, y).predict(X[:3])
    array([0, 0, 0])
    >>> clf.classes_
    array([0, 1, 2])
    """

    _parameter_constraints: dict = {
        **_KMixupParams._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict"])],
    }

    def __init__(
        self,
        estimator,
        *,
        k=8,
        alpha=1.0,
        n_synthetic=1.0,
        keep_original=True,
        metric="euclidean",
        match_on="standardized",
        random_state=None,
    ):
        self.estimator = estimator
        self.k = k
        self.alpha = alpha
        self.n_synthetic = n_synthetic
        self.keep_original = keep_original
        self.metric = metric
        self.match_on = match_on
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit a clone of ``estimator`` on ``X`` augmented by k-mixup.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or regression targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; they weight the matching and the inner fit.

        Returns
        -------
        self : KMixupEstimator
            The fitted meta-estimator.

        Examples
        --------
        >>> from sklearn.linear_model import Ridge
        >>> from skmixup import KMixupEstimator
        >>> reg = KMixupEstimator(Ridge(), k=1, random_state=0)
        >>> reg.fit([[0.0], [1.0], [2.0], [3.0]], [0.0, 1.0, 2.0, 3.0]).n_features_in_
        1
        """
        classifier = is_classifier(self.estimator)
        if not (classifier or is_regressor(self.estimator)):
            raise TypeError(
                "estimator must be a scikit-learn classifier or regressor; got "
                f"{type(self.estimator).__name__}, which is neither."
            )
        if classifier and type_of_target(y, input_name="y") in (
            "multilabel-indicator",
            "multiclass-multioutput",
        ):
            raise ValueError(
                "Multilabel and multioutput targets are not supported. "
                "KMixupEstimator wrapping a classifier needs y of shape "
                "(n_samples,) with one class per sample."
            )
        multi_output = (not classifier) and get_tags(
            self.estimator
        ).target_tags.multi_output
        X, y = validate_data(
            self,
            X,
            y,
            dtype=[np.float64, np.float32],
            multi_output=multi_output,
            y_numeric=not classifier,
        )
        if classifier:
            check_classification_targets(y)
        accepts_weight = has_fit_parameter(self.estimator, "sample_weight")
        n = X.shape[0]
        weight = _check_sample_weight(sample_weight, n)
        if weight is not None and not accepts_weight:
            raise TypeError(
                f"sample_weight was passed but {type(self.estimator).__name__}"
                ".fit does not accept sample_weight. Drop sample_weight or "
                "wrap an estimator that supports it."
            )
        rng = check_random_state(self.random_state)
        draw = self._draw(X, weight, rng)
        a, p, lam = draw.anchor, draw.partner, draw.lam
        syn_w = np.ones(len(a)) if weight is None else weight[a]
        if classifier and accepts_weight:
            # One row per source label, weighted lam and 1 - lam; a pair with
            # one label is a single row of full weight.
            split = y[a] != y[p]
            y_syn = np.concatenate([y[a], y[p[split]]])
            w_syn = np.concatenate(
                [syn_w * np.where(split, lam, 1.0), syn_w[split] * (1 - lam[split])]
            )
            a, p, lam = (np.concatenate([v, v[split]]) for v in (a, p, lam))
        elif classifier:
            y_syn = np.where(rng.random_sample(len(a)) < lam, y[a], y[p])
            w_syn = syn_w
        else:
            y_f = y.astype(np.float64) if y.dtype.kind != "f" else y
            w = lam.astype(y_f.dtype).reshape((-1,) + (1,) * (y_f.ndim - 1))
            y_syn, w_syn = w * y_f[a] + (1 - w) * y_f[p], syn_w
        n_keep = n if self.keep_original else 0
        X_train = np.empty((n_keep + len(a), X.shape[1]), dtype=X.dtype)
        X_train[:n_keep] = X[:n_keep]
        _mix_into(X_train[n_keep:], X, a, p, lam)
        y_train, w_train = y_syn, w_syn
        if self.keep_original:
            y_train = np.concatenate([y, y_syn])
            w_train = np.concatenate([np.ones(n) if weight is None else weight, w_syn])
        fit_params = {}
        if weight is not None or (classifier and accepts_weight):
            fit_params["sample_weight"] = w_train
        self.estimator_ = clone(self.estimator).fit(X_train, y_train, **fit_params)
        return self

    @property
    def classes_(self):
        """Class labels of the fitted classifier."""
        check_is_fitted(self)
        return self.estimator_.classes_

    def _validated(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=[np.float64, np.float32])

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the fitted inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            ``estimator_.predict(X)``.
        """
        X = self._validated(X)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted inner classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``estimator_.predict_proba(X)``, columns in ``classes_`` order.
        """
        X = self._validated(X)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the fitted inner classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``estimator_.predict_log_proba(X)``.
        """
        X = self._validated(X)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the fitted inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``estimator_.decision_function(X)``.
        """
        X = self._validated(X)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Score of the fitted inner estimator (accuracy or R², usually).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            ``estimator_.score(X, y, sample_weight=sample_weight)``.
        """
        X = self._validated(X)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags.required = True
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.target_tags.single_output = inner.target_tags.single_output
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags
