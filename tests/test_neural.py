"""Tests of the skorch estimators KMixupClassifier / KMixupRegressor and TabularMLP.

Nets are tiny and trained for a few epochs on small data; fitted nets are
shared per module where possible (skorch's own test style).
"""

import pickle
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.dataset import ValidSplit

from skmixup import KMixupClassifier, KMixupRegressor, TabularMLP, neural

FAST = dict(max_epochs=8, lr=1e-2, batch_size=32, module__hidden_units=16)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    # Tiny nets on a small shared machine: intra-op threads only add overhead.
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


def make_data(n_samples=96, n_features=4, seed=0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=2.0,
        random_state=seed,
    )
    return X, y


X, Y_INT = make_data()
LABELS = np.array(["cat", "dog", "eel"])
Y_STR = LABELS[Y_INT]
Y_REG = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * np.sin(3 * X[:, 0])


class RecordInputs(Callback):
    """Record what the module receives, split by train/eval mode."""

    def initialize(self):
        self.train, self.eval = [], []
        return self

    def on_train_begin(self, net, **kwargs):
        self.handle_ = net.module_.register_forward_pre_hook(self._hook)

    def _hook(self, module, args):
        batch = args[0].detach().cpu().numpy().copy()
        (self.train if module.training else self.eval).append(batch)

    def on_train_end(self, net, **kwargs):
        self.handle_.remove()


@pytest.fixture
def record_draws(monkeypatch):
    """Record every k-mixup draw made by the estimators (with its KMixupDraw)."""
    draws = []
    real = neural.kmixup_batch

    def recording(X_batch, Y_batch, **kwargs):
        X_mix, Y_mix, info = real(X_batch, Y_batch, return_info=True, **kwargs)
        draws.append(
            SimpleNamespace(
                X=X_batch.numpy().copy(),
                Y=Y_batch.numpy().copy(),
                X_mix=X_mix.numpy().copy(),
                Y_mix=Y_mix.numpy().copy(),
                info=info,
                kwargs=kwargs,
            )
        )
        return X_mix, Y_mix

    monkeypatch.setattr(neural, "kmixup_batch", recording)
    return draws


def distance_to_segments(P, D):
    """For each row of P, the distance to the closest segment [D[i], D[j]], i != j."""
    A = D[None, :, None, :]
    AB = D[None, None, :, :] - A
    AP = P[:, None, None, :] - A
    length2 = (AB**2).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip((AP * AB).sum(-1) / length2, 0.0, 1.0)
    dist = np.linalg.norm(AP - t[..., None] * AB, axis=-1)
    n = len(D)
    dist[:, np.arange(n), np.arange(n)] = np.inf
    return dist.reshape(len(P), -1).min(axis=1)


def distance_to_points(P, D):
    return np.linalg.norm(P[:, None, :] - D[None, :, :], axis=-1).min(axis=1)


@pytest.fixture(scope="module")
def fitted_clf():
    return KMixupClassifier(k=4, random_state=0, **FAST).fit(X, Y_STR)


@pytest.fixture(scope="module")
def fitted_reg():
    return KMixupRegressor(k=4, random_state=0, **FAST).fit(X, Y_REG)


class TestTabularMLP:
    def test_shapes_and_layers(self):
        net = TabularMLP(5, 2, hidden_units=7, n_layers=3, dropout=0.5)
        assert net(torch.zeros(4, 5)).shape == (4, 2)
        linear = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
        assert [m.out_features for m in linear] == [7, 7, 7, 2]
        assert sum(isinstance(m, torch.nn.Dropout) for m in net.modules()) == 3

    def test_zero_layers_is_linear(self):
        net = TabularMLP(5, 2, n_layers=0)
        assert len(net.layers) == 1 and isinstance(net.layers[0], torch.nn.Linear)

    @pytest.mark.parametrize(
        "kwargs, match",
        [
            ({"hidden_units": 0}, "module__hidden_units"),
            ({"n_layers": -1}, "module__n_layers"),
            ({"dropout": 1.0}, "module__dropout"),
        ],
    )
    def test_bad_parameters(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            TabularMLP(3, 2, **kwargs)

    def test_bad_type(self):
        with pytest.raises(TypeError, match="hidden_units must be an int"):
            TabularMLP(3, 2, hidden_units=2.5)

    def test_built_from_data_and_tunable(self, fitted_clf):
        module = fitted_clf.module_
        assert isinstance(module, TabularMLP)
        assert module.layers[0].in_features == X.shape[1]
        assert module.layers[-1].out_features == len(LABELS)
        assert module.layers[0].out_features == FAST["module__hidden_units"]


class TestClassifier:
    def test_labels_round_trip(self, fitted_clf):
        np.testing.assert_array_equal(fitted_clf.classes_, LABELS)
        pred = fitted_clf.predict(X)
        assert pred.dtype == Y_STR.dtype and set(pred) <= set(LABELS)
        proba = fitted_clf.predict_proba(X)
        assert proba.shape == (len(X), 3) and proba.dtype == np.float64
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
        np.testing.assert_array_equal(pred, fitted_clf.classes_[proba.argmax(axis=1)])
        assert fitted_clf.n_features_in_ == X.shape[1]

    def test_learns(self, fitted_clf):
        assert fitted_clf.score(X, Y_STR) > 0.85

    def test_classes_order_from_parameter(self):
        order = ["eel", "cat", "dog"]
        clf = KMixupClassifier(classes=order, random_state=0, **FAST).fit(X, Y_STR)
        np.testing.assert_array_equal(clf.classes_, order)
        proba = clf.predict_proba(X)
        np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])
        assert clf.score(X, Y_STR) > 0.85

    def test_no_classes_before_fit(self):
        assert not hasattr(KMixupClassifier(), "classes_")

    def test_pickle_round_trip(self, fitted_clf):
        loaded = pickle.loads(pickle.dumps(fitted_clf))
        np.testing.assert_array_equal(
            loaded.predict_proba(X), fitted_clf.predict_proba(X)
        )
        np.testing.assert_array_equal(loaded.predict(X), fitted_clf.predict(X))
        assert loaded.device == "auto" and loaded.device_ == "cpu"

    def test_device_auto_resolved_but_parameter_kept(self, fitted_clf):
        assert fitted_clf.device == "auto"
        assert fitted_clf.get_params()["device"] == "auto"
        expected = "cuda" if torch.cuda.is_available() else "cpu"
        assert fitted_clf.device_ == expected
        assert next(fitted_clf.module_.parameters()).device.type == expected

    def test_float64_float32_and_pandas_give_same_net(self, fitted_clf):
        X32 = KMixupClassifier(k=4, random_state=0, **FAST).fit(
            X.astype(np.float32), Y_STR
        )
        np.testing.assert_array_equal(X32.predict_proba(X), fitted_clf.predict_proba(X))
        columns = [f"f{i}" for i in range(X.shape[1])]
        frame = pd.DataFrame(X, columns=columns)
        from_pandas = KMixupClassifier(k=4, random_state=0, **FAST).fit(
            frame, pd.Series(Y_STR)
        )
        np.testing.assert_array_equal(from_pandas.feature_names_in_, columns)
        np.testing.assert_array_equal(
            from_pandas.predict_proba(frame), fitted_clf.predict_proba(X)
        )

    def test_inputs_not_mutated(self):
        X_copy, y_copy = X.copy(), Y_STR.copy()
        KMixupClassifier(k=4, random_state=0, **FAST).fit(X_copy, y_copy)
        np.testing.assert_array_equal(X_copy, X)
        np.testing.assert_array_equal(y_copy, Y_STR)

    def test_partial_fit_continues(self):
        clf = KMixupClassifier(k=4, random_state=0, **{**FAST, "max_epochs": 1})
        clf.partial_fit(X[Y_INT < 2], Y_STR[Y_INT < 2], classes=LABELS)
        np.testing.assert_array_equal(clf.classes_, LABELS)
        clf.partial_fit(X, Y_STR)
        assert len(clf.history) == 2
        assert clf.predict_proba(X).shape == (len(X), 3)


class TestRandomState:
    def test_same_seed_same_predictions_other_seed_differs(self, fitted_clf):
        again = clone(fitted_clf).fit(X, Y_STR)
        np.testing.assert_array_equal(
            again.predict_proba(X), fitted_clf.predict_proba(X)
        )
        first = again.predict_proba(X)
        again.fit(X, Y_STR)  # refitting the same object starts over too
        np.testing.assert_array_equal(again.predict_proba(X), first)
        other = clone(fitted_clf).set_params(random_state=1).fit(X, Y_STR)
        assert not np.allclose(other.predict_proba(X), again.predict_proba(X))

    def test_dropout_run_is_reproducible(self):
        params = dict(k=4, random_state=3, module__dropout=0.3, **FAST)
        a = KMixupRegressor(**params).fit(X, Y_REG).predict(X)
        b = KMixupRegressor(**params).fit(X, Y_REG).predict(X)
        np.testing.assert_array_equal(a, b)

    def test_torch_global_state_untouched_by_seeded_fit(self):
        torch.manual_seed(123)
        state = torch.get_rng_state()
        KMixupClassifier(k=4, random_state=0, **FAST).fit(X, Y_INT)
        assert torch.equal(torch.get_rng_state(), state)

    def test_no_random_state_follows_global_seeds(self):
        def fit():
            np.random.seed(0)  # noqa: NPY002 - random_state=None means numpy's global RNG
            torch.manual_seed(0)
            return KMixupClassifier(k=4, **FAST).fit(X, Y_INT).predict_proba(X)

        np.testing.assert_array_equal(fit(), fit())


class TestMixing:
    """The batches the module trains on are k-mixup of the data."""

    @pytest.mark.parametrize("Estimator", [KMixupClassifier, KMixupRegressor])
    def test_training_batch_is_kmixup_of_the_batch(self, Estimator, record_draws):
        recorder = RecordInputs()
        y = Y_INT if Estimator is KMixupClassifier else Y_REG
        net = Estimator(
            k=4,
            alpha=1.0,
            max_epochs=2,
            batch_size=-1,  # one batch: the data, in order
            iterator_train__shuffle=False,
            module__hidden_units=8,
            callbacks=[("record", recorder)],
            random_state=0,
        ).fit(X, y)
        assert len(record_draws) == 2 and len(recorder.train) == 2
        X32 = X.astype(np.float32)
        if Estimator is KMixupClassifier:
            targets = np.eye(3, dtype=np.float32)[Y_INT]
        else:
            targets = Y_REG.astype(np.float32)[:, None]
        for draw, seen in zip(record_draws, recorder.train):
            info = draw.info
            assert draw.kwargs["k"] == 4 and draw.kwargs["alpha"] == 1.0
            assert info.k == 4
            np.testing.assert_array_equal(draw.X, X32)
            np.testing.assert_array_equal(draw.Y, targets)
            assert np.all(info.partner != np.arange(len(X)))
            lam = info.lam[:, None]
            expected_X = lam * X32 + (1 - lam) * X32[info.partner]
            expected_Y = lam * targets + (1 - lam) * targets[info.partner]
            np.testing.assert_allclose(draw.X_mix, expected_X, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(draw.Y_mix, expected_Y, rtol=1e-6, atol=1e-6)
            # what the module saw is exactly the mixed batch
            np.testing.assert_array_equal(seen, draw.X_mix)
        # the two epochs drew different pairs and weights
        assert not np.array_equal(record_draws[0].info.lam, record_draws[1].info.lam)
        assert net.history[-1, "train_loss"] > 0

    def test_trained_on_segments_not_on_data_and_eval_not_mixed(self):
        recorder = RecordInputs()
        clf = KMixupClassifier(
            k=4,
            alpha=1.0,
            max_epochs=3,
            batch_size=24,
            train_split=ValidSplit(4, stratified=True),
            module__hidden_units=8,
            callbacks=[("record", recorder)],
            random_state=0,
        ).fit(X, Y_INT)
        X32 = X.astype(np.float32)
        seen = np.concatenate(recorder.train)
        assert len(seen) == 3 * 72  # 3 epochs of the 72 training points
        # every training row lies on a segment between two distinct data points ...
        assert distance_to_segments(seen, X32).max() < 1e-5
        # ... and most are not data points (lambda ~ Beta(1, 1) is rarely 0 or 1)
        assert np.median(distance_to_points(seen, X32)) > 0.05
        # validation batches (eval mode) are rows of the data, unmixed
        valid = np.concatenate(recorder.eval)
        assert len(valid) == 3 * 24
        assert distance_to_points(valid, X32).max() == 0
        # so is prediction
        recorder.eval.clear()
        clf.module_.register_forward_pre_hook(recorder._hook)
        clf.predict(X)
        np.testing.assert_array_equal(np.concatenate(recorder.eval), X32)

    def test_alpha_zero_never_mixes(self, record_draws):
        recorder = RecordInputs()
        KMixupClassifier(
            alpha=0.0, callbacks=[("record", recorder)], random_state=0, **FAST
        ).fit(X, Y_INT)
        assert record_draws == []
        seen = np.concatenate(recorder.train)
        assert len(seen) == FAST["max_epochs"] * len(X)
        assert distance_to_points(seen, X.astype(np.float32)).max() == 0

    def test_k_changes_the_pairs(self, record_draws):
        rng = np.random.default_rng(0)
        data = rng.normal(size=(64, 2))
        y = (data[:, 0] > 0).astype(int)
        mean_sq_dist = {}
        for k in (1, 16):
            record_draws.clear()
            KMixupClassifier(
                k=k,
                max_epochs=10,
                batch_size=-1,
                module__hidden_units=4,
                random_state=0,
            ).fit(data, y)
            assert {d.info.k for d in record_draws} == {k}
            partners = np.stack([d.info.partner for d in record_draws])
            # each epoch's batch is the whole data set, reshuffled
            data_sorted = np.sort(data.astype(np.float32), axis=0)
            assert all(
                np.array_equal(np.sort(d.X, axis=0), data_sorted) for d in record_draws
            )
            sq = [
                ((d.X - d.X[d.info.partner]) ** 2).sum(1).mean() for d in record_draws
            ]
            mean_sq_dist[k] = np.mean(sq)
            assert len({p.tobytes() for p in partners}) == len(partners)
        # exact OT on k-batches of 16 pairs near neighbours; k=1 pairs at random
        # (expected squared distance 2 * 2 = 4 for standard normal data)
        assert mean_sq_dist[1] > 3.0
        assert mean_sq_dist[16] < 0.5 * mean_sq_dist[1]

    def test_alpha_zero_equals_plain_skorch(self):
        X32 = X.astype(np.float32)
        common = dict(
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=torch.optim.AdamW,
            lr=1e-2,
            max_epochs=4,
            batch_size=16,
            train_split=None,
            iterator_train__shuffle=True,
            verbose=0,
            device="cpu",
            module__hidden_units=16,
            module__dropout=0.2,  # dropout draws must line up too
        )

        def ours(alpha):
            torch.manual_seed(0)
            return KMixupClassifier(alpha=alpha, **common).fit(X, Y_INT)

        torch.manual_seed(0)
        plain = NeuralNetClassifier(
            TabularMLP,
            module__n_features=X.shape[1],
            module__n_outputs=3,
            **common,
        ).fit(X32, Y_INT)
        erm = ours(0.0)
        for a, b in zip(erm.module_.parameters(), plain.module_.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        # Identical parameters (checked exactly above); predict_proba differs
        # only by skmixup's float64 renormalisation of the softmax.
        expected = plain.predict_proba(X32).astype(np.float64)
        expected /= expected.sum(axis=1, keepdims=True)
        np.testing.assert_array_equal(erm.predict_proba(X), expected)
        mixed = ours(1.0)
        assert not torch.equal(
            next(mixed.module_.parameters()), next(plain.module_.parameters())
        )


class TestRegressor:
    def test_fit_predict_1d(self, fitted_reg):
        pred = fitted_reg.predict(X)
        assert pred.shape == (len(X),) and pred.dtype == np.float64
        assert fitted_reg.n_outputs_ == 1
        assert fitted_reg.score(X, Y_REG) > 0.8
        assert not hasattr(fitted_reg, "predict_proba")

    def test_multi_output(self):
        Y2 = np.column_stack([Y_REG, -Y_REG])
        reg = KMixupRegressor(k=4, random_state=0, **FAST).fit(X, Y2)
        assert reg.n_outputs_ == 2 and reg.predict(X).shape == (len(X), 2)
        assert reg.module_.layers[-1].out_features == 2

    def test_pickle_and_reproducible(self, fitted_reg):
        loaded = pickle.loads(pickle.dumps(fitted_reg))
        np.testing.assert_array_equal(loaded.predict(X), fitted_reg.predict(X))
        again = clone(fitted_reg).fit(X, Y_REG)
        np.testing.assert_array_equal(again.predict(X), fitted_reg.predict(X))


class TestScikitLearnCitizen:
    def test_pipeline_grid_search_and_cv(self):
        pipe = Pipeline(
            [
                ("scale", StandardScaler()),
                ("clf", KMixupClassifier(random_state=0, **{**FAST, "max_epochs": 4})),
            ]
        )
        grid = GridSearchCV(
            pipe,
            {
                "clf__k": [1, 8],
                "clf__alpha": [0.0, 0.5],
                "clf__lr": [1e-2],
                "clf__module__hidden_units": [8],
            },
            cv=2,
        ).fit(X, Y_STR)
        assert len(grid.cv_results_["params"]) == 4
        best = grid.best_estimator_.named_steps["clf"]
        assert best.module_.layers[0].out_features == 8
        assert best.k == grid.best_params_["clf__k"]
        scores = cross_val_score(pipe, X, Y_STR, cv=3)
        assert scores.shape == (3,) and np.all(scores > 0.5)

    def test_clone_keeps_parameters(self):
        clf = KMixupClassifier(k=3, alpha=0.4, module__n_layers=1, random_state=7)
        params = clone(clf).get_params(deep=False)
        assert params["k"] == 3 and params["alpha"] == 0.4
        assert params["module__n_layers"] == 1 and params["random_state"] == 7
        assert params["device"] == "auto" and params["iterator_train__shuffle"] is True
        assert "_params_to_validate" not in params

    def test_set_params_reinitializes_module(self, fitted_clf):
        clf = clone(fitted_clf).fit(X, Y_STR)
        clf.set_params(module__hidden_units=5)
        assert clf.module_.layers[0].out_features == 5
        assert clf.device == "auto"


class TestCallbacks:
    def test_early_stopping_with_valid_split_and_string_labels(self):
        clf = KMixupClassifier(
            k=4,
            max_epochs=30,
            train_split=ValidSplit(4, stratified=True),
            # no epoch after the first improves by 100: stop after 1 + patience
            callbacks=[EarlyStopping(patience=2, threshold=100, threshold_mode="abs")],
            random_state=0,
            **{k: v for k, v in FAST.items() if k != "max_epochs"},
        ).fit(X, Y_STR)
        assert len(clf.history) == 3
        assert all(np.isfinite(clf.history[:, "valid_loss"]))
        # skorch's valid_acc compares predictions on the validation Dataset
        # with its (encoded) targets: meaningful although the labels are strings
        clf.set_params(callbacks=[], max_epochs=15).fit(X, Y_STR)
        assert clf.history[-1, "valid_acc"] > 0.85

    def test_lr_scheduler(self):
        clf = KMixupClassifier(
            k=4,
            callbacks=[
                LRScheduler(
                    policy=torch.optim.lr_scheduler.StepLR, step_size=1, gamma=0.5
                )
            ],
            random_state=0,
            **FAST,
        ).fit(X, Y_INT)
        lr = clf.optimizer_.param_groups[0]["lr"]
        assert lr == pytest.approx(FAST["lr"] * 0.5 ** FAST["max_epochs"])


class TestBadInput:
    def test_continuous_y_for_classifier(self):
        with pytest.raises(ValueError, match="continuous.*KMixupRegressor"):
            KMixupClassifier(**FAST).fit(X, Y_REG)

    def test_single_class(self):
        with pytest.raises(ValueError, match="at least 2 classes"):
            KMixupClassifier(**FAST).fit(X, np.full(len(X), "cat"))

    @pytest.mark.parametrize("Estimator", [KMixupClassifier, KMixupRegressor])
    def test_nan_in_X(self, Estimator):
        X_nan = X.copy()
        X_nan[3, 1] = np.nan
        y = Y_INT if Estimator is KMixupClassifier else Y_REG
        with pytest.raises(ValueError, match="Input X contains NaN"):
            Estimator(**FAST).fit(X_nan, y)

    def test_nan_in_y(self):
        y = Y_REG.copy()
        y[0] = np.nan
        with pytest.raises(ValueError, match="Input y contains NaN"):
            KMixupRegressor(**FAST).fit(X, y)

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"k": 0}, "'k' parameter of KMixupClassifier must be an int in the range"),
            ({"alpha": -0.5}, "'alpha' parameter of KMixupClassifier must be a float"),
            ({"metric": "cosine"}, "'metric' parameter"),
            ({"lr": 0.0}, "'lr' parameter"),
            ({"device": "nonsense"}, "device must be 'auto'"),
            ({"criterion": torch.nn.NLLLoss}, "NLLLoss cannot take the soft labels"),
        ],
    )
    def test_bad_parameters(self, params, match):
        with pytest.raises(ValueError, match=match):
            KMixupClassifier(**{**FAST, **params}).fit(X, Y_INT)

    @pytest.mark.parametrize("which", ["clf", "reg"])
    def test_wrong_number_of_features_at_predict(self, which, fitted_clf, fitted_reg):
        est = fitted_clf if which == "clf" else fitted_reg
        with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
            est.predict(X[:, :3])

    def test_unknown_label_in_partial_fit(self, fitted_clf):
        clf = clone(fitted_clf).fit(X, Y_STR)
        with pytest.raises(ValueError, match="not in classes_.*'fox'"):
            clf.partial_fit(X[:2], np.array(["cat", "fox"]))

    def test_initialize_without_data(self):
        with pytest.raises(ValueError, match="call fit"):
            KMixupClassifier().initialize()

    def test_unfitted_predict(self):
        from sklearn.exceptions import NotFittedError

        with pytest.raises(NotFittedError):
            KMixupRegressor().predict(X)


# skorch nets are scikit-learn estimators with one structural difference,
# which the common checks below single out.
EXPECTED_FAILED_CHECKS = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and "
        "virtual_params_, and stores prefixed keyword parameters such as "
        "module__hidden_units as attributes (how skorch routes parameters to "
        "its module, criterion and optimizer); these are not in the signature."
    ),
}


# check_set_params feeds -inf/inf/None to every parameter; skorch validates
# `callbacks` eagerly in set_params, and scikit-learn then warns for each later
# parameter. The check itself passes; its advice is about skorch's design.
@pytest.mark.filterwarnings("ignore:.*occurred during set_params:UserWarning")
@pytest.mark.filterwarnings("ignore:Estimator's parameters changed:UserWarning")
@parametrize_with_checks(
    [
        KMixupClassifier(random_state=0, **{**FAST, "max_epochs": 10}),
        KMixupRegressor(random_state=0, **{**FAST, "max_epochs": 10}),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
