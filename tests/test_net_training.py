"""Training path of the nets: skorch's public hooks only, the mixing step, mix_layer checks."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from skorch import NeuralNet
from skorch.callbacks import PrintLog

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
