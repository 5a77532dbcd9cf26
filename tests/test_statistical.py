"""Slow statistical tests on real data (marked ``slow``; CI runs them).

They pin the effects the UCI benchmark measured with a margin, on a small
budget: mixing regularises a network that overfits (lower test log-loss than
ERM), and larger k keeps mixed points closer to the data than mixup.
"""

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmixup import KMixupAugmenter, KMixupClassifier
from skmixup.datasets import load_dataset

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _cv_log_loss(X, y, **params):
    losses = []
    for train, test in StratifiedKFold(4, shuffle=True, random_state=0).split(X, y):
        model = make_pipeline(
            StandardScaler(),
            KMixupClassifier(
                max_epochs=150,
                batch_size=32,
                module__hidden_units=128,
                random_state=0,
                device="cpu",
                **params,
            ),
        )
        model.fit(X[train], y[train])
        losses.append(
            log_loss(y[test], model.predict_proba(X[test]), labels=model.classes_)
        )
    return np.array(losses)


def test_kmixup_lowers_test_log_loss_where_erm_overfits():
    # sonar: 208 x 60, a network trained to zero training loss is overconfident.
    # Full benchmark: ERM 0.73, k-mixup 0.38 (p = 0.03). Measured here: mean
    # 0.77 vs 0.36, k-mixup lower on all 4 folds.
    data = load_dataset("sonar")
    X, y = data.data.astype(np.float32), data.target
    erm = _cv_log_loss(X, y, alpha=0.0)
    kmix = _cv_log_loss(X, y, alpha=1.0, k=16)
    assert kmix.mean() < 0.8 * erm.mean(), (erm, kmix)
    assert (kmix < erm).sum() >= 3, (erm, kmix)


def test_larger_k_keeps_synthetic_points_closer_to_the_data():
    # On real data (digits, 64-d), k-mixup points lie nearer to the training
    # points than mixup points: the matching pairs neighbours.
    data = load_dataset("digits")
    X, y = data.data, data.target
    nn = NearestNeighbors(n_neighbors=1).fit(X)
    distances = {}
    for k in (1, 32):
        aug = KMixupAugmenter(k=k, alpha=1.0, keep_original=False, random_state=0)
        X_res, _ = aug.fit_resample(X, y)
        distances[k] = nn.kneighbors(X_res)[0].mean()
    # measured: 8.8 vs 11.7 (ratio 0.75)
    assert distances[32] < 0.85 * distances[1], distances
