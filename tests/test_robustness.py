"""Tests of skmixup.robustness (accuracy under Gaussian noise and FGSM)."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmixup import KMixupClassifier
from skmixup.robustness import RobustnessCurve, fgsm_accuracy, noise_accuracy


def _net(**params):
    params = {
        "k": 4,
        "max_epochs": 15,
        "lr": 1e-2,
        "module__hidden_units": 16,
        "random_state": 0,
        "device": "cpu",
        **params,
    }
    return KMixupClassifier(**params)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]  # non-integer labels
    return X, labels


@pytest.fixture(scope="module")
def pipe(iris):
    X, y = iris
    return make_pipeline(StandardScaler(), _net()).fit(X, y)


class TestNoise:
    def test_sigma_zero_is_the_clean_accuracy(self, pipe, iris):
        X, y = iris
        curve = noise_accuracy(pipe, X, y, sigmas=[0.0, 0.3, 0.0], n_repeats=3)
        assert isinstance(curve, RobustnessCurve)
        assert curve.kind == "gaussian_noise"
        assert curve.accuracies.shape == (3, 3)
        assert np.all(curve.accuracies[[0, 2]] == pipe.score(X, y))
        assert np.all(curve.accuracy_std[[0, 2]] == 0)

    def test_large_noise_lowers_the_accuracy(self, pipe, iris):
        X, y = iris
        curve = noise_accuracy(pipe, X, y, sigmas=[0.0, 100.0], random_state=0)
        # sigma = 100 standard deviations: the inputs carry no class signal
        assert curve.accuracy[1] < curve.accuracy[0] - 0.2

    def test_same_seed_same_curve_other_seed_other_curve(self, pipe, iris):
        X, y = iris
        sigmas = [0.5, 1.0, 2.0]
        a = noise_accuracy(pipe, X, y, sigmas=sigmas, n_repeats=2, random_state=1)
        b = noise_accuracy(pipe, X, y, sigmas=sigmas, n_repeats=2, random_state=1)
        c = noise_accuracy(pipe, X, y, sigmas=sigmas, n_repeats=2, random_state=2)
        np.testing.assert_array_equal(a.accuracies, b.accuracies)
        assert not np.array_equal(a.accuracies, c.accuracies)

    def test_noise_is_in_the_units_of_the_final_input(self, iris):
        # A pipeline and its final step fitted on the pre-scaled data see the
        # same noisy inputs: the noise is added after the scaler.
        X, y = iris
        pipeline = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
        Z = pipeline[0].transform(X)
        final = LogisticRegression().fit(Z, y)
        kwargs = dict(sigmas=[0.0, 0.5, 1.5], n_repeats=4, random_state=3)
        a = noise_accuracy(pipeline, X, y, **kwargs)
        b = noise_accuracy(final, Z, y, **kwargs)
        np.testing.assert_array_equal(a.accuracies, b.accuracies)
        np.testing.assert_array_equal(a.levels, [0.0, 0.5, 1.5])

    def test_works_on_a_fitted_search_and_dataframes(self, iris):
        pd = pytest.importorskip("pandas")
        X, y = iris
        df = pd.DataFrame(X, columns=list("abcd"))
        search = GridSearchCV(
            make_pipeline(StandardScaler(), LogisticRegression()),
            {"logisticregression__C": [0.1, 1.0]},
            cv=2,
        ).fit(df, y)
        curve = noise_accuracy(search, df, list(y), sigmas=0.0, n_repeats=2)
        assert curve.accuracies.shape == (1, 2)
        assert curve.accuracy[0] == search.score(df, y)

    def test_input_is_not_modified(self, pipe, iris):
        X, y = iris
        X_copy, y_copy = X.copy(), y.copy()
        noise_accuracy(pipe, X, y, sigmas=[1.0], n_repeats=1, random_state=0)
        fgsm_accuracy(pipe, X, y, epsilons=[0.5])
        np.testing.assert_array_equal(X, X_copy)
        np.testing.assert_array_equal(y, y_copy)

    def test_to_dict(self, pipe, iris):
        X, y = iris
        curve = noise_accuracy(pipe, X, y, sigmas=[0.0, 1.0], n_repeats=2)
        d = curve.to_dict()
        assert set(d) == {"level", "accuracy", "accuracy_std"}
        np.testing.assert_array_equal(d["accuracy"], curve.accuracies.mean(axis=1))


class TestFGSM:
    def test_epsilon_zero_is_the_clean_accuracy(self, pipe, iris):
        X, y = iris
        curve = fgsm_accuracy(pipe, X, y, epsilons=[0.0, 0.2])
        assert curve.kind == "fgsm"
        assert curve.accuracies.shape == (2, 1)
        assert curve.accuracy[0] == pipe.score(X, y)

    def test_exact_on_a_linear_binary_model(self):
        # For a linear two-class model, FGSM lowers every row's logit margin
        # z_true - z_other by exactly epsilon * ||w_true - w_other||_1: the
        # accuracy at any epsilon is known in closed form.
        X, y = make_classification(200, n_features=5, random_state=0)
        net = _net(module__n_layers=0, max_epochs=10).fit(X, y)
        linear = net.module_.layers[-1]
        W = linear.weight.detach().double().numpy()
        b = linear.bias.detach().double().numpy()
        logits = X.astype(np.float32).astype(np.float64) @ W.T + b
        margin = np.where(y == 1, 1, -1) * (logits[:, 1] - logits[:, 0])
        scale = np.abs(W[1] - W[0]).sum()
        # epsilons halfway between consecutive critical values: no near-ties
        critical = np.sort(margin[margin > 0] / scale)
        epsilons = (critical[:-1] + critical[1:])[::20] / 2
        curve = fgsm_accuracy(net, X, y, epsilons=epsilons)
        expected = [np.mean(margin - e * scale > 0) for e in epsilons]
        np.testing.assert_allclose(curve.accuracy, expected, rtol=0, atol=0)
        assert np.all(np.diff(curve.accuracy) <= 0)

    def test_clip_saturates_large_steps(self, iris):
        X, y = iris
        X01 = (X - X.min(0)) / (X.max(0) - X.min(0))
        net = _net(max_epochs=5).fit(X01, y)
        # with clipping to [0, 1], any step >= 1 sends every coordinate with a
        # non-zero gradient to the same corner of the cube: equal accuracies
        curve = fgsm_accuracy(net, X01, y, epsilons=[1.0, 5.0, 50.0], clip=(0, 1))
        assert curve.accuracy[0] == curve.accuracy[1] == curve.accuracy[2]

    def test_grid_search_of_a_net(self, iris):
        X, y = iris
        search = GridSearchCV(_net(max_epochs=3), {"alpha": [0.0, 1.0]}, cv=2)
        search.fit(X.astype(np.float32), y)
        curve = fgsm_accuracy(search, X, y, epsilons=[0.0])
        assert curve.accuracy[0] == search.score(X, y)


@pytest.mark.parametrize(
    "func, name", [(noise_accuracy, "sigmas"), (fgsm_accuracy, "epsilons")]
)
@pytest.mark.parametrize(
    "levels, error, match",
    [
        ([0.1, -0.1], ValueError, "finite numbers >= 0"),
        ([np.nan], ValueError, "finite numbers >= 0"),
        ([np.inf], ValueError, "finite numbers >= 0"),
        ([], ValueError, "non-empty 1-d sequence"),
        ([[0.1, 0.2]], ValueError, "non-empty 1-d sequence"),
        (["a"], TypeError, "1-d sequence of numbers"),
    ],
)
def test_bad_levels(pipe, iris, func, name, levels, error, match):
    X, y = iris
    with pytest.raises(error, match=rf"{name} must .*{match}"):
        func(pipe, X, y, **{name: levels})


@pytest.mark.parametrize(
    "func, kw", [(noise_accuracy, "sigmas"), (fgsm_accuracy, "epsilons")]
)
def test_not_fitted(iris, func, kw):
    X, y = iris
    for estimator in (_net(), make_pipeline(StandardScaler(), _net())):
        with pytest.raises(NotFittedError, match="estimator: this .* is not fitted"):
            func(estimator, X, y, **{kw: [0.1]})
    search = GridSearchCV(_net(), {"alpha": [0.0]})
    with pytest.raises(NotFittedError, match="estimator: this search is not fitted"):
        func(search, X, y, **{kw: [0.1]})


def test_errors_name_the_argument(pipe, iris):
    X, y = iris
    regressor = LinearRegression().fit(X, np.arange(len(X)))
    with pytest.raises(
        TypeError, match="estimator must be a fitted scikit-learn classifier"
    ):
        noise_accuracy(regressor, X, y, sigmas=[0.1])
    logistic = LogisticRegression(max_iter=1000).fit(X, y)
    with pytest.raises(
        TypeError, match="fgsm_accuracy needs the gradient.*LogisticRegression"
    ):
        fgsm_accuracy(logistic, X, y, epsilons=[0.1])
    with pytest.raises(ValueError, match="n_repeats must be an int >= 1"):
        noise_accuracy(pipe, X, y, sigmas=[0.1], n_repeats=0)
    with pytest.raises(ValueError, match=r"y must be a 1-d array of 150 labels"):
        noise_accuracy(pipe, X, y[:-1], sigmas=[0.1])
    with pytest.raises(ValueError, match=r"y must be a 1-d array of 150 labels"):
        fgsm_accuracy(pipe, X, y[:, None], epsilons=[0.1])
    with pytest.raises(
        ValueError, match="y holds labels the estimator was not fitted on"
    ):
        fgsm_accuracy(pipe, X, np.where(y == "setosa", "rose", y), epsilons=[0.1])
    with pytest.raises(ValueError, match="clip must satisfy low < high"):
        fgsm_accuracy(pipe, X, y, epsilons=[0.1], clip=(1, 0))
    with pytest.raises(ValueError, match="clip must be None or a pair"):
        fgsm_accuracy(pipe, X, y, epsilons=[0.1], clip=0.5)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        fgsm_accuracy(pipe, X, y, epsilons=[0.1], batch_size=0)


@pytest.mark.parametrize("func", [noise_accuracy, fgsm_accuracy])
def test_bad_X_is_named_before_the_model_sees_it(iris, func):
    X, y = iris
    net = _net(max_epochs=1).fit(X, y)  # no pipeline: X reaches the net as given
    level = {"sigmas": [0.1]} if func is noise_accuracy else {"epsilons": [0.1]}
    # the wrong number of features: the net's own message, not torch's
    # "mat1 and mat2 shapes cannot be multiplied" from the gradient pass
    with pytest.raises(ValueError, match="X has 3 features"):
        func(net, X[:, :3], y, **level)
    with pytest.raises(ValueError, match="X must hold numbers"):
        func(net, np.full(X.shape, "a"), y, **level)
    with pytest.raises(ValueError, match="X must hold at least one sample"):
        func(net, X[0], y[:1], **level)
    with pytest.raises(ValueError, match="X must hold at least one sample"):
        func(net, X[:0], y[:0], **level)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        func(net, bad, y, **level)


def test_bad_X_after_preprocessing_is_named(pipe, iris):
    X, y = iris
    with pytest.raises(ValueError, match="StandardScaler is expecting 4 features"):
        fgsm_accuracy(pipe, X[:, :3], y, epsilons=[0.1])


def _digit_images(n=240):
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images[:n] / 16.0).astype(np.float32), digits.target[:n]


def _to_images(X):
    return np.asarray(X, dtype=np.float32).reshape(-1, 8, 8)


class TestImages:
    def test_cnn_on_images(self):
        X, y = _digit_images()
        net = _net(module__channels=(2,), module__hidden_units=8, max_epochs=3)
        net.fit(X, y)
        noise = noise_accuracy(
            net, X, y, sigmas=[0.0, 0.5], n_repeats=2, random_state=0
        )
        fgsm = fgsm_accuracy(net, X, y, epsilons=[0.0, 0.1], clip=(0, 1))
        assert noise.accuracy[0] == fgsm.accuracy[0] == net.score(X, y)

    def test_pipeline_that_reshapes_rows_into_images(self):
        # FGSM's gradient is taken w.r.t. the network's input: the images
        # made by the pipeline's first step from rows of pixels.
        from sklearn.preprocessing import FunctionTransformer

        X, y = _digit_images()
        rows = X.reshape(len(X), -1)
        net = _net(module__channels=(2,), module__hidden_units=8, max_epochs=3)
        pipeline = make_pipeline(FunctionTransformer(_to_images), net).fit(rows, y)
        direct = _net(module__channels=(2,), module__hidden_units=8, max_epochs=3)
        direct.fit(X, y)
        a = fgsm_accuracy(pipeline, rows, y, epsilons=[0.0, 0.05, 0.2])
        b = fgsm_accuracy(direct, X, y, epsilons=[0.0, 0.05, 0.2])
        np.testing.assert_array_equal(a.accuracies, b.accuracies)


needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"
)


@pytest.mark.gpu
@needs_cuda
def test_fgsm_on_cuda_matches_cpu():
    X, y = _digit_images()
    params = dict(module__channels=(2,), module__hidden_units=8, max_epochs=3)
    curves = {}
    for device in ("cpu", "cuda"):
        net = _net(device=device, **params).fit(X, y)
        curves[device] = fgsm_accuracy(net, X, y, epsilons=[0.0, 0.05, 0.1])
    # two fits whose float32 kernels differ: rows near a decision boundary
    # may flip, a few percent of them at most
    np.testing.assert_allclose(
        curves["cuda"].accuracy, curves["cpu"].accuracy, atol=0.05
    )
