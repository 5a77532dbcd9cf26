"""Training path of the nets: skorch's public hooks only, the mixing step, mix_layer checks."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from skorch import NeuralNet
from skorch.callbacks import PrintLog
from torch import nn

from skmixup import KMixupClassifier
from skmixup._fastloop import _FastLoopMixin, _QuietPrintLog

FAST = dict(max_epochs=2, lr=1e-2, batch_size=32, module__hidden_units=16)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


def make_data(n_samples=120, n_features=5, seed=0):
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


class TestPublicHooks:
    """The fast loop changes skorch only through its public hooks."""

    @pytest.mark.parametrize(
        "name", ["run_single_epoch", "notify", "_set_training", "on_batch_begin"]
    )
    def test_skorch_loop_not_overridden(self, name):
        assert name not in vars(_FastLoopMixin)
        assert getattr(KMixupClassifier, name) is getattr(NeuralNet, name)

    def test_overrides_are_public_hooks(self):
        overridden = {
            name
            for name, value in vars(_FastLoopMixin).items()
            if callable(value) and hasattr(NeuralNet, name)
        }
        assert overridden == {
            "get_iterator",
            "on_batch_end",
            "get_default_callbacks",
            "get_params_for_optimizer",
        }

    def test_quiet_print_log_formats_nothing_at_verbose_0(self, monkeypatch):
        calls = []
        table = PrintLog.table
        monkeypatch.setattr(
            PrintLog, "table", lambda self, row: calls.append(1) or table(self, row)
        )
        net = KMixupClassifier(alpha=0.0, random_state=0, **FAST).fit(X, Y)
        assert isinstance(dict(net.callbacks_)["print_log"], _QuietPrintLog)
        assert calls == []
        net.set_params(verbose=1).fit(X, Y)
        assert len(calls) == FAST["max_epochs"]

    def test_users_print_log_kept(self):
        log = PrintLog(sink=lambda line: None)
        net = KMixupClassifier(
            alpha=0.0, random_state=0, callbacks=[("mine", log)], **FAST
        ).fit(X, Y)
        assert dict(net.callbacks_)["mine"] is log
        assert type(dict(net.callbacks_)["print_log"]) is _QuietPrintLog


class TwoBlocks(nn.Module):
    """A module of the user's with the manifold-mixing protocol, possibly broken."""

    def __init__(self, n_features=5, n_outputs=3, points=1, drop=False, wide=False):
        super().__init__()
        self.mix_points = points
        self.first = nn.Sequential(nn.Linear(n_features, 8), nn.ReLU())
        self.last = nn.Linear(9 if wide else 8, n_outputs)
        self.drop, self.wide = drop, wide

    def forward_head(self, X, point):
        H = X if point == 0 else self.first(X)
        return H[1:] if self.drop else H

    def forward_tail(self, H, point):
        return self.last(H if point == 1 else self.first(H))

    def forward(self, X):
        H = self.first(X)
        return self.last(torch.cat([H, X[:, :1]], dim=1) if self.wide else H)


class TestMixLayerProtocol:
    """A module whose protocol is broken gets an error naming mix_layer and the fix."""

    def fit(self, mix_layer=1, **module_params):
        params = {f"module__{key}": value for key, value in module_params.items()}
        net = KMixupClassifier(
            module=TwoBlocks,
            mix_layer=mix_layer,
            max_epochs=1,
            batch_size=32,
            random_state=0,
        )
        return net.set_params(**params).fit(X, Y)

    def test_protocol_followed(self):
        assert self.fit().history[-1, "train_loss"] > 0

    @pytest.mark.parametrize("points", ["2", 1.0, None, True])
    def test_mix_points_not_an_int(self, points):
        with pytest.raises(
            TypeError, match=r"mix_layer=1 needs the module's mix_points.*as an int"
        ):
            self.fit(points=points)

    def test_mix_points_not_an_int_at_the_input_is_ignored(self):
        self.fit(mix_layer=0, points="2")

    def test_forward_head_drops_a_row(self):
        with pytest.raises(
            ValueError,
            match=r"mix_layer=1: TwoBlocks.forward_head\(X, 1\) must return a tensor "
            r"with one row per row of X.*got \(31, 8\) for X of shape \(32, 5\)",
        ):
            self.fit(drop=True)

    def test_forward_tail_does_not_take_forward_head(self):
        with pytest.raises(
            ValueError,
            match=r"mix_layer=\[1\]: TwoBlocks.forward_tail\(H, 1\) cannot take the "
            r"output of forward_head\(X, 1\), of shape \(32, 8\).*mat1 and mat2.*"
            r"forward\(X\) == forward_tail\(forward_head\(X, p\), p\)",
        ):
            self.fit(mix_layer=[1], wide=True)

    def test_other_runtime_errors_kept(self):
        class Broken(TwoBlocks):
            def forward_tail(self, H, point):
                raise RuntimeError("out of memory")

        net = KMixupClassifier(module=Broken, mix_layer=1, max_epochs=1)
        with pytest.raises(RuntimeError, match="out of memory"):
            net.fit(X, Y)
