"""The estimator layer's contract: one parameter spec, one target policy per
target kind, one reading (or a documented one) per parameter name, and clear
errors for the inputs that used to surface as library internals."""

import inspect
import pickle

import numpy as np
import pytest
import torch
from _optional import optional_import, requires
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge

from skmixup import (
    KMixupAugmenter,
    KMixupClassifier,
    KMixupEstimator,
    KMixupRegressor,
    toydata,
)
from skmixup._params import SPEC, constraints
from skmixup._targets import (
    CONTINUOUS,
    HARD,
    SOFT,
    SPLIT_WEIGHT,
    TARGETS,
    encode_labels,
    get_target,
)
from skmixup.modules import TabularMLP

pd = optional_import("pandas")

RNG = np.random.default_rng(0)
X16 = RNG.normal(size=(16, 3))
Y16 = np.arange(16) % 2
NET = dict(max_epochs=1, batch_size=8, module__hidden_units=4)

# entry point name -> callable(random_state) running it on small data
ENTRY_POINTS = {
    "KMixupAugmenter": lambda rs: KMixupAugmenter(k=2, random_state=rs).fit_resample(
        X16, Y16
    )[0],
    "KMixupEstimator": lambda rs: (
        KMixupEstimator(LogisticRegression(), k=2, random_state=rs)
        .fit(X16, Y16)
        .estimator_.coef_
    ),
    "KMixupClassifier": lambda rs: (
        KMixupClassifier(k=2, random_state=rs, **NET).fit(X16, Y16).predict_proba(X16)
    ),
    "KMixupRegressor": lambda rs: (
        KMixupRegressor(k=2, random_state=rs, **NET).fit(X16, X16[:, 0]).predict(X16)
    ),
    "make_spiral": lambda rs: toydata.make_spiral(20, random_state=rs)[0],
    "make_clusters": lambda rs: toydata.make_clusters(20, 4, random_state=rs)[0],
}

ESTIMATORS = {
    "KMixupAugmenter": lambda **p: KMixupAugmenter(k=2, **p),
    "KMixupEstimator": lambda **p: KMixupEstimator(LogisticRegression(), k=2, **p),
    "KMixupClassifier": lambda **p: KMixupClassifier(k=2, **NET, **p),
    "KMixupRegressor": lambda **p: KMixupRegressor(k=2, **NET, **p),
}


def _fit(name, est, X, y):
    return est.fit_resample(X, y) if name == "KMixupAugmenter" else est.fit(X, y)


# ---------------------------------------------------------------------------
# One random_state rule in every entry point
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    "make_state",
    [
        lambda: None,
        lambda: 0,
        lambda: np.int64(7),
        lambda: 2**40,
        lambda: np.random.RandomState(0),
        lambda: np.random.default_rng(0),
    ],
    ids=["None", "int", "numpy-int", "2**40", "RandomState", "Generator"],
)
def test_every_entry_point_takes_the_random_state_rule(entry, make_state):
    out = ENTRY_POINTS[entry](make_state())
    assert np.isfinite(np.asarray(out, dtype=float)).all()


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_same_seed_same_output_and_a_generator_is_drawn_from(entry):
    run = ENTRY_POINTS[entry]
    np.testing.assert_array_equal(run(2**40), run(2**40))
    np.testing.assert_array_equal(
        run(np.random.default_rng(5)), run(np.random.default_rng(5))
    )


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("bad", [-1, 1.5, "seed", True])
def test_every_entry_point_refuses_the_same_random_states(entry, bad):
    with pytest.raises((TypeError, ValueError), match="random_state"):
        ENTRY_POINTS[entry](bad)


def test_toy_data_keep_their_seeds():
    # ints below 2**32 still draw from the RandomState they always drew from
    for make in (toydata.make_spiral, toydata.make_clusters):
        np.testing.assert_array_equal(
            make(30, random_state=3)[0],
            make(30, random_state=np.random.RandomState(3))[0],
        )


# ---------------------------------------------------------------------------
# One constraint per shared parameter
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "Estimator", [KMixupAugmenter, KMixupEstimator, KMixupClassifier, KMixupRegressor]
)
def test_shared_parameters_take_their_constraint_from_the_spec(Estimator):
    own = Estimator._parameter_constraints
    shared = [name for name in own if name in SPEC]
    assert {"k", "alpha", "metric", "random_state"} <= set(shared)
    for name in shared:
        assert own[name] is constraints(name)[name], name


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@pytest.mark.parametrize("metric", ["cosine", "Euclidean", None])
def test_unknown_metric_refused_by_every_estimator(name, metric):
    with pytest.raises(ValueError, match="'metric' parameter"):
        _fit(name, ESTIMATORS[name](metric=metric), X16, Y16)


def test_module_sizes_follow_the_int_rule():
    net = TabularMLP(n_features=np.int64(3), n_outputs=np.int32(2))
    assert net(torch.zeros(1, 3)).shape == (1, 2)
    with pytest.raises(TypeError, match=r"TabularMLP: n_features must be an int >= 1"):
        TabularMLP(n_features=True, n_outputs=2)


def test_k_reported_by_the_one_cap():
    aug = KMixupAugmenter(k=8, random_state=0)
    aug.fit_resample(X16[:3], [0, 1, 0])
    assert aug.k_ == 1
    est = KMixupEstimator(Ridge(), k=8, random_state=0).fit(X16[:5], X16[:5, 0])
    assert est.k_ == 2


def test_dask_one_row_chunk_reports_k_one():
    da = pytest.importorskip("dask.array")
    X = da.from_array(X16[:5], chunks=(4, 3))  # chunks of 4 rows and 1 row
    aug = KMixupAugmenter(k=8, random_state=0)
    aug.fit_resample(X, da.from_array(np.array([0, 1, 0, 1, 0]), chunks=4))
    assert aug.k_ == 1


# ---------------------------------------------------------------------------
# The nets share one __init__ and keep their explicit signature
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "Net, criterion",
    [
        (KMixupClassifier, torch.nn.CrossEntropyLoss),
        (KMixupRegressor, torch.nn.MSELoss),
    ],
)
def test_nets_signature_lists_every_parameter(Net, criterion):
    params = inspect.signature(Net).parameters
    for name in ("module", "k", "alpha", "metric", "random_state", "lr", "device"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["criterion"].default is criterion
    assert ("classes" in params) is (Net is KMixupClassifier)
    net = Net(k=3, lr=0.5, module__hidden_units=4)
    got = clone(net).get_params(deep=False)
    assert (got["k"], got["lr"], got["module__hidden_units"]) == (3, 0.5, 4)
    assert got["criterion"] is criterion


# ---------------------------------------------------------------------------
# Target policies
# ---------------------------------------------------------------------------


def test_target_table_covers_the_parameter_and_refuses_the_rest():
    assert set(TARGETS) == set(SPEC["target"][0].options)
    assert (get_target("hard"), get_target("soft")) == (HARD, SOFT)
    assert get_target("continuous") is CONTINUOUS
    for bad in ("split-weight", "Hard", None, 1):
        with pytest.raises(ValueError, match="target must be one of"):
            get_target(bad)


def test_estimator_picks_its_policy():
    assert KMixupEstimator(LogisticRegression())._target_policy() is SPLIT_WEIGHT
    assert KMixupEstimator(Ridge())._target_policy() is CONTINUOUS
    from sklearn.neighbors import KNeighborsClassifier

    assert KMixupEstimator(KNeighborsClassifier())._target_policy() is HARD
    assert (KMixupClassifier._target_policy, KMixupRegressor._target_policy) == (
        SOFT,
        CONTINUOUS,
    )


def test_encode_labels_any_order_and_unknown_labels():
    classes = np.array(["b", "a", "c"])
    np.testing.assert_array_equal(encode_labels(["a", "c", "b"], classes), [1, 2, 0])
    with pytest.raises(ValueError, match=r"not in classes_.*\['z'\]\. refit"):
        encode_labels(["a", "z"], classes, fix="refit")


def test_pandas_in_pandas_out_through_the_policies():
    X = pd.DataFrame(X16, columns=["a", "b", "c"])
    y = pd.Series(pd.Categorical(np.where(Y16 == 1, "yes", "no")), name="t")
    _, y_hard = KMixupAugmenter(k=2, random_state=0).fit_resample(X, y)
    assert isinstance(y_hard, pd.Series) and y_hard.dtype == y.dtype
    _, y_cont = KMixupAugmenter(k=2, target="continuous", random_state=0).fit_resample(
        X, pd.Series(X16[:, 0], name="v")
    )
    assert isinstance(y_cont, pd.Series) and y_cont.name == "v"
    _, y_soft = KMixupAugmenter(k=2, target="soft", random_state=0).fit_resample(X, y)
    assert isinstance(y_soft, np.ndarray) and y_soft.shape == (32, 2)


def test_estimator_pickles_after_the_template_fit():
    est = KMixupEstimator(LogisticRegression(), k=2, random_state=0).fit(X16, Y16)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X16), est.predict(X16))


# ---------------------------------------------------------------------------
# Issue 23: clear errors naming the argument and the fix
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: KMixupEstimator(Ridge(), k=2),
        lambda: KMixupRegressor(k=2, **NET),
        lambda: KMixupAugmenter(k=2, target="continuous"),
    ],
    ids=["estimator-ridge", "regressor-net", "augmenter-continuous"],
)
@pytest.mark.parametrize(
    "y",
    [
        lambda: ["cat", "dog"] * 8,
        lambda: pd.Series(pd.Categorical(["cat", "dog"] * 8)),
        lambda: np.array(["1.5", "x"] * 8, dtype=object),
    ],
    ids=["list", "categorical", "object"],
)
def test_string_y_for_a_regressor_names_y(make, y):
    est, y = make(), y()
    with pytest.raises(
        ValueError,
        match="numeric regression targets in y; y holds strings such as '(cat|x)'",
    ):
        est.fit_resample(X16, y) if hasattr(est, "fit_resample") else est.fit(X16, y)


def _frame(kind, n=12):
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    column = {
        "bool": lambda: rng.random(n) < 0.5,
        "Int64": lambda: pd.array(rng.integers(0, 3, n), dtype="Int64"),
        "boolean": lambda: pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "category": lambda: pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "object": lambda: np.array(rng.choice(["a", "b"], n), dtype=object),
        "string": lambda: pd.array(rng.choice(["a", "b"], n), dtype="string"),
        "arrow": lambda: pd.array(rng.choice(["a", "b"], n), dtype="string[pyarrow]"),
    }[kind]
    X["d"] = column()
    return X


def _labels(name, n=12):
    return (
        np.arange(n) * 1.0
        if name == "KMixupRegressor"
        else ["neg", "pos", "mid"] * (n // 3)
    )


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@pytest.mark.parametrize("kind", ["bool", "Int64", "boolean"])
def test_numeric_like_columns_fit_every_estimator(name, kind):
    _fit(name, ESTIMATORS[name](), _frame(kind), _labels(name))


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@pytest.mark.parametrize("kind", ["category", "object", "string", "arrow"])
def test_string_columns_name_X_in_every_estimator(name, kind):
    if kind == "arrow":
        pytest.importorskip("pyarrow")
    with pytest.raises(ValueError, match=r"X holds (non-numeric values|strings)"):
        _fit(name, ESTIMATORS[name](), _frame(kind), _labels(name))


@pytest.mark.parametrize("Net", [KMixupClassifier, KMixupRegressor])
def test_issue_23_bool_frame_with_a_category_column(Net):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((9, 4)) < 0.5, columns=["c0", "c1", "c2", "c3"])
    X["cat"] = pd.Categorical(rng.choice(["a", "b", "c"], 9))
    y = ["neg", "pos", "mid"] * 3 if Net is KMixupClassifier else np.arange(9.0)
    with pytest.raises(ValueError, match="needs numbers in X; X holds strings"):
        Net(k=3, max_epochs=2).fit(X, y)


@pytest.mark.parametrize(
    "strategy, match",
    [
        ({1: 10.5}, "'sampling_strategy' parameter"),
        ({1: -1}, "'sampling_strategy' parameter"),
        (lambda y: [1], "must return a dict.*returned a list"),
        (lambda y: {1: 10.5}, "the dict sampling_strategy returned"),
    ],
    ids=["float-count", "negative-count", "callable-list", "callable-float"],
)
@requires("imblearn")  # sampling_strategy uses its checks
def test_bad_sampling_strategy(strategy, match):
    y = np.array([0] * 10 + [1] * 6)
    aug = KMixupAugmenter(k=2, sampling_strategy=strategy, random_state=0)
    with pytest.raises(ValueError, match=match):
        aug.fit_resample(X16, y)


@requires("imblearn")  # sampling_strategy uses its checks
def test_sampling_strategy_counts_are_what_is_made():
    y = np.array([0] * 10 + [1] * 6)
    aug = KMixupAugmenter(k=2, sampling_strategy={1: 10}, random_state=0)
    _, y_res = aug.fit_resample(X16, y)
    assert aug.sampling_strategy_ == {1: 4}
    assert np.bincount(y_res).tolist() == [10, 10]
    aug.set_params(sampling_strategy=lambda labels: {1: 12})
    _, y_res = aug.fit_resample(X16, y)
    assert np.bincount(y_res).tolist() == [10, 12]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("Net", [KMixupClassifier, KMixupRegressor])
@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda")])
def test_missing_cuda_is_a_value_error_at_fit(Net, device):
    net = Net(device=device, **NET)
    clone(net)  # configuring is fine: only training needs the device
    y = Y16 if Net is KMixupClassifier else X16[:, 0]
    with pytest.raises(ValueError, match=r"device=.*cuda.*device='auto'"):
        net.fit(X16, y)


# ---------------------------------------------------------------------------
# One name, two readings: documented and pinned
# ---------------------------------------------------------------------------


def _coded_data():
    rng = np.random.default_rng(3)
    X = np.column_stack(
        [rng.normal(size=32), rng.normal(size=32), rng.integers(0, 3, 32)]
    )
    relabelled = X.copy()
    relabelled[:, 2] = np.array([2, 0, 1])[X[:, 2].astype(int)]
    return X.astype(np.float32), relabelled.astype(np.float32), np.arange(32) % 2


def _net_mix(net, X, y, weights=None, seed=0):
    net._rng_ = np.random.default_rng(seed)
    w = None if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    return net.mix_batch(torch.from_numpy(X), torch.eye(2)[y], w)


def test_categories_matched_one_hot_by_the_augmenter_as_numbers_by_the_nets():
    X, relabelled, y = _coded_data()
    aug = KMixupAugmenter(k=8, categorical_features=[2], random_state=0)
    aug.fit_resample(X, y)
    pairs = aug.pairs_.copy()
    aug.fit_resample(relabelled, y)
    np.testing.assert_array_equal(aug.pairs_, pairs)  # codes are labels

    net = KMixupClassifier(k=8, categorical_features=[2], **NET).fit(X, y)
    mixed = _net_mix(net, X, y)[0][:, 0]
    mixed_relabelled = _net_mix(net, relabelled, y)[0][:, 0]
    assert not torch.equal(mixed, mixed_relabelled)  # codes are numbers
    assert "codes as numbers" in KMixupClassifier.__doc__
    assert "onehot_groups" in KMixupAugmenter.__doc__.split("read two parameters")[1]


def test_weights_pair_in_the_augmenter_and_weigh_the_loss_in_the_nets():
    X, _, y = _coded_data()
    w = np.where(np.arange(32) < 4, 50.0, 1.0)
    aug = KMixupAugmenter(k=8, random_state=0)
    plain = aug.fit_resample(X, y)[0]
    weighted = aug.fit_resample(X, y, sample_weight=w)[0]
    assert not np.array_equal(plain, weighted)  # weights change who is paired

    net = KMixupClassifier(k=8, **NET).fit(X, y)
    X_plain = _net_mix(net, X, y, np.ones(32))[0]
    X_weighted, _, w_mix = _net_mix(net, X, y, w)
    torch.testing.assert_close(X_weighted, X_plain, rtol=0, atol=0)
    assert w_mix.min() >= 1.0 and w_mix.max() <= 50.0
    for Est in (KMixupAugmenter, KMixupEstimator, KMixupClassifier, KMixupRegressor):
        assert "read two parameters differently" in Est.__doc__
