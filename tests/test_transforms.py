"""KMixUp: k-mixup as a PyTorch batch transform."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset, default_collate

from skmixup import KMixUp, kmixup_batch

GEN = torch.Generator().manual_seed(0)
X = torch.randn(64, 3, 8, 8, generator=GEN)
LABELS = torch.randint(0, 10, (64,), generator=GEN)


def test_mixes_as_the_draw_says():
    x_mix, y_mix, info = KMixUp(k=8, num_classes=10, random_state=0)(
        X, LABELS, return_info=True
    )
    lam = torch.as_tensor(info.lam, dtype=X.dtype).view(-1, 1, 1, 1)
    partner = torch.as_tensor(info.partner)
    assert (info.partner != np.arange(64)).all()
    torch.testing.assert_close(
        x_mix, lam * X + (1 - lam) * X[partner], rtol=1e-6, atol=1e-6
    )
    onehot = torch.nn.functional.one_hot(LABELS, 10).float()
    lam2 = lam.view(-1, 1)
    torch.testing.assert_close(y_mix, lam2 * onehot + (1 - lam2) * onehot[partner])


def test_integer_labels_become_soft_targets():
    _, y_mix = KMixUp(k=4, num_classes=10, random_state=0)(X, LABELS)
    assert y_mix.shape == (64, 10) and y_mix.dtype == X.dtype
    torch.testing.assert_close(y_mix.sum(dim=1), torch.ones(64))
    assert (y_mix >= 0).all()
    # each row puts its weight on its own label and its partner's only
    assert ((y_mix > 0).sum(dim=1) <= 2).all()
    assert (y_mix[torch.arange(64), LABELS] > 0).all()


def test_soft_targets_are_used_as_given():
    soft = torch.softmax(torch.randn(64, 10, generator=GEN), dim=1)
    _, y_mix, info = KMixUp(k=4, random_state=0)(X, soft, return_info=True)
    lam = torch.as_tensor(info.lam, dtype=soft.dtype).view(-1, 1)
    partner = torch.as_tensor(info.partner)
    torch.testing.assert_close(y_mix, lam * soft + (1 - lam) * soft[partner])


def test_same_pairs_as_kmixup_batch():
    onehot = torch.nn.functional.one_hot(LABELS, 10).to(X.dtype)
    x_a, y_a = KMixUp(k=8, num_classes=10, label_weight=2.0, random_state=3)(X, LABELS)
    x_b, y_b = kmixup_batch(X, onehot, k=8, label_weight=2.0, random_state=3)
    assert torch.equal(x_a, x_b) and torch.equal(y_a, y_b)


class TestSeeds:
    def test_int_replays_its_stream(self):
        a, b = (
            KMixUp(num_classes=10, random_state=1),
            KMixUp(num_classes=10, random_state=1),
        )
        first = [a(X, LABELS)[0] for _ in range(2)]
        second = [b(X, LABELS)[0] for _ in range(2)]
        assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
        assert not torch.equal(first[0], first[1])  # the stream moves on

    def test_torch_generator(self):
        g = torch.Generator().manual_seed(5)
        t = KMixUp(num_classes=10, random_state=g)
        a = t(X, LABELS)[0]
        g.manual_seed(5)
        assert torch.equal(t(X, LABELS)[0], a)
        assert not torch.equal(t(X, LABELS)[0], a)

    def test_none_follows_torch_manual_seed(self):
        t = KMixUp(num_classes=10)
        torch.manual_seed(11)
        a = t(X, LABELS)[0]
        torch.manual_seed(11)
        assert torch.equal(t(X, LABELS)[0], a)


def test_large_label_weight_pairs_inside_classes():
    labels = torch.arange(64) % 2  # 32 per class
    _, _, plain = KMixUp(k=32, num_classes=2, random_state=0)(
        X, labels, return_info=True
    )
    _, _, aware = KMixUp(k=32, num_classes=2, label_weight=1e3, random_state=0)(
        X, labels, return_info=True
    )
    same = (labels.numpy()[aware.partner] == labels.numpy()).mean()
    assert same > (labels.numpy()[plain.partner] == labels.numpy()).mean()


def test_in_a_collate_fn():
    kmixup = KMixUp(k=4, num_classes=10, random_state=0)
    loader = DataLoader(
        TensorDataset(X, LABELS),
        batch_size=16,
        collate_fn=lambda batch: kmixup(*default_collate(batch)),
    )
    for xb, yb in loader:
        assert xb.shape == (16, 3, 8, 8) and yb.shape == (16, 10)


def test_alpha_zero_returns_the_batch():
    x_mix, y_mix = KMixUp(alpha=0.0, num_classes=10)(X, LABELS)
    assert torch.equal(x_mix, X)
    assert torch.equal(y_mix, torch.nn.functional.one_hot(LABELS, 10).float())


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(k=0), ValueError, "'k' parameter"),
        (dict(alpha=-1.0), ValueError, "'alpha' parameter"),
        (dict(label_weight=-1.0), ValueError, "'label_weight' parameter"),
        (dict(label_weight=float("nan")), ValueError, "'label_weight' parameter"),
        (dict(metric="cosine"), ValueError, "'metric' parameter"),
        (dict(num_classes=0), ValueError, "num_classes must be an int >= 1"),
        (dict(num_classes=2.5), TypeError, "num_classes must be an int"),
        (dict(random_state="seed"), TypeError, "'random_state' parameter"),
    ],
)
def test_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        KMixUp(**params)


@pytest.mark.parametrize(
    "x, y, error, match",
    [
        (X.numpy(), LABELS, TypeError, "x must be a torch.Tensor"),
        (X.long(), LABELS, TypeError, "x must be a floating-point tensor"),
        (X, LABELS.numpy(), TypeError, "y must be a torch.Tensor"),
        (X, LABELS[:10], ValueError, "y must have one row per sample"),
        (X, LABELS + 10, ValueError, "labels outside"),
        (X, LABELS.view(-1, 1), TypeError, "integer class labels of shape"),
        (X, torch.rand(64, 3), ValueError, "num_classes=10"),
    ],
)
def test_bad_inputs(x, y, error, match):
    with pytest.raises(error, match=match):
        KMixUp(num_classes=10)(x, y)


def test_integer_labels_need_num_classes():
    with pytest.raises(ValueError, match="num_classes is None"):
        KMixUp()(X, LABELS)
