"""k-mixup as a resampler and as a meta-estimator for any scikit-learn model.

* :class:`KMixupAugmenter` follows the imbalanced-learn sampler API
  (``fit_resample`` validates, then calls ``_fit_resample``) and is a step of
  :class:`imblearn.pipeline.Pipeline`, which finds samplers by duck typing.
* :class:`KMixupEstimator` trains a wrapped classifier or regressor on
  k-mixup data inside a plain scikit-learn :class:`~sklearn.pipeline.Pipeline`
  or :class:`~sklearn.model_selection.GridSearchCV`.

Both are thin layers over :mod:`skmixup._resample` (which draws with the
per-batch k-mixup step and mixes with its one implementation).
"""

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
from sklearn.utils import get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from ._dask import fit_resample_dask, is_dask_collection, unsupported_with_dask
from ._docstrings import _shared_docs, label_weight_doc, substitute
from ._mixing import effective_k, with_targets
from ._params import COUNTS_DICT, constraints
from ._random import check_generator
from ._resample import (
    class_pairs,
    match_features,
    n_synthetic_count,
    resample_X,
    synthetic_pairs,
)
from ._targets import (
    CONTINUOUS,
    HARD,
    SPLIT_WEIGHT,
    get_target,
    one_class_error,
)
from ._validation import (
    categorical_columns,
    check_categorical_values,
    check_sample_weight,
    import_optional,
    is_pandas,
    non_numeric_X_error,
)

__all__ = ["KMixupAugmenter", "KMixupEstimator"]

_COMMON_PARAMS_DOC = """n_synthetic : int or float, default=1.0
        How many synthetic points to generate. A float is a multiple of
        ``n_samples`` (``1.0``: one synthetic point per training point,
        ``0.5``: half as many); an int is an absolute count. Rounded, at least 1.
    keep_original : bool, default=True
        Whether the original samples are kept (first, in their order) in
        front of the synthetic ones.
    {metric}
    match_on : {{"standardized", "raw"}}, default="standardized"
        Features the matching sees. ``"standardized"`` matches on features
        centred and scaled to unit variance (computed on the training data),
        so that one large-scale column cannot dominate the matching;
        ``"raw"`` matches on ``X`` as given. Either way the synthetic points
        are mixed from the original ``X`` and stay in its units.
    categorical_features : "auto", array-like of int, str or bool, default=None
        Columns holding categories: integer codes (any numeric dtype holding
        integers), or strings, booleans and pandas categoricals in a
        DataFrame. A synthetic row takes each of them from one of its two
        points (the first with probability :math:`\\lambda`), so every value
        is one that occurs; the matching counts a category mismatch as one
        standard deviation of a numeric column. ``"auto"``: the DataFrame
        columns of category, object, string or bool dtype. Indices, column
        names or a boolean mask over the columns. None: every column is
        numeric and mixed linearly.
    onehot_groups : list of array-like of int or str, default=None
        Groups of one-hot columns (e.g. from a
        :class:`~sklearn.preprocessing.OneHotEncoder` inside a
        ``ColumnTransformer``): each group encodes one categorical feature,
        is taken whole from one parent, and counts as one category in the
        matching. Every row of a group must hold one 1 and zeros.""".replace(
    "{metric}", _shared_docs["metric"]
)


class _Table:
    """``X`` as numbers for validation and mixing (categorical columns as
    codes), and how to write mixed rows back in ``X``'s container and types."""

    def __init__(self, X, categorical_features, onehot_groups):
        self.frame = X if is_pandas(X) and X.ndim == 2 else None
        self.is_list = isinstance(X, list)
        self.numeric, self.discrete, self.levels = X, None, {}
        self.cat, self.groups = np.empty(0, dtype=np.int64), []
        if categorical_features is None and not onehot_groups:
            return
        columns = None if self.frame is None else list(self.frame.columns)
        d = self._n_columns(X)
        cat, groups = categorical_columns(
            X, categorical_features, onehot_groups, columns, d
        )
        discrete = np.zeros(d, dtype=bool)
        discrete[cat] = True
        for g in groups:
            discrete[g] = True
        self.cat, self.groups = cat, groups
        self.discrete = discrete if discrete.any() else None
        if self.frame is not None and cat.size:
            self.numeric = self._encode_frame(cat)

    @staticmethod
    def _n_columns(X):
        shape = np.shape(X) if not is_pandas(X) else X.shape
        return shape[1] if len(shape) == 2 else 0

    def _encode_frame(self, cat):
        """A copy of the frame with its categorical columns as integer codes."""
        import pandas as pd

        out = {}
        for j, (name, col) in enumerate(self.frame.items()):
            if j not in set(cat.tolist()) or col.dtype.kind in "iuf":
                out[name] = col
                continue
            if str(col.dtype) == "category":
                codes, levels = col.cat.codes.to_numpy(), col.cat.categories
            else:
                codes, levels = pd.factorize(col, sort=True)
            if (codes < 0).any():
                raise ValueError(
                    f"categorical column {name!r} has missing values; impute them "
                    "(e.g. with SimpleImputer) first."
                )
            self.levels[j] = (levels, col.dtype)
            out[name] = codes
        return pd.DataFrame(out, index=self.frame.index)

    def check_values(self, X):
        """Codes must be integers, one-hot groups one 1 per row."""
        check_categorical_values(X, self.cat, self.groups)

    def wrap(self, X_res):
        """Mixed rows in ``X``'s container, categorical columns decoded."""
        if self.frame is None:
            return X_res.tolist() if self.is_list else X_res
        import pandas as pd

        out = pd.DataFrame(X_res, columns=self.frame.columns)
        for j in self.cat:
            name = self.frame.columns[j]
            codes = X_res[:, j].astype(np.int64)
            if j in self.levels:
                levels, dtype = self.levels[j]
                if str(dtype) == "category":
                    out[name] = pd.Categorical.from_codes(codes, dtype=dtype)
                else:
                    out[name] = pd.Series(levels.take(codes)).astype(dtype)
            elif self.frame.dtypes.iloc[j].kind in "iu":
                out[name] = codes.astype(self.frame.dtypes.iloc[j])
        return out


class _KMixupParams:
    """What the augmenter and the estimator wrapper share: parameters, the
    reading of ``X`` and the drawing of synthetic pairs."""

    _parameter_constraints: dict = constraints(
        "k",
        "alpha",
        "n_synthetic",
        "keep_original",
        "metric",
        "match_on",
        "categorical_features",
        "onehot_groups",
        "label_weight",
        "random_state",
    )

    def _read_X(self, X, y, policy, *, multi_output=True):
        """Validate ``X`` (categorical columns as codes) and ``y`` (as the
        target ``policy`` wants it)."""
        policy.check_raw(y, type(self).__name__)
        table = _Table(X, self.categorical_features, self.onehot_groups)
        try:
            X_arr, y_arr = validate_data(
                self,
                table.numeric,
                y,
                reset=True,
                dtype=[np.float64, np.float32],
                multi_output=multi_output,
                y_numeric=not policy.labels,
            )
        except (ValueError, TypeError) as exc:
            text = str(exc).lower()
            if "complex" in text:
                raise ValueError(
                    "Complex data not supported: X holds complex numbers, and k-mixup "
                    "mixes real features. Pass "
                    "the real and imaginary parts as separate columns."
                ) from None
            if not non_numeric_X_error(exc):
                raise
            raise ValueError(
                f"X holds non-numeric values ({exc}). Name the categorical columns "
                "with categorical_features (e.g. categorical_features='auto' for "
                "a DataFrame), or encode them as numbers first."
            ) from exc
        table.check_values(X_arr)
        return table, X_arr, y_arr

    def _pairs(self, X, table, weight, rng, codes=None, counts=None, y=None):
        """Synthetic pairs of validated ``X``: over all rows, or ``counts[c]``
        inside each class ``c`` (``codes``). With ``label_weight``, the
        matching also sees the targets: one-hot class codes, or ``y``
        standardised over the data."""
        if weight is not None and np.all(weight == weight[0]):
            weight = None  # equal weights: the plan is a permutation
        feats = match_features(X, self.match_on, table.discrete, table.groups)
        if self.label_weight:
            labels = codes is not None
            targets = np.eye(codes.max() + 1)[codes] if labels else y
            feats = with_targets(feats, targets, self.label_weight, labels=labels)
        args = (self.k, self.alpha, self.metric, rng)
        if counts is not None:
            syn = class_pairs(feats, codes, counts, *args, weight=weight)
        else:
            n_out = n_synthetic_count(self.n_synthetic, X.shape[0])
            syn = synthetic_pairs(feats, n_out, *args, weight=weight)
        syn.lam = syn.lam.astype(X.dtype, copy=False)
        return syn


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


@substitute(common=_COMMON_PARAMS_DOC, label_weight=label_weight_doc("data"))
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
    sampling_strategy : float, str, dict, callable or None, default=None
        Rebalance the classes instead of augmenting the whole dataset, with
        imbalanced-learn's over-sampling semantics (``"auto"``,
        ``"minority"``, ``"not minority"``, ``"not majority"``, ``"all"``, a
        float for binary problems, a dict of target counts per class
        (non-negative ints), or a callable that takes ``y`` and returns such
        a dict; needs imbalanced-learn). The synthetic points of a class
        come from k-mixup inside that class (both k-batches from the class,
        so their label is the class): near-neighbour interpolations, as
        SMOTE makes, but paired by a global optimal matching. ``n_synthetic``
        is then not used. None: ``n_synthetic`` points over all classes.
    {label_weight}
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
    sampling_strategy_ : dict
        With ``sampling_strategy``: the number of synthetic points made for
        each class (imbalanced-learn's format). Not set otherwise.
    k_ : int
        The k-batch size used: ``k`` capped at half the rows a k-mixup step
        sees (see :func:`skmixup.effective_k`).
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
    DataFrame comes back with a fresh ``RangeIndex``, its categorical columns
    in their own dtype. ``X`` keeps its container (ndarray, DataFrame or
    list) and floating-point dtype (float32 stays float32; integers become
    float64). Sparse input, NaN and infinity are rejected. ``y`` must hold
    at least two classes. ``k`` larger than half the rows is capped there,
    as everywhere in the package.

    With ``sample_weight``, the matching between two k-batches is the exact
    optimal-transport plan between their normalised weights (:func:`ot.emd`),
    which is no longer a permutation: each anchor point draws its partner
    from its row of the plan. This path loops over k-batches in Python and
    is slower; equal weights use the fast permutation path.

    {two_readings}

    References
    ----------
    {kmixup_reference}

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
        **constraints("target", "sampling_strategy"),
    }

    def __init__(
        self,
        *,
        k=8,
        alpha=1.0,
        n_synthetic=1.0,
        keep_original=True,
        target="hard",
        metric="euclidean",
        match_on="standardized",
        categorical_features=None,
        onehot_groups=None,
        sampling_strategy=None,
        label_weight=0.0,
        random_state=None,
    ):
        self.k = k
        self.alpha = alpha
        self.n_synthetic = n_synthetic
        self.keep_original = keep_original
        self.target = target
        self.metric = metric
        self.match_on = match_on
        self.categorical_features = categorical_features
        self.onehot_groups = onehot_groups
        self.sampling_strategy = sampling_strategy
        self.label_weight = label_weight
        self.random_state = random_state

    def _validate(self, X, y):
        policy = get_target(self.target)
        if not policy.labels and self.sampling_strategy is not None:
            raise ValueError(
                "sampling_strategy rebalances classes, which needs class labels; "
                f"it cannot be used with target={self.target!r}. Use "
                "sampling_strategy=None."
            )
        table, X_arr, y_arr = self._read_X(X, y, policy)
        classes, codes = policy.prepare(y_arr, type(self).__name__)
        if policy.labels:
            self.classes_ = classes
        return policy, table, X_arr, y_arr, codes

    def _class_counts(self, codes):
        """Synthetic points per class code from ``sampling_strategy``."""
        imblearn_utils = import_optional(
            "imblearn.utils",
            "sampling_strategy needs imbalanced-learn: pip install "
            "imbalanced-learn (or skmixup[imblearn]).",
        )
        labels = self.classes_[codes]
        strategy = self.sampling_strategy
        if callable(strategy):
            strategy = _called_strategy(strategy, labels)
        try:
            self.sampling_strategy_ = imblearn_utils.check_sampling_strategy(
                strategy, labels, "over-sampling"
            )
        except ValueError as exc:
            # imbalanced-learn's messages (an absent class, a count below the
            # class's size, a ratio that would remove samples) name no argument
            raise ValueError(
                f"sampling_strategy={self.sampling_strategy!r} does not fit the "
                f"classes of y: {exc} sampling_strategy asks for the number of "
                "samples each class should have after over-sampling (at least "
                "its current count, for classes present in y)."
            ) from exc
        counts = np.zeros(len(self.classes_), dtype=np.int64)
        sizes = np.bincount(codes, minlength=len(self.classes_))
        for c, label in enumerate(self.classes_):
            counts[c] = self.sampling_strategy_.get(label, 0)
            if counts[c] > 0 and sizes[c] < 2:
                raise ValueError(
                    f"sampling_strategy asks for {counts[c]} synthetic points of "
                    f"class {label!r}, which has {sizes[c]} sample: k-mixup inside a "
                    "class needs at least 2 samples of it. Drop the class from "
                    "sampling_strategy (a dict) or gather more samples."
                )
        return counts

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
        self._validate(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, sample_weight=None):
        """Return the data augmented with k-mixup points.

        Validates the inputs, then draws and mixes (``_fit_resample``), as
        imbalanced-learn's samplers do.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: ndarray, DataFrame, list, or a Dask array or
            DataFrame (mixed lazily, chunk by chunk).
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
            return self._fit_resample_dask(X, y, sample_weight)
        if self.sampling_strategy is not None and self.n_synthetic != 1.0:
            raise ValueError(
                "n_synthetic is not used when sampling_strategy is set (the "
                "strategy decides how many points each class gets); got "
                f"n_synthetic={self.n_synthetic!r}. Leave n_synthetic at its "
                "default, or set sampling_strategy=None."
            )
        policy, table, X_arr, y_arr, codes = self._validate(X, y)
        weight = check_sample_weight(sample_weight, X_arr.shape[0])
        X_res, y_res = self._fit_resample(X_arr, y_arr, table, codes, weight)
        return table.wrap(X_res), policy.wrap(y, y_arr, y_res)

    def _fit_resample(self, X, y, table, codes, weight):
        """Draw and mix (validated arrays); the targets come back in the
        target policy's form (row indices into ``y`` for hard labels)."""
        rng = check_generator(self.random_state)
        counts = None if self.sampling_strategy is None else self._class_counts(codes)
        syn = self._pairs(X, table, weight, rng, codes=codes, counts=counts, y=y)
        self.k_ = _used_k(self.k, X.shape[0] if counts is None else None, codes, counts)
        self.pairs_ = np.stack([syn.anchor, syn.partner], axis=1)
        self.lam_ = syn.lam.astype(X.dtype, copy=False)
        self.sample_weight_ = None
        if weight is not None:
            syn_w = weight[syn.anchor]
            self.sample_weight_ = (
                np.concatenate([weight, syn_w]) if self.keep_original else syn_w
            )
        X_res = resample_X(X, syn, self.keep_original, table.discrete)
        n_classes = None if codes is None else len(self.classes_)
        policy = get_target(self.target)
        y_res = policy.resample(y, syn, self.keep_original, codes, n_classes)
        return X_res, y_res

    def _fit_resample_dask(self, X, y, sample_weight):
        if self.label_weight:
            raise TypeError(
                f"label_weight={self.label_weight!r} is not supported with Dask "
                "input to KMixupAugmenter.fit_resample (the chunked path matches "
                "on X alone); pass label_weight=0, or numpy / pandas input."
            )
        unsupported_with_dask(
            sample_weight=sample_weight,
            categorical_features=self.categorical_features,
            onehot_groups=self.onehot_groups,
            sampling_strategy=self.sampling_strategy,
        )
        X_res, y_res, fitted = fit_resample_dask(self.get_params(), X, y)
        for name in ("classes_", "feature_names_in_"):
            if name not in fitted and hasattr(self, name):
                delattr(self, name)
        for name, value in fitted.items():
            setattr(self, name, value)
        self.sample_weight_ = None
        return X_res, y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.input_tags.string = self.categorical_features is not None
        return _as_imblearn_sampler_tags(tags)


def _used_k(k, n, codes, counts):
    """``k`` capped as the draws cap it (half the rows a step sees)."""
    if n is not None:
        return effective_k(k, n)
    sizes = np.bincount(codes, minlength=len(counts))[counts > 0]
    return effective_k(k, int(sizes.min())) if sizes.size else k


def _called_strategy(strategy, labels):
    """The dict a callable ``sampling_strategy`` returns, checked as a dict
    value of the parameter is (imbalanced-learn reads its ``.keys()``)."""
    result = strategy(labels)
    if not isinstance(result, dict):
        raise ValueError(
            "sampling_strategy is a callable, which must return a dict of class "
            f"-> number of samples wanted; it returned a {type(result).__name__} "
            f"({result!r})."
        )
    validate_parameter_constraints(
        {"sampling_strategy": [COUNTS_DICT]},
        {"sampling_strategy": result},
        caller_name="KMixupAugmenter (the dict sampling_strategy returned)",
    )
    return result


def _estimator_has(attr):
    """The fitted inner estimator (or the unfitted one) has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


def _delegate(method, summary, returns, note=""):
    """A prediction method of :class:`KMixupEstimator`: validate ``X``, then
    call the fitted inner estimator's ``method`` (available when it has one)."""

    def call(self, X):
        X = self._validated(X)  # first: it raises NotFittedError
        return getattr(self.estimator_, method)(X)

    call.__name__ = method
    call.__qualname__ = f"KMixupEstimator.{method}"
    call.__doc__ = f"""{summary}

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        {returns}
            ``estimator_.{method}(X)``.{note}
        """
    return available_if(_estimator_has(method))(call)


@substitute(common=_COMMON_PARAMS_DOC, label_weight=label_weight_doc("data"))
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
    {label_weight}
    {random_state}
        It drives the augmentation only: seed the wrapped estimator through
        its own parameters (``estimator__random_state``).

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the augmented data.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers only).
    k_ : int
        The k-batch size used (``k`` capped at half the rows).
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

    {two_readings}

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
        categorical_features=None,
        onehot_groups=None,
        label_weight=0.0,
        random_state=None,
    ):
        self.estimator = estimator
        self.k = k
        self.alpha = alpha
        self.n_synthetic = n_synthetic
        self.keep_original = keep_original
        self.metric = metric
        self.match_on = match_on
        self.categorical_features = categorical_features
        self.onehot_groups = onehot_groups
        self.label_weight = label_weight
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
        policy, table, X, y, codes = self._validate(X, y)
        weight = self._check_weight(sample_weight, X.shape[0])
        rng = check_generator(self.random_state)
        syn = self._pairs(X, table, weight, rng, codes=codes, y=y)
        self.k_ = effective_k(self.k, X.shape[0])
        X_train, y_train, w_train = self._training_set(
            policy, X, y, codes, table.discrete, syn, weight
        )
        fit_params = {} if w_train is None else {"sample_weight": w_train}
        self.estimator_ = clone(self.estimator).fit(
            table.wrap(X_train), y_train, **fit_params
        )
        return self

    def _target_policy(self):
        """How the inner estimator gets the targets of synthetic points."""
        if is_regressor(self.estimator):
            return CONTINUOUS
        if not is_classifier(self.estimator):
            raise TypeError(
                "estimator must be a scikit-learn classifier or regressor; got "
                f"{type(self.estimator).__name__}, which is neither."
            )
        if has_fit_parameter(self.estimator, "sample_weight"):
            return SPLIT_WEIGHT
        return HARD

    def _validate(self, X, y):
        """Validated ``X`` and ``y``, the target policy and class codes."""
        policy = self._target_policy()
        if policy.labels and type_of_target(y, input_name="y") in (
            "multilabel-indicator",
            "multiclass-multioutput",
        ):
            raise ValueError(
                "Multilabel and multioutput targets are not supported. "
                "KMixupEstimator wrapping a classifier needs y of shape "
                "(n_samples,) with one class per sample."
            )
        multi_output = (not policy.labels) and get_tags(
            self.estimator
        ).target_tags.multi_output
        table, X, y = self._read_X(X, y, policy, multi_output=multi_output)
        self._passthrough_ = bool(table.levels)
        codes = None
        if policy.labels:
            check_classification_targets(y)
            codes = np.unique(y, return_inverse=True)[1]
            if codes.max(initial=0) < 1:
                raise one_class_error(
                    "KMixupEstimator wrapping a classifier", y[:1].tolist()[0]
                )
        return policy, table, X, y, codes

    def _check_weight(self, sample_weight, n):
        weight = check_sample_weight(sample_weight, n)
        if weight is not None and not has_fit_parameter(
            self.estimator, "sample_weight"
        ):
            raise TypeError(
                f"sample_weight was passed but {type(self.estimator).__name__}"
                ".fit does not accept sample_weight. Drop sample_weight or "
                "wrap an estimator that supports it."
            )
        return weight

    def _training_set(self, policy, X, y, codes, discrete, syn, weight):
        """``(X, y, sample_weight)`` for the inner fit: the originals (if
        kept) and the synthetic rows the target policy makes; the weights
        are None when neither the user nor the policy weights rows."""
        syn, y_syn, factor = policy.training_rows(y, codes, syn)
        w_syn = (
            np.ones(len(syn.lam)) if weight is None else weight[syn.anchor]
        ) * factor
        X_train = resample_X(X, syn, self.keep_original, discrete)
        y_train, w_train = y_syn, w_syn
        if self.keep_original:
            y_train = np.concatenate([y.astype(y_syn.dtype, copy=False), y_syn])
            w_orig = np.ones(X.shape[0]) if weight is None else weight
            w_train = np.concatenate([w_orig, w_syn])
        if weight is None and not policy.weighted:
            w_train = None
        return X_train, y_train, w_train

    @property
    def classes_(self):
        """Class labels of the fitted classifier."""
        check_is_fitted(self)
        return self.estimator_.classes_

    def _validated(self, X):
        check_is_fitted(self)
        if self._passthrough_:
            # String categories: check the columns, let the inner model read X.
            validate_data(self, X, reset=False, dtype=None, ensure_all_finite=False)
            return X
        return validate_data(self, X, reset=False, dtype=[np.float64, np.float32])

    predict = _delegate(
        "predict",
        "Predict with the fitted inner estimator.",
        "y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)",
    )
    predict_proba = _delegate(
        "predict_proba",
        "Class probabilities from the fitted inner classifier.",
        "proba : ndarray of shape (n_samples, n_classes)",
        " Columns in ``classes_`` order.",
    )
    predict_log_proba = _delegate(
        "predict_log_proba",
        "Log class probabilities from the fitted inner classifier.",
        "log_proba : ndarray of shape (n_samples, n_classes)",
    )
    decision_function = _delegate(
        "decision_function",
        "Decision function of the fitted inner estimator.",
        "scores : ndarray of shape (n_samples,) or (n_samples, n_classes)",
    )

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
