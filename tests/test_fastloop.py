"""Tests of the nets' fast training loop (skmixup._fastloop).

The fast path must be invisible: the batches, torch's random stream, the
history and the callbacks are those of skorch's own DataLoader path. Most
checks compare the two paths on the same seed; the skorch path is forced with
an iterator option the fast path does not take (``iterator_*__drop_last``).
"""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from _optional import optional_import
from sklearn.datasets import make_classification
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping, EpochScoring, GradientNormClipping
from skorch.dataset import Dataset, ValidSplit
from torch import nn

from skmixup import KMixupClassifier, KMixupRegressor
from skmixup._fastloop import _FastLoopMixin, _TensorBatches

pd = optional_import("pandas")

FAST = dict(max_epochs=4, lr=1e-2, batch_size=32, module__hidden_units=16)
# An iterator option the fast path leaves to skorch, with skorch's default
# value: the same batches, through torch's DataLoader.
SKORCH_PATH = dict(iterator_train__drop_last=False, iterator_valid__drop_last=False)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


class Linear(nn.Module):
    def __init__(self, n_features=5, n_outputs=3):
        super().__init__()
        self.linear = nn.Linear(n_features, n_outputs)

    def forward(self, X):
        if isinstance(X, dict):
            X = X["a"] + X["b"]
        return self.linear(X.float())


class FastNet(_FastLoopMixin, NeuralNetClassifier):
    """A plain skorch classifier with the fast loop (no k-mixup)."""

    def __init__(self, module=Linear, *, criterion=nn.CrossEntropyLoss, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)


def make_data(n_samples=150, n_features=5, seed=0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        random_state=seed,
    )
    return X.astype(np.float32), y


X, Y = make_data()


def epochs_of(net, dataset, training, n_epochs=2):
    """All batches of ``n_epochs`` passes, and torch's generator state after them."""
    torch.manual_seed(1)
    batches = [b for _ in range(n_epochs) for b in net.get_iterator(dataset, training)]
    return batches, torch.random.get_rng_state()


def assert_same_batches(fast, slow):
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert type(a) is type(b)
        for u, v in zip(a, b):
            if isinstance(v, dict):
                assert list(u) == list(v)
                u, v = list(u.values()), list(v.values())
            else:
                u, v = [u], [v]
            for p, q in zip(u, v):
                assert p.dtype == q.dtype
                assert p.shape == q.shape
                assert torch.equal(p, q)


class TestBatches:
    """The fast batches are the batches of skorch's DataLoader."""

    @pytest.mark.parametrize("shuffle", [True, False])
    @pytest.mark.parametrize("batch_size", [32, 150, 7, -1])
    @pytest.mark.parametrize(
        "x_dtype, y_dtype",
        [
            (np.float32, np.int64),
            (np.float64, np.float32),
            (np.int32, np.int64),
            (np.float16, np.bool_),
            (np.uint8, np.float64),
        ],
    )
    def test_same_batches_and_random_stream(
        self, shuffle, batch_size, x_dtype, y_dtype
    ):
        kwargs = dict(
            module=Linear, batch_size=batch_size, iterator_train__shuffle=shuffle
        )
        dataset = Dataset(X.astype(x_dtype), Y.astype(y_dtype))
        fast, slow = FastNet(**kwargs), NeuralNetClassifier(**kwargs)
        assert isinstance(fast.get_iterator(dataset, training=True), _TensorBatches)
        fast_batches, fast_state = epochs_of(fast, dataset, training=True)
        slow_batches, slow_state = epochs_of(slow, dataset, training=True)
        assert_same_batches(fast_batches, slow_batches)
        assert torch.equal(fast_state, slow_state)

    @pytest.mark.parametrize(
        "X_in, y_in",
        [
            (torch.from_numpy(X), torch.from_numpy(Y)),  # tensors
            (X, None),  # no targets: skorch's dummy zeros
            (X[:, 0], Y.reshape(-1, 1)),  # 1-d X, 2-d y
            (X.reshape(150, 1, 5), Y),  # 3-d X
            (np.asfortranarray(X), Y),  # column-major
            (X[::-1], Y[::-1]),  # negative strides
            ({"a": X, "b": 2 * X}, Y),  # dict of columns
        ],
        ids=["tensor", "no-y", "1d-X", "3d-X", "fortran", "negative-strides", "dict"],
    )
    @pytest.mark.parametrize("training", [True, False])
    def test_same_batches_for_input_kinds(self, X_in, y_in, training):
        kwargs = dict(module=Linear, batch_size=32, iterator_valid__shuffle=True)
        dataset = Dataset(X_in, y_in)
        fast, slow = FastNet(**kwargs), NeuralNetClassifier(**kwargs)
        assert isinstance(fast.get_iterator(dataset, training), _TensorBatches)
        fast_batches, fast_state = epochs_of(fast, dataset, training)
        slow_batches, slow_state = epochs_of(slow, dataset, training)
        assert_same_batches(fast_batches, slow_batches)
        assert torch.equal(fast_state, slow_state)

    def test_valid_split_subsets(self):
        net = FastNet(module=Linear, batch_size=16)
        train, valid = ValidSplit(5)(Dataset(X, Y), Y)
        for subset, training in ((train, True), (valid, False)):
            batches = list(net.get_iterator(subset, training))
            assert isinstance(net.get_iterator(subset, training), _TensorBatches)
            rows = np.asarray(subset.indices)
            np.testing.assert_array_equal(torch.cat([b[0] for b in batches]), X[rows])
            np.testing.assert_array_equal(torch.cat([b[1] for b in batches]), Y[rows])

    def test_every_row_once_per_epoch_and_last_partial_batch(self):
        net = FastNet(module=Linear, batch_size=64, iterator_train__shuffle=True)
        iterator = net.get_iterator(Dataset(X, np.arange(150)), training=True)
        assert len(iterator) == 3
        orders = []
        for _ in range(2):
            batches = list(iterator)
            assert [len(b[0]) for b in batches] == [64, 64, 22]
            order = torch.cat([b[1] for b in batches]).numpy()
            np.testing.assert_array_equal(np.sort(order), np.arange(150))
            np.testing.assert_array_equal(torch.cat([b[0] for b in batches]), X[order])
            orders.append(order)
        assert not np.array_equal(orders[0], orders[1])  # reshuffled every epoch

    def test_unshuffled_batches_do_not_share_the_callers_memory(self):
        X_in = X.copy()
        batches = list(FastNet(module=Linear).get_iterator(Dataset(X_in, Y)))
        batches[0][0].mul_(0)
        np.testing.assert_array_equal(X_in, X)

    def test_batches_sent_to_another_device_one_by_one(self):
        # Data too large for a GPU stay on the host and travel batch by batch;
        # the "meta" device (shapes only) stands in for the GPU.
        meta = torch.device("meta")
        for shuffle in (True, False):
            iterator = _TensorBatches(
                torch.from_numpy(X),
                None,
                batch_size=64,
                shuffle=shuffle,
                copy_batches=False,
                device=meta,
            )
            batches = list(iterator)
            assert [b[0].shape for b in batches] == [(64, 5), (64, 5), (22, 5)]
            assert [b[1].shape for b in batches] == [(64, 1), (64, 1), (22, 1)]
            assert all(t.device == meta for b in batches for t in b)

    def test_read_only_input(self):
        X_in = X.copy()
        X_in.flags.writeable = False
        batches = list(
            FastNet(module=Linear, batch_size=200).get_iterator(Dataset(X_in, Y))
        )
        np.testing.assert_array_equal(batches[0][0], X)


class CustomDataset(Dataset):
    def transform(self, X, y):
        return X * 2, y


@pytest.mark.parametrize(
    "make_dataset, params",
    [
        (lambda: CustomDataset(X, Y), {}),
        (lambda: torch.utils.data.TensorDataset(torch.from_numpy(X)), {}),
        (lambda: Dataset(X, Y), {"iterator_train__drop_last": True}),
        (lambda: Dataset(X, Y), {"iterator_train__num_workers": 0}),
        (
            lambda: Dataset(X, Y),
            {"iterator_train": type("Loader", (torch.utils.data.DataLoader,), {})},
        ),
        (lambda: Dataset(X, Y, length=100), {}),
        (lambda: Dataset(pd.DataFrame(X), Y), {}),
        (lambda: Dataset(sp.csr_matrix(X), Y), {}),
        (lambda: Dataset([X, X], Y), {}),
        (lambda: Dataset(X.astype(object), Y), {}),
        (lambda: Dataset(torch.from_numpy(X).requires_grad_(), Y), {}),
    ],
    ids=[
        "custom-dataset",
        "torch-dataset",
        "drop_last",
        "num_workers",
        "iterator_train",
        "dataset-length",
        "pandas",
        "sparse",
        "list",
        "object-dtype",
        "requires-grad",
    ],
)
def test_other_data_and_iterators_keep_skorch_path(make_dataset, params):
    net = FastNet(module=Linear, **params)
    iterator = net.get_iterator(make_dataset(), training=True)
    assert isinstance(iterator, torch.utils.data.DataLoader)


def test_custom_dataset_fit_uses_its_transform():
    seen = []

    class Record(Callback):
        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            seen.append(batch[0])

    net = FastNet(max_epochs=1, batch_size=200, train_split=None, callbacks=[Record()])
    net.fit(CustomDataset(X, Y), None)
    np.testing.assert_array_equal(seen[0].sort(dim=0).values, np.sort(2 * X, axis=0))


class TestFit:
    """A fit on the fast path is the fit on skorch's path: history, callbacks, results."""

    def fit_both(self, cls, y=Y, **params):
        fast = cls(random_state=0, **params).fit(X, y)
        slow = cls(random_state=0, **SKORCH_PATH, **params).fit(X, y)
        return fast, slow

    @pytest.mark.parametrize("alpha", [0.0, 1.0])
    def test_same_fit_as_skorch_path(self, alpha):
        fast, slow = self.fit_both(KMixupClassifier, alpha=alpha, k=4, **FAST)
        assert isinstance(
            fast.get_iterator(fast.get_dataset(X, Y), True), _TensorBatches
        )
        assert not isinstance(
            slow.get_iterator(slow.get_dataset(X, Y), True), _TensorBatches
        )
        np.testing.assert_allclose(
            fast.history[:, "train_loss"], slow.history[:, "train_loss"], rtol=1e-5
        )
        np.testing.assert_allclose(
            fast.predict_proba(X), slow.predict_proba(X), rtol=1e-4, atol=1e-6
        )

    def test_history_and_callbacks_with_valid_split(self):
        params = dict(
            alpha=0.0,
            max_epochs=30,
            lr=0.05,
            batch_size=32,
            module__hidden_units=16,
            train_split=ValidSplit(5),
            callbacks=[
                ("acc", EpochScoring("accuracy", lower_is_better=False, name="acc")),
                ("stop", EarlyStopping(patience=2, threshold=0.5)),
            ],
        )
        fast, slow = self.fit_both(KMixupClassifier, **params)
        history = fast.history
        assert len(history) < 30  # early stopping worked
        assert len(history) == len(slow.history)
        for key in ("train_loss", "valid_loss", "acc", "valid_acc"):
            np.testing.assert_allclose(
                history[:, key], slow.history[:, key], rtol=1e-5, atol=1e-7
            )
        # skorch's per-batch records: 120 training rows, 30 validation rows
        assert history[-1, "train_batch_count"] == 4
        assert history[-1, "valid_batch_count"] == 1
        assert history[-1, "batches", :, "train_batch_size"] == [32, 32, 32, 24]
        assert history[-1, "batches", -1, "valid_batch_size"] == 30
        assert all(
            isinstance(v, float) for v in history[:, "batches", :, "train_loss"][0]
        )
        assert history[-1, "acc"] == history[-1, "valid_acc"]

    def test_callbacks_that_read_batches_and_gradients(self):
        class ReadLoss(Callback):
            def initialize(self):
                self.losses_ = []
                return self

            def on_batch_end(self, net, batch=None, training=False, **kwargs):
                if training:
                    last = net.history[-1, "batches", -1, "train_loss"]
                    assert last == pytest.approx(kwargs["loss"].item())
                    self.losses_.append(last)

        class GradNorm(Callback):
            def initialize(self):
                self.norms_ = []
                return self

            def on_grad_computed(self, net, named_parameters, **kwargs):
                grads = [p.grad for _, p in named_parameters]
                self.norms_.append(
                    float(
                        torch.linalg.vector_norm(
                            torch.stack([torch.linalg.vector_norm(g) for g in grads])
                        )
                    )
                )

        instance_hook = []
        plain = Callback()
        plain.on_batch_begin = lambda net, **kwargs: instance_hook.append(1)
        read, norms = ReadLoss(), GradNorm()
        net = KMixupClassifier(
            alpha=0.0,
            random_state=0,
            callbacks=[
                ("read", read),
                ("plain", plain),
                ("clip", GradientNormClipping(gradient_clip_value=1e-3)),
                ("norms", norms),  # after the clipping
            ],
            **FAST,
        ).fit(X, Y)
        assert read.losses_ == sum(net.history[:, "batches", :, "train_loss"], [])
        assert len(instance_hook) == 4 * 5  # 4 epochs of 5 batches
        assert len(norms.norms_) == 4 * 5
        assert max(norms.norms_) <= 1e-3 * (1 + 1e-4)

    def test_callbacks_replaced_between_fits(self):
        calls = []

        class Count(Callback):
            def on_batch_end(self, net, **kwargs):
                calls.append(1)

        net = KMixupClassifier(alpha=0.0, random_state=0, **FAST).fit(X, Y)
        net.set_params(callbacks=[("count", Count())])
        net.fit(X, Y)
        assert len(calls) == 4 * 5

    def test_print_log(self, capsys):
        net = KMixupClassifier(alpha=0.0, random_state=0, warm_start=True, **FAST)
        net.fit(X, Y)
        assert capsys.readouterr().out == ""
        net.set_params(verbose=1).fit(X, Y)
        lines = capsys.readouterr().out.splitlines()
        assert "train_loss" in lines[0] and len(lines) == 2 + 4  # header, rule, epochs
        assert lines[2].split()[0] == "5"
        seen = []
        KMixupClassifier(alpha=0.0, callbacks__print_log__sink=seen.append, **FAST).fit(
            X, Y
        )
        assert len(seen) == 2 + 4  # a sink of the user's gets every line

    def test_partial_fit_and_warm_start_continue(self):
        net = KMixupClassifier(alpha=0.0, random_state=0, warm_start=True, **FAST)
        net.fit(X, Y).fit(X, Y)
        assert len(net.history) == 8
        net.partial_fit(X, Y)
        assert len(net.history) == 12

    def test_reproducible_with_random_state(self):
        fits = [
            KMixupClassifier(k=4, random_state=seed, **FAST).fit(X, Y).predict_proba(X)
            for seed in (3, 3, 4)
        ]
        np.testing.assert_array_equal(fits[0], fits[1])
        assert not np.allclose(fits[0], fits[2])

    def test_torch_generator_left_as_skorch_leaves_it(self):
        # A plain skorch net on the fast path draws what its DataLoader would.
        states = []
        for params in ({}, SKORCH_PATH):
            torch.manual_seed(0)
            FastNet(module=Linear, max_epochs=2, batch_size=32, **params).fit(X, Y)
            states.append(torch.random.get_rng_state())
        assert torch.equal(*states)

    def test_sample_weight_fit_on_fast_path(self):
        w = np.linspace(0.5, 2.0, len(X))
        fast = KMixupClassifier(k=4, random_state=0, **FAST).fit(X, Y, sample_weight=w)
        slow = KMixupClassifier(k=4, random_state=0, **SKORCH_PATH, **FAST)
        slow.fit(X, Y, sample_weight=w)
        np.testing.assert_allclose(
            fast.history[:, "train_loss"], slow.history[:, "train_loss"], rtol=1e-5
        )

    def test_no_state_left_after_fit_or_divergence(self):
        net = KMixupClassifier(alpha=0.0, random_state=0, **FAST)
        params = set(net.get_params())
        net.fit(X, Y)
        assert set(net.get_params()) == params
        assert not [key for key in vars(net) if "fast_loop" in key]
        before = dict(vars(net))
        net.predict(X)
        assert vars(net) == before
        reg = KMixupRegressor(alpha=0.0, random_state=0, **FAST)
        with pytest.raises(ValueError, match="training loss"):
            reg.fit(X, np.full(len(X), 1e30, dtype=np.float32))
        assert not [key for key in vars(reg) if "fast_loop" in key]

    def test_input_not_modified_by_an_in_place_module(self):
        class InPlace(Linear):
            def forward(self, X):
                return self.linear(X.mul_(2))

        X_in = X.copy()
        net = FastNet(module=InPlace, max_epochs=1, batch_size=32).fit(X_in, Y)
        net.predict(X_in)
        np.testing.assert_array_equal(X_in, X)


class TestDivergence:
    """A NaN or infinite training loss stops the fit with an error saying what to do."""

    def test_regressor_on_huge_targets(self):
        y = np.full(len(X), 1e30, dtype=np.float32)
        net = KMixupRegressor(alpha=0.0, random_state=0, **FAST)
        with pytest.raises(ValueError, match=r"training loss became inf at epoch 1"):
            net.fit(X, y)
        with pytest.raises(
            ValueError, match=r"Standardise the inputs X.*lower the learning"
        ):
            net.fit(X, y)

    def test_learning_rate_that_diverges(self):
        X_big = X * 1e3
        params = {**FAST, "lr": 1e20}
        net = KMixupClassifier(
            alpha=0.0, optimizer=torch.optim.SGD, random_state=0, **params
        )
        with pytest.raises(
            ValueError, match=r"training loss became (nan|inf).*lr=1e\+20"
        ):
            net.fit(X_big, Y)

    def test_skorch_path_checked_too(self):
        y = np.full(len(X), 1e30, dtype=np.float32)
        net = KMixupRegressor(alpha=0.0, random_state=0, **SKORCH_PATH, **FAST)
        with pytest.raises(ValueError, match="training loss became inf"):
            net.fit(X, y)

    def test_validation_loss_is_not_checked(self):
        class Inf(Linear):
            def forward(self, X):
                out = self.linear(X)
                return out if self.training else out + float("inf")

        net = FastNet(
            module=Inf, max_epochs=1, batch_size=32, train_split=ValidSplit(5)
        ).fit(X, Y)
        assert not np.isfinite(net.history[-1, "valid_loss"])


class TestOptimizer:
    def test_fused_adamw_by_default(self):
        net = KMixupClassifier(alpha=0.0, **FAST).fit(X, Y)
        assert net.optimizer_.defaults["fused"] is True

    @pytest.mark.parametrize(
        "params",
        [
            {"optimizer__fused": False},
            {"optimizer__foreach": True},
            {"optimizer": torch.optim.SGD},
        ],
    )
    def test_users_choice_kept(self, params):
        net = KMixupClassifier(alpha=0.0, **{**FAST, **params}).fit(X, Y)
        assert not net.optimizer_.defaults.get("fused")

    def test_fused_follows_the_default_implementation(self):
        fused = KMixupClassifier(alpha=0.0, random_state=0, **FAST).fit(X, Y)
        default = KMixupClassifier(
            alpha=0.0, random_state=0, optimizer__fused=False, **FAST
        ).fit(X, Y)
        for p, q in zip(fused.module_.parameters(), default.module_.parameters()):
            np.testing.assert_allclose(p.detach(), q.detach(), rtol=1e-4, atol=1e-5)

    def test_regressor_too(self):
        net = KMixupRegressor(alpha=0.0, **FAST).fit(X, Y.astype(np.float32))
        assert net.optimizer_.defaults["fused"] is True


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_batches_on_device():
    net = FastNet(
        module=Linear, device="cuda", batch_size=32, iterator_train__shuffle=True
    )
    batches = list(net.get_iterator(Dataset(X, Y), training=True))
    assert all(b[0].is_cuda and b[1].is_cuda for b in batches)
    order = torch.cat([b[1] for b in batches])
    assert len(order) == len(X)
    fast = KMixupClassifier(k=4, device="cuda", random_state=0, **FAST).fit(X, Y)
    slow = KMixupClassifier(k=4, device="cuda", random_state=0, **SKORCH_PATH, **FAST)
    slow.fit(X, Y)
    np.testing.assert_allclose(
        fast.history[:, "train_loss"], slow.history[:, "train_loss"], rtol=1e-4
    )
