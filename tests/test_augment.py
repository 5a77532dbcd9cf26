"""Tests of KMixupAugmenter (imbalanced-learn sampler API) and KMixupEstimator."""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import ot
import pytest
from _optional import decorator_or_skip, optional_import
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmixup import KMixupAugmenter, KMixupEstimator
from skmixup._matching import match_rows

pd = optional_import("pandas")
make_imblearn_pipeline = optional_import("imblearn.pipeline").make_pipeline
imblearn_parametrize_with_checks = decorator_or_skip(
    optional_import("imblearn.utils.estimator_checks").parametrize_with_checks
)

X_OK = np.random.default_rng(0).standard_normal((20, 3))
Y_OK = np.repeat([0, 1], 10)

# ---------------------------------------------------------------------------
# Common checks


def _expected_failed_checks(estimator):
    if isinstance(estimator, KMixupEstimator):
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "k-mixup draws random k-batches over the rows it is given: "
                "repeating a row changes the shuffle, the partners and the "
                "number of synthetic points, so weight 2 cannot equal a "
                "repeated row."
            ),
        }
    return {}


@parametrize_with_checks(
    [
        KMixupAugmenter(k=2, random_state=0),
        KMixupAugmenter(k=2, sampling_strategy="auto", random_state=0),
        KMixupEstimator(LogisticRegression(), k=2, random_state=0),
        KMixupEstimator(Ridge(), k=2, random_state=0),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _imblearn_expected_failed_checks(estimator):
    if not isinstance(estimator, KMixupAugmenter):
        return {}
    failed = {
        "check_samplers_pandas_sparse": (
            "sparse input is rejected with a TypeError by design: mixing "
            "two sparse rows densifies them, and the matching is dense."
        ),
    }
    if estimator.sampling_strategy is None:
        failed["check_samplers_fit"] = (
            "the check requires `sampling_strategy_`: with "
            "sampling_strategy=None KMixupAugmenter adds mixed points over all "
            "classes instead of rebalancing them, so it has no strategy."
        )
    return failed


@imblearn_parametrize_with_checks(
    [
        KMixupAugmenter(k=2, random_state=0),
        KMixupAugmenter(k=2, sampling_strategy="auto", random_state=0),
        KMixupEstimator(LogisticRegression(max_iter=1000), k=2, random_state=0),
    ],
    expected_failed_checks=_imblearn_expected_failed_checks,
)
def test_imblearn_compatible(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(
        n_samples=200, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )
    return X, y


def _synthetic(X_res, n, keep_original=True):
    return np.asarray(X_res)[n:] if keep_original else np.asarray(X_res)


# ---------------------------------------------------------------------------
# Pipelines and search


def test_imblearn_pipeline_on_iris():
    X, y = load_iris(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)
    pipe = make_imblearn_pipeline(
        StandardScaler(),
        KMixupAugmenter(k=8, random_state=0),
        LogisticRegression(max_iter=1000),
    )
    pipe.fit(X_tr, y_tr)
    # The sampler runs only while fitting: predictions are one per test row.
    assert pipe.predict(X_te).shape == (len(X_te),)
    assert pipe.score(X_te, y_te) >= 0.9
    augmenter = pipe.named_steps["kmixupaugmenter"]
    assert augmenter.pairs_.shape == (len(X_tr), 2)


def test_grid_search_over_k_and_alpha_in_imblearn_pipeline():
    X, y = load_iris(return_X_y=True)
    pipe = make_imblearn_pipeline(
        StandardScaler(),
        KMixupAugmenter(random_state=0),
        LogisticRegression(max_iter=1000),
    )
    grid = GridSearchCV(
        pipe,
        {"kmixupaugmenter__k": [1, 8], "kmixupaugmenter__alpha": [0.0, 1.0]},
        cv=3,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["kmixupaugmenter__k"] in (1, 8)
    assert grid.best_score_ >= 0.9


def test_grid_search_over_meta_estimator():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)  # lbfgs converges fast on scaled data
    model = KMixupEstimator(LogisticRegression(max_iter=1000), random_state=0)
    grid = GridSearchCV(
        model, {"k": [2, 8], "alpha": [0.5, 2.0], "estimator__C": [0.1, 10.0]}, cv=3
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert grid.best_estimator_.estimator_.C == grid.best_params_["estimator__C"]
    assert grid.best_score_ >= 0.9


def test_meta_estimator_in_sklearn_pipeline():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        KMixupEstimator(LogisticRegression(max_iter=1000), k=4, random_state=0),
    ).fit(X, y)
    assert pipe.score(X, y) >= 0.9
    assert pipe.predict_proba(X).shape == (150, 3)


# ---------------------------------------------------------------------------
# Input kinds


def test_pandas_in_pandas_out(blobs):
    X, y = blobs
    X_df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    y_s = pd.Series(y, name="label")
    aug = KMixupAugmenter(k=4, random_state=0)
    X_res, y_res = aug.fit_resample(X_df, y_s)
    assert isinstance(X_res, pd.DataFrame)
    assert list(X_res.columns) == ["a", "b", "c", "d"]
    assert isinstance(y_res, pd.Series) and y_res.name == "label"
    assert list(aug.feature_names_in_) == ["a", "b", "c", "d"]
    X_np, y_np = KMixupAugmenter(k=4, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res.to_numpy(), X_np)
    np.testing.assert_array_equal(y_res.to_numpy(), y_np)


def test_pandas_string_and_categorical_labels_keep_dtype(blobs):
    X, y = blobs
    names = np.array(["cat", "dog"])[y]
    _, y_str = KMixupAugmenter(k=4, random_state=0).fit_resample(X, names)
    assert y_str.dtype == names.dtype
    assert set(y_str) == {"cat", "dog"}
    y_cat = pd.Series(names, dtype="category", name="pet")
    _, y_res = KMixupAugmenter(k=4, random_state=0).fit_resample(X, y_cat)
    assert isinstance(y_res.dtype, pd.CategoricalDtype) and y_res.name == "pet"
    np.testing.assert_array_equal(y_res.to_numpy(), y_str)


def test_float32_stays_float32(blobs):
    X, y = blobs
    X32 = X.astype(np.float32)
    X_res, _ = KMixupAugmenter(k=4, random_state=0).fit_resample(X32, y)
    assert X_res.dtype == np.float32
    X_res, y_soft = KMixupAugmenter(k=4, target="soft", random_state=0).fit_resample(
        X32, y
    )
    assert X_res.dtype == np.float32 and y_soft.dtype == np.float32


def test_list_input(blobs):
    X, y = blobs
    X_res, y_res = KMixupAugmenter(k=4, random_state=0).fit_resample(
        X.tolist(), y.tolist()
    )
    assert isinstance(X_res, list) and isinstance(y_res, list)
    X_np, y_np = KMixupAugmenter(k=4, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(np.asarray(X_res), X_np)
    np.testing.assert_array_equal(np.asarray(y_res), y_np)


def test_meta_estimator_pandas_and_list(blobs):
    X, y = blobs
    X_df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = KMixupEstimator(LogisticRegression(), k=4, random_state=0)
    pred_df = clone(model).fit(X_df, y).predict(X_df)
    fitted = clone(model).fit(X.tolist(), y.tolist())
    np.testing.assert_array_equal(pred_df, fitted.predict(X))
    assert list(clone(model).fit(X_df, y).feature_names_in_) == list(X_df.columns)
    assert fitted.n_features_in_ == 4


# ---------------------------------------------------------------------------
# Randomness contract


@pytest.mark.parametrize("target", ["hard", "soft"])
def test_augmenter_same_seed_same_output_other_seed_other_output(blobs, target):
    X, y = blobs
    out = [
        KMixupAugmenter(k=4, target=target, random_state=seed).fit_resample(X, y)
        for seed in (0, 0, 1)
    ]
    for a, b in zip(out[0], out[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(out[0][0], out[2][0])


def test_meta_estimator_same_seed_same_model_other_seed_other_model(blobs):
    X, y = blobs
    coefs = [
        KMixupEstimator(LogisticRegression(), k=4, random_state=seed)
        .fit(X, y)
        .estimator_.coef_
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(coefs[0], coefs[1])
    assert not np.array_equal(coefs[0], coefs[2])


# ---------------------------------------------------------------------------
# Geometry and labels


@pytest.mark.parametrize("n_synthetic", [1.0, 0.3, 2.5, 7])
def test_every_synthetic_point_lies_on_its_segment(blobs, n_synthetic):
    X, y = blobs
    n = len(X)
    aug = KMixupAugmenter(k=4, n_synthetic=n_synthetic, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    expected = n + (
        n_synthetic if isinstance(n_synthetic, int) else round(n_synthetic * n)
    )
    assert X_res.shape == (expected, 4)
    np.testing.assert_array_equal(X_res[:n], X)
    np.testing.assert_array_equal(y_res[:n], y)
    a, p = aug.pairs_.T
    lam = aug.lam_[:, None]
    assert np.all(a != p)
    assert np.all((lam >= 0) & (lam <= 1))
    np.testing.assert_allclose(
        X_res[n:], lam * X[a] + (1 - lam) * X[p], rtol=1e-12, atol=1e-12
    )
    # Hard labels come from one of the two endpoints.
    assert np.all((y_res[n:] == y[a]) | (y_res[n:] == y[p]))


@pytest.mark.parametrize("k", [1, 10])
def test_k_up_to_half_the_samples_works(k):
    aug = KMixupAugmenter(k=k, random_state=0)
    X_res, _ = aug.fit_resample(X_OK, Y_OK)
    assert X_res.shape == (40, 3)
    assert np.all(aug.pairs_[:, 0] != aug.pairs_[:, 1])


@pytest.mark.parametrize("k", [11, 20, 100])
def test_k_above_half_the_samples_is_capped(k):
    # The package's one rule: k is capped at half the rows a step sees.
    aug = KMixupAugmenter(k=k, random_state=0)
    X_res, _ = aug.fit_resample(X_OK, Y_OK)
    assert aug.k_ == 10
    capped = KMixupAugmenter(k=10, random_state=0).fit_resample(X_OK, Y_OK)[0]
    np.testing.assert_array_equal(X_res, capped)
    est = KMixupEstimator(LogisticRegression(), k=k, random_state=0).fit(X_OK, Y_OK)
    assert est.k_ == 10


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(4, 40),
    d=st.integers(1, 4),
    k_frac=st.floats(0.0, 1.0),
    n_synthetic=st.floats(0.05, 3.0),
    seed=st.integers(0, 2**16),
)
def test_segment_invariant_property(n, d, k_frac, n_synthetic, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.arange(n) % 2
    k = max(1, int(k_frac * (n // 2)))
    aug = KMixupAugmenter(k=k, n_synthetic=n_synthetic, random_state=seed)
    X_res, y_res = aug.fit_resample(X, y)
    m = max(1, round(n_synthetic * n))
    assert X_res.shape == (n + m, d) and y_res.shape == (n + m,)
    a, p = aug.pairs_.T
    assert np.all(a != p)
    lam = aug.lam_[:, None]
    np.testing.assert_allclose(
        X_res[n:], lam * X[a] + (1 - lam) * X[p], rtol=1e-12, atol=1e-12
    )


def test_keep_original_false_returns_only_synthetic(blobs):
    X, y = blobs
    aug = KMixupAugmenter(k=4, keep_original=False, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    a, p = aug.pairs_.T
    lam = aug.lam_[:, None]
    assert X_res.shape == X.shape and y_res.shape == y.shape
    np.testing.assert_allclose(X_res, lam * X[a] + (1 - lam) * X[p], rtol=1e-12)


def test_alpha_zero_copies_points(blobs):
    X, y = blobs
    aug = KMixupAugmenter(k=4, alpha=0.0, keep_original=False, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    np.testing.assert_array_equal(aug.lam_, 1.0)
    np.testing.assert_array_equal(X_res, X[aug.pairs_[:, 0]])
    np.testing.assert_array_equal(y_res, y[aug.pairs_[:, 0]])


def test_hard_label_draws_are_unbiased():
    # Two well-separated classes, so most pairs mix labels; the label of a
    # mixed pair must be y_a with probability lam. About 30 000 mixed pairs
    # in 5 bins of lam: the standard error of a frequency in a bin of >= 5 000
    # draws is <= 0.5 / sqrt(5000) = 0.007; the tolerance 0.035 is 5 of them.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 2))
    y = np.repeat([0, 1], 200)
    aug = KMixupAugmenter(k=1, n_synthetic=150.0, keep_original=False, random_state=0)
    _, y_res = aug.fit_resample(X, y)
    a, p = aug.pairs_.T
    mixed = y[a] != y[p]
    from_anchor = (y_res == y[a])[mixed]
    lam = aug.lam_[mixed]
    assert mixed.sum() > 25000
    bins = np.digitize(lam, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        in_bin = bins == b
        assert in_bin.sum() >= 5000
        assert abs(from_anchor[in_bin].mean() - lam[in_bin].mean()) < 0.035


def test_soft_labels_are_the_mixed_one_hot_labels():
    X, y = make_classification(
        n_samples=90,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    names = np.array(["b", "a", "c"])[y]  # classes_ will be sorted: a, b, c
    aug = KMixupAugmenter(k=4, target="soft", random_state=0)
    _, Y = aug.fit_resample(X, names)
    np.testing.assert_array_equal(aug.classes_, ["a", "b", "c"])
    onehot = (names[:, None] == aug.classes_).astype(float)
    a, p = aug.pairs_.T
    lam = aug.lam_[:, None]
    n = len(X)
    np.testing.assert_array_equal(Y[:n], onehot)
    np.testing.assert_allclose(Y[n:], lam * onehot[a] + (1 - lam) * onehot[p])
    np.testing.assert_allclose(Y.sum(axis=1), 1.0)


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regression_targets_are_mixed_linearly(n_outputs):
    X, y = make_regression(
        n_samples=60, n_features=3, n_targets=n_outputs, random_state=0
    )
    aug = KMixupAugmenter(k=4, target="continuous", random_state=0)
    _, y_res = aug.fit_resample(X, y)
    a, p = aug.pairs_.T
    lam = aug.lam_.reshape((-1,) + (1,) * (y.ndim - 1))
    np.testing.assert_allclose(y_res[60:], lam * y[a] + (1 - lam) * y[p], rtol=1e-12)
    y_s = pd.Series(y if y.ndim == 1 else y[:, 0], name="price")
    _, y_res_s = aug.fit_resample(X, y_s)
    assert isinstance(y_res_s, pd.Series) and y_res_s.name == "price"


def test_standardized_matching_ignores_feature_scale():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    X_big = X * np.array([1.0, 1.0, 1e6])  # one large-scale column
    y = np.repeat([0, 1], 32)
    scaled = StandardScaler().fit_transform(X_big)
    std = KMixupAugmenter(k=8, random_state=0)
    X_res, _ = std.fit_resample(X_big, y)
    ref = KMixupAugmenter(k=8, match_on="raw", random_state=0)
    ref.fit_resample(scaled, y)
    # Same pairs as matching on standardised data, output in the user's units.
    np.testing.assert_array_equal(std.pairs_, ref.pairs_)
    a, p = std.pairs_.T
    lam = std.lam_[:, None]
    np.testing.assert_allclose(X_res[64:], lam * X_big[a] + (1 - lam) * X_big[p])
    # Matching on the raw features is driven by the large column instead.
    raw = KMixupAugmenter(k=8, match_on="raw", random_state=0)
    raw.fit_resample(X_big, y)
    assert not np.array_equal(raw.pairs_, std.pairs_)


# ---------------------------------------------------------------------------
# Sample weights


def test_equal_sample_weights_match_unweighted(blobs):
    X, y = blobs
    plain = KMixupAugmenter(k=4, random_state=0).fit_resample(X, y)
    aug = KMixupAugmenter(k=4, random_state=0)
    weighted = aug.fit_resample(X, y, sample_weight=np.full(len(X), 3.0))
    for a, b in zip(plain, weighted):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(aug.sample_weight_, 3.0)


def test_weighted_pairs_follow_the_exact_ot_plan():
    rng = np.random.default_rng(0)
    n, k = 48, 6
    feats = rng.standard_normal((n, 2))
    weight = rng.random(n) ** 3
    order = rng.permutation(n)
    anchors = order.reshape(-1, k)
    partners = np.roll(order, -k).reshape(-1, k)
    matched = match_rows(
        feats,
        anchors,
        partners,
        metric="sqeuclidean",
        weights=weight,
        rng=np.random.default_rng(1),
    )
    for a_idx, p_idx, m_idx in zip(anchors, partners, matched):
        a = weight[a_idx] / weight[a_idx].sum()
        b = weight[p_idx] / weight[p_idx].sum()
        M = ((feats[a_idx, None] - feats[None, p_idx]) ** 2).sum(-1)
        plan = ot.emd(a, b, M)
        col = np.array([np.flatnonzero(p_idx == q)[0] for q in m_idx])
        # Every drawn pair is in the support of the optimal plan.
        assert np.all(plan[np.arange(k), col] > 0)


@pytest.mark.parametrize("n_synthetic", [1.0, 0.4, 2.5])
def test_zero_weight_points_are_never_partners_and_carry_no_weight(blobs, n_synthetic):
    # A zero-weight point gets no mass in the OT plan, so it is never drawn as
    # a partner (unless its whole partner k-batch weighs zero: with 50 of 200
    # points at zero and k=8 that has probability ~1e-5 per k-batch).
    X, y = blobs
    n = len(X)
    weight = np.ones(n)
    weight[::4] = 0.0
    aug = KMixupAugmenter(k=8, n_synthetic=n_synthetic, random_state=0)
    X_res, _ = aug.fit_resample(X, y, sample_weight=weight)
    a, p = aug.pairs_.T
    assert len(a) == round(n_synthetic * n)
    assert np.all(weight[p] > 0)
    assert np.all(a != p)
    np.testing.assert_array_equal(aug.sample_weight_[:n], weight)
    np.testing.assert_array_equal(aug.sample_weight_[n:], weight[a])
    lam = aug.lam_[:, None]
    np.testing.assert_allclose(X_res[n:], lam * X[a] + (1 - lam) * X[p], rtol=1e-12)


def test_meta_estimator_uses_lambda_weights_per_source_label():
    X, y = load_iris(return_X_y=True)
    n = len(X)
    seen = {}

    class Recorder(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.update(X=X, y=y, w=sample_weight)
            return super().fit(X, y, sample_weight=sample_weight)

    user_w = np.linspace(0.5, 2.0, n)
    model = KMixupEstimator(Recorder(max_iter=500), k=4, random_state=0)
    model.fit(X, y, sample_weight=user_w)
    # The augmenter with the same seed and weights draws the same pairs.
    aug = KMixupAugmenter(k=4, random_state=0)
    aug.fit_resample(X, y, sample_weight=user_w)
    a, p = aug.pairs_.T
    lam = aug.lam_
    split = y[a] != y[p]
    mixed = lam[:, None] * X[a] + (1 - lam[:, None]) * X[p]
    m = len(a)
    np.testing.assert_array_equal(seen["X"][:n], X)
    np.testing.assert_array_equal(seen["w"][:n], user_w)
    Xs, ys, ws = seen["X"][n:], seen["y"][n:], seen["w"][n:]
    assert len(ys) == m + split.sum()
    np.testing.assert_allclose(Xs[:m], mixed, rtol=1e-12)
    np.testing.assert_allclose(Xs[m:], mixed[split], rtol=1e-12)
    np.testing.assert_array_equal(ys[:m], y[a])
    np.testing.assert_array_equal(ys[m:], y[p[split]])
    np.testing.assert_allclose(ws[:m], user_w[a] * np.where(split, lam, 1.0))
    np.testing.assert_allclose(ws[m:], user_w[a[split]] * (1 - lam[split]))
    # The weighted log-loss of these rows is the soft-label cross-entropy.
    proba = model.predict_proba(mixed)
    weighted = -np.sum(ws * np.log(model.predict_proba(Xs)[np.arange(len(ys)), ys]))
    soft = lam[:, None] * np.eye(3)[y[a]] + (1 - lam[:, None]) * np.eye(3)[y[p]]
    cross_entropy = -np.sum(user_w[a] * np.sum(soft * np.log(proba), axis=1))
    assert weighted == pytest.approx(cross_entropy, rel=1e-10)


def test_meta_estimator_classifier_without_sample_weight(blobs):
    X, y = blobs
    model = KMixupEstimator(KNeighborsClassifier(), k=4, random_state=0).fit(X, y)
    assert model.score(X, y) > 0.8
    assert model.estimator_._fit_X.shape == (2 * len(X), 4)
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        model.fit(X, y, sample_weight=np.ones(len(X)))


# ---------------------------------------------------------------------------
# Meta-estimator behaviour


def test_meta_estimator_type_and_delegation(blobs):
    X, y = blobs
    clf = KMixupEstimator(LogisticRegression(), k=4, random_state=0)
    reg = KMixupEstimator(Ridge(), k=4, random_state=0)
    assert is_classifier(clf) and not is_regressor(clf)
    assert is_regressor(reg) and not is_classifier(reg)
    assert hasattr(clf, "predict_proba") and not hasattr(reg, "predict_proba")
    assert not hasattr(reg, "decision_function")
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    np.testing.assert_array_equal(clf.predict_proba(X), clf.estimator_.predict_proba(X))
    np.testing.assert_array_equal(
        clf.decision_function(X), clf.estimator_.decision_function(X)
    )
    assert clf.score(X, y) == clf.estimator_.score(X, y)
    reg.fit(X, y.astype(float))
    assert reg.predict(X).shape == (len(X),)


def test_meta_estimator_regressor_mixes_targets():
    X, y = make_regression(n_samples=80, n_features=3, random_state=0)
    seen = {}

    class Recorder(Ridge):
        def fit(self, X, y, sample_weight=None):
            seen.update(X=X, y=y)
            return super().fit(X, y, sample_weight=sample_weight)

    KMixupEstimator(Recorder(), k=4, keep_original=False, random_state=0).fit(X, y)
    # y is affine in X here (no noise), so mixing X and y with the same lambda
    # keeps every synthetic pair on the same hyperplane.
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(seen["X"] @ coef, seen["y"], rtol=1e-8, atol=1e-8)


def test_meta_estimator_rejects_non_predictor(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="classifier or regressor; got KMeans"):
        KMixupEstimator(KMeans(n_clusters=2, n_init=1), k=4).fit(X, y)


# ---------------------------------------------------------------------------
# Mutation, pickling, optional dependency


def test_inputs_are_not_mutated(blobs):
    X, y = blobs
    X_df = pd.DataFrame(X.copy())
    w = np.linspace(1, 2, len(X))
    copies = (X.copy(), y.copy(), X_df.copy(), w.copy())
    KMixupAugmenter(k=4, random_state=0).fit_resample(X, y, sample_weight=w)
    KMixupAugmenter(k=4, target="soft", random_state=0).fit_resample(X_df, y)
    KMixupEstimator(LogisticRegression(), k=4, random_state=0).fit(
        X, y, sample_weight=w
    )
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    pd.testing.assert_frame_equal(X_df, copies[2])
    np.testing.assert_array_equal(w, copies[3])


def test_pickle_round_trip(blobs):
    X, y = blobs
    aug = KMixupAugmenter(k=4, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    aug2 = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(aug2.pairs_, aug.pairs_)
    X_res2, y_res2 = aug2.fit_resample(X, y)
    np.testing.assert_array_equal(X_res2, X_res)
    np.testing.assert_array_equal(y_res2, y_res)

    model = KMixupEstimator(LogisticRegression(), k=4, random_state=0).fit(X, y)
    model2 = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(model2.predict_proba(X), model.predict_proba(X))


def test_imports_and_works_without_imblearn():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["imblearn"] = None  # any import of imblearn now fails
        import numpy as np
        from skmixup.augment import KMixupAugmenter
        X = np.arange(20.0).reshape(10, 2)
        X_res, y_res = KMixupAugmenter(k=2, random_state=0).fit_resample(
            X, [0, 1] * 5
        )
        assert "imblearn" not in {m for m in sys.modules if sys.modules[m]}
        print(X_res.shape)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "(20, 2)"


def test_feature_names_out(blobs):
    X, y = blobs
    X_df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    aug = KMixupAugmenter(k=4, random_state=0).fit(X_df, y)
    np.testing.assert_array_equal(aug.get_feature_names_out(), ["a", "b", "c", "d"])


# ---------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    "make, params, error, match",
    [
        (
            lambda: (np.where(X_OK > 1, np.nan, X_OK), Y_OK),
            {},
            ValueError,
            "Input X contains NaN",
        ),
        (
            lambda: (np.where(X_OK > 1, np.inf, X_OK), Y_OK),
            {},
            ValueError,
            "Input X contains infinity",
        ),
        (
            lambda: (sparse.csr_matrix(X_OK), Y_OK),
            {},
            TypeError,
            "Sparse data was passed for X",
        ),
        (lambda: (X_OK, np.zeros(20)), {}, ValueError, "y has only one class"),
        (
            lambda: (X_OK, Y_OK),
            {"alpha": -1.0},
            ValueError,
            "'alpha' parameter of KMixupAugmenter must be a finite float >= 0",
        ),
        (
            lambda: (X_OK, Y_OK),
            {"n_synthetic": 0.0},
            ValueError,
            "'n_synthetic' parameter",
        ),
        (lambda: (X_OK, Y_OK), {"target": "fuzzy"}, ValueError, "'target' parameter"),
        (lambda: (X_OK, Y_OK[:-1]), {}, ValueError, "inconsistent numbers of samples"),
        (
            lambda: (X_OK, np.random.default_rng(0).integers(0, 2, (20, 3))),
            {},
            ValueError,
            "Multilabel and multioutput targets are not supported",
        ),
        (lambda: (X_OK[:0], Y_OK[:0]), {}, ValueError, "0 sample"),
        (
            lambda: (X_OK, np.linspace(0, 1, 20)),
            {},
            ValueError,
            "Unknown label type: 'continuous'.*target='continuous'",
        ),
        (
            lambda: (X_OK, np.linspace(0, 1, 20)),
            {"target": "soft"},
            ValueError,
            "Unknown label type",
        ),
    ],
)
def test_augmenter_bad_input(make, params, error, match):
    X, y = make()
    with pytest.raises(error, match=match):
        KMixupAugmenter(**{"k": 2, **params}).fit_resample(X, y)


@pytest.mark.parametrize(
    "weight, error, match",
    [
        (np.ones(19), ValueError, r"sample_weight must have shape \(20,\)"),
        (-np.ones(20), ValueError, "sample_weight must be finite and non-negative"),
        (
            np.full(20, np.nan),
            ValueError,
            "sample_weight must be finite and non-negative",
        ),
        (np.zeros(20), ValueError, "sample_weight must not be all zero"),
        (np.array(["a"] * 20), TypeError, "sample_weight must hold real numbers"),
    ],
)
def test_bad_sample_weight(weight, error, match):
    with pytest.raises(error, match=match):
        KMixupAugmenter(k=2).fit_resample(X_OK, Y_OK, sample_weight=weight)
    with pytest.raises(error, match=match):
        KMixupEstimator(LogisticRegression(), k=2).fit(X_OK, Y_OK, sample_weight=weight)


@pytest.mark.parametrize(
    "X, y, params, error, match",
    [
        (
            X_OK,
            Y_OK,
            {"alpha": -0.5},
            ValueError,
            "'alpha' parameter of KMixupEstimator",
        ),
        (X_OK, np.linspace(0, 1, 20), {}, ValueError, "Unknown label type"),
        (sparse.csr_matrix(X_OK), Y_OK, {}, TypeError, "Sparse data was passed"),
        (
            np.where(X_OK > 1, np.nan, X_OK),
            Y_OK,
            {},
            ValueError,
            "Input X contains NaN",
        ),
        (
            X_OK,
            np.random.default_rng(0).integers(0, 2, (20, 3)),
            {},
            ValueError,
            "Multilabel and multioutput",
        ),
    ],
)
def test_meta_estimator_bad_input(X, y, params, error, match):
    with pytest.raises(error, match=match):
        KMixupEstimator(LogisticRegression(), **{"k": 2, **params}).fit(X, y)
