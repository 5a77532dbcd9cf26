"""Tests of the default networks and their manifold-mixing protocol."""

import pickle

import numpy as np
import pytest
import torch

from skmixup.modules import ConvNet, TabularMLP

# The head/tail split runs the very same layers on the same tensors as
# forward; the tolerance only guards against a backend choosing another
# kernel for a call on the same shapes.
TOL = dict(rtol=1e-5, atol=1e-6)


def _mlps():
    for n_layers in (0, 1, 3):
        for dropout in (0.0, 0.5):
            yield TabularMLP(6, 3, hidden_units=5, n_layers=n_layers, dropout=dropout)


def _convnets():
    yield ConvNet((8, 8), 10, channels=(4, 6), hidden_units=7)
    yield ConvNet((1, 8, 8), 10, channels=(3,), hidden_units=5, dropout=0.3)
    yield ConvNet((3, 28, 28), 2, channels=(2, 3, 4), hidden_units=4)
    yield ConvNet((5, 3), 4, channels=(2, 2, 2), hidden_units=3)  # pools stop at 1
    yield ConvNet((2, 1, 9), 3, channels=(2,), hidden_units=3)  # width 1: no pool


def _input(module, n=7, seed=0):
    generator = torch.Generator().manual_seed(seed)
    if isinstance(module, TabularMLP):
        shape = (module.layers[0].in_features,)
    else:
        shape = module.in_shape
    return torch.randn(n, *shape, generator=generator)


MODULES = [*_mlps(), *_convnets()]
IDS = [f"{type(m).__name__}-{i}" for i, m in enumerate(MODULES)]


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_forward_equals_tail_of_head_at_every_place(module):
    module.eval()
    X = _input(module)
    expected = module(X)
    for point in range(module.mix_points + 1):
        H = module.forward_head(X, point)
        torch.testing.assert_close(module.forward_tail(H, point), expected, **TOL)


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_train_mode_split_draws_the_same_dropout(module):
    module.train()
    X = _input(module)
    for point in range(module.mix_points + 1):
        torch.manual_seed(3)
        expected = module(X)
        torch.manual_seed(3)
        out = module.forward_tail(module.forward_head(X, point), point)
        torch.testing.assert_close(out, expected, **TOL)


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_place_zero_is_the_input_and_gradients_flow(module):
    X = _input(module).requires_grad_(True)
    assert module.forward_head(X, 0) is X
    point = module.mix_points
    H = module.forward_head(X, point)
    module.forward_tail(H, point).sum().backward()
    assert X.grad is not None and X.grad.shape == X.shape
    assert all(p.grad is not None for p in module.parameters())


def test_mlp_places_are_hidden_blocks():
    net = TabularMLP(6, 3, hidden_units=5, n_layers=3, dropout=0.2)
    X = _input(net, n=4)
    assert net.mix_points == 3
    for point in (1, 2, 3):
        H = net.forward_head(X, point)
        assert H.shape == (4, 5)
        assert (H >= 0).all()  # after a ReLU (and dropout, which keeps signs)


def test_convnet_shapes_on_digits_and_mnist():
    digits = ConvNet((8, 8), 10)
    assert digits.feature_shapes == [(8, 8), (32, 4, 4), (64, 2, 2)]
    mnist = ConvNet((1, 28, 28), 10)
    assert mnist.feature_shapes == [(1, 28, 28), (32, 14, 14), (64, 7, 7)]
    for net in (digits, mnist):
        X = _input(net, n=3)
        assert net(X).shape == (3, 10)
        for point, shape in enumerate(net.feature_shapes):
            assert tuple(net.forward_head(X, point).shape) == (3, *shape)


def test_convnet_accepts_any_integer_sequence_shape():
    net = ConvNet(torch.Size([8, 8]), np.int64(3), channels=[np.int32(2)])
    assert net.in_shape == (8, 8)
    assert net(torch.zeros(2, 8, 8)).shape == (2, 3)


@pytest.mark.parametrize("module", [MODULES[4], MODULES[-1]], ids=["mlp", "cnn"])
def test_pickle_round_trip(module):
    module.eval()
    X = _input(module)
    clone = pickle.loads(pickle.dumps(module))
    assert clone.mix_points == module.mix_points
    torch.testing.assert_close(clone(X), module(X), rtol=0, atol=0)
    torch.testing.assert_close(clone.forward_head(X, 1), module.forward_head(X, 1))


@pytest.mark.parametrize(
    "in_shape, error",
    [
        (None, TypeError),
        (8, TypeError),
        ((8,), ValueError),
        ((1, 1, 8, 8), ValueError),
        ((0, 8), ValueError),
        ((8.0, 8), TypeError),
        ((True, 8), TypeError),
    ],
)
def test_convnet_bad_in_shape(in_shape, error):
    with pytest.raises(error, match=r"in_shape must be the shape of one image"):
        ConvNet(in_shape, 10)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_outputs": 0}, ValueError, "n_outputs must be an int >= 1"),
        ({"n_outputs": 2.0}, TypeError, "n_outputs must be an int >= 1"),
        ({"channels": ()}, ValueError, "channels must be a non-empty"),
        ({"channels": (4, 0)}, ValueError, "channels must be a non-empty"),
        ({"channels": 4}, TypeError, "channels must be a non-empty"),
        ({"channels": (4.5,)}, TypeError, "channels must be a non-empty"),
        ({"hidden_units": 0}, ValueError, "hidden_units must be an int >= 1"),
        ({"dropout": 1.0}, ValueError, r"dropout must be a float in \[0, 1\)"),
        ({"dropout": -0.1}, ValueError, r"dropout must be a float in \[0, 1\)"),
    ],
)
def test_convnet_bad_parameters(kwargs, error, match):
    params = {"in_shape": (8, 8), "n_outputs": 10, **kwargs}
    with pytest.raises(error, match=match):
        ConvNet(**params)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_features": 0}, ValueError, "n_features must be an int >= 1"),
        ({"n_layers": -1}, ValueError, "n_layers must be an int >= 0"),
        ({"hidden_units": 2.5}, TypeError, "hidden_units must be an int >= 1"),
        ({"dropout": 1}, ValueError, r"dropout must be a float in \[0, 1\)"),
    ],
)
def test_mlp_bad_parameters(kwargs, error, match):
    params = {"n_features": 4, "n_outputs": 2, **kwargs}
    with pytest.raises(error, match=match):
        TabularMLP(**params)


@pytest.mark.parametrize("module", [MODULES[2], MODULES[-2]], ids=["mlp", "cnn"])
@pytest.mark.parametrize(
    "point, error",
    [(-1, ValueError), (99, ValueError), (1.0, TypeError), (True, TypeError)],
)
def test_bad_point(module, point, error):
    X = _input(module)
    match = rf"point must be .*0\.\.{module.mix_points}"
    with pytest.raises(error, match=match):
        module.forward_head(X, point)
    with pytest.raises(error, match=match):
        module.forward_tail(X, point)


def test_convnet_bad_input():
    net = ConvNet((8, 8), 10, channels=(2, 3))
    with pytest.raises(
        ValueError, match=r"X must hold images of shape \(n_samples, 8, 8\)"
    ):
        net(torch.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"got shape \(2, 7, 8\)"):
        net.forward_head(torch.zeros(2, 7, 8), 1)
    with pytest.raises(ValueError, match=r"H must hold representations at place 1 "):
        net.forward_tail(torch.zeros(2, 3, 4, 4), 1)
    with pytest.raises(TypeError, match=r"floating-point tensor; got torch.uint8"):
        net(torch.zeros(2, 8, 8, dtype=torch.uint8))
    with pytest.raises(TypeError, match="X must be a torch.Tensor; got ndarray"):
        net(np.zeros((2, 8, 8), dtype=np.float32))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("module", [MODULES[4], MODULES[-3]], ids=["mlp", "cnn"])
def test_cuda_matches_cpu(module):
    module.eval()
    X = _input(module)
    expected = module(X)
    gpu = pickle.loads(pickle.dumps(module)).cuda()
    for point in range(module.mix_points + 1):
        H = gpu.forward_head(X.cuda(), point)
        assert H.device.type == "cuda"
        out = gpu.forward_tail(H, point).cpu()
        torch.testing.assert_close(out, expected, rtol=1e-3, atol=1e-4)
