"""The default torch networks of the skorch estimators.

:class:`TabularMLP` (tables, ``X`` of shape ``(n, d)``) and :class:`ConvNet`
(images, ``X`` of shape ``(n, H, W)`` or ``(n, C, H, W)``) are the modules
that :class:`~skmixup.KMixupClassifier` and :class:`~skmixup.KMixupRegressor`
build from the data when ``module=None``.

Both take part in manifold k-mixup through a small protocol that any torch
module can implement:

``mix_points`` : int
    Number of hidden places where a batch may be mixed, numbered
    ``1..mix_points``; place ``0`` is always the input.
``forward_head(X, point)``
    The representation at place ``point`` (``point=0`` returns ``X``).
``forward_tail(H, point)``
    The rest of the network from place ``point``.

so that ``forward(X) == forward_tail(forward_head(X, p), p)`` for every
``p`` in ``0..mix_points``. A net trained with ``mix_layer=p`` computes
``H = forward_head(X, p)``, matches and mixes the rows of ``H`` with
k-mixup, then calls ``forward_tail`` on the mixed batch.
"""

import numbers

import torch
from torch import nn

from ._params import check_int

__all__ = ["ConvNet", "TabularMLP"]


def _check_point(module, point):
    """Return ``point`` as an int in ``0..module.mix_points`` or raise."""
    name = type(module).__name__
    if isinstance(point, bool) or not isinstance(point, numbers.Integral):
        raise TypeError(
            f"{name}: point must be an int in 0..{module.mix_points} (0 is the "
            f"input, p >= 1 the output of hidden block p); got {point!r}."
        )
    if not 0 <= point <= module.mix_points:
        raise ValueError(
            f"{name}: point must be in 0..{module.mix_points} (0 is the input, "
            f"p >= 1 the output of hidden block p; this network has "
            f"{module.mix_points} hidden places); got {point!r}."
        )
    return int(point)


def _check_int(owner, name, value, low):
    check_int(
        value,
        f"{owner}: {name}",
        low,
        hint=f" (set it as module__{name} on a skmixup estimator)",
    )


def _check_dropout(owner, dropout):
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, numbers.Real)
        or not 0 <= dropout < 1
    ):
        raise ValueError(
            f"{owner}: dropout must be a float in [0, 1) (set it as "
            f"module__dropout on a skmixup estimator); got {dropout!r}."
        )


class _ManifoldMixingModule(nn.Module):
    """The manifold-mixing protocol (``forward_head``, ``forward_tail``), written once.

    A subclass sets ``mix_points`` and implements ``_head(X, point)`` and
    ``_tail(H, point)`` for a valid ``point``; ``_check_input(X, point, name)``
    may refuse an input that does not fit place ``point``.
    """

    mix_points = 0

    def _check_input(self, X, point, name):
        """Raise when ``X`` cannot enter the network at place ``point`` (no check here)."""

    def forward_head(self, X, point):
        """The representation of ``X`` at place ``point``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, ...)
            A batch of the network's inputs.
        point : int
            ``0`` (the input, returned unchanged) to ``mix_points`` (the
            output of the last hidden block).

        Returns
        -------
        H : torch.Tensor of shape (n_samples, ...)
            The representation at place ``point`` (see the class's
            description of its places).
        """
        point = _check_point(self, point)
        self._check_input(X, 0, "X")
        return self._head(X, point)

    def forward_tail(self, H, point):
        """The rest of the network from place ``point``.

        Parameters
        ----------
        H : torch.Tensor of shape (n_samples, ...)
            A representation at place ``point``, as returned (and possibly
            mixed) from :meth:`forward_head`.
        point : int
            ``0`` to ``mix_points``.

        Returns
        -------
        out : torch.Tensor of shape (n_samples, n_outputs)
        """
        point = _check_point(self, point)
        self._check_input(H, point, "H")
        return self._tail(H, point)


class TabularMLP(_ManifoldMixingModule):
    """Multilayer perceptron for tabular data: the default network.

    ``n_layers`` blocks of ``Linear -> activation -> Dropout`` of
    ``hidden_units`` units each, followed by a linear output layer. It returns
    logits (classification) or raw values (regression).

    :class:`KMixupClassifier` and :class:`KMixupRegressor` build it at fit
    time when ``module=None``, setting ``n_features`` and ``n_outputs`` from
    the data; its other parameters are tuned through the estimator as
    ``module__hidden_units``, ``module__n_layers``, ``module__dropout`` and
    ``module__activation``.

    It implements the manifold-mixing protocol of :mod:`skmixup.modules`:
    place ``p`` (``1 <= p <= n_layers``) is the output of hidden block ``p``
    (after its activation and dropout).

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_outputs : int
        Number of outputs (classes for a classifier, targets for a
        regressor).
    hidden_units : int, default=256
        Width of every hidden layer.
    n_layers : int, default=2
        Number of hidden layers; ``0`` gives a linear model.
    dropout : float, default=0.0
        Dropout probability after every hidden layer, in ``[0, 1)``.
    activation : type of torch.nn.Module, default=torch.nn.ReLU
        Activation class, instantiated without arguments for every hidden
        layer.

    Attributes
    ----------
    layers : torch.nn.Sequential
        The network.
    mix_points : int
        Number of hidden places where a batch may be mixed (``n_layers``).

    See Also
    --------
    KMixupClassifier : Trains this network (or any module) with k-mixup.
    KMixupRegressor : Same for regression.
    ConvNet : The default network for images.

    Examples
    --------
    >>> import torch
    >>> from skmixup.modules import TabularMLP
    >>> net = TabularMLP(n_features=4, n_outputs=3, hidden_units=8)
    >>> net(torch.zeros(5, 4)).shape
    torch.Size([5, 3])

    The representation after the first hidden block, and the rest of the
    network from there:

    >>> net.mix_points
    2
    >>> H = net.forward_head(torch.zeros(5, 4), 1)
    >>> H.shape
    torch.Size([5, 8])
    >>> net.forward_tail(H, 1).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        n_features,
        n_outputs,
        hidden_units=256,
        n_layers=2,
        dropout=0.0,
        activation=nn.ReLU,
    ):
        super().__init__()
        for name, value, low in (
            ("n_features", n_features, 1),
            ("n_outputs", n_outputs, 1),
            ("hidden_units", hidden_units, 1),
            ("n_layers", n_layers, 0),
        ):
            _check_int("TabularMLP", name, value, low)
        _check_dropout("TabularMLP", dropout)
        blocks = []
        # index in `layers` where each place starts: place p is the input of
        # layers[_ends[p]:]
        ends = [0]
        width = int(n_features)
        for _ in range(int(n_layers)):
            blocks += [nn.Linear(width, int(hidden_units)), activation()]
            if dropout > 0:
                blocks.append(nn.Dropout(float(dropout)))
            width = int(hidden_units)
            ends.append(len(blocks))
        blocks.append(nn.Linear(width, int(n_outputs)))
        self.layers = nn.Sequential(*blocks)
        self._ends = ends
        self.mix_points = int(n_layers)

    def forward(self, X):
        """Map a batch of shape (n_samples, n_features) to (n_samples, n_outputs).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)

        Returns
        -------
        out : torch.Tensor of shape (n_samples, n_outputs)
        """
        return self.layers(X)

    def _head(self, X, point):
        return self.layers[: self._ends[point]](X)

    def _tail(self, H, point):
        return self.layers[self._ends[point] :](H)


def _positive_ints(values, message, lengths=None):
    """``values`` as a non-empty tuple of ints >= 1 (of a length in
    ``lengths``, when given), else ``message`` raised: TypeError for a
    non-sequence or a non-int, ValueError for a bad length or size."""
    try:
        values = tuple(values)
    except TypeError:
        raise TypeError(message) from None
    if not values or (lengths is not None and len(values) not in lengths):
        raise ValueError(message)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(message)
        if value < 1:
            raise ValueError(message)
    return tuple(int(value) for value in values)


def _check_in_shape(in_shape):
    message = (
        "ConvNet: in_shape must be the shape of one image, X.shape[1:]: "
        "(C, H, W), or (H, W) for one channel, with positive ints; got "
        f"{in_shape!r}."
    )
    return _positive_ints(in_shape, message, lengths=(2, 3))


def _check_channels(channels):
    message = (
        "ConvNet: channels must be a non-empty sequence of ints >= 1 (the "
        "number of filters of each convolutional block, e.g. (32, 64); set it "
        f"as module__channels on a skmixup estimator); got {channels!r}."
    )
    return _positive_ints(channels, message)


class ConvNet(_ManifoldMixingModule):
    """Small convolutional network for images: the default network for images.

    One block per entry of ``channels``: a 3 x 3 convolution (padding 1, so
    the size is kept), ReLU, then a 2 x 2 max-pooling that halves the height
    and width while both are at least 2. The blocks are followed by a dense
    head: ``Flatten -> Linear(hidden_units) -> ReLU -> Dropout -> Linear``.
    It returns logits (classification) or raw values (regression). With the
    default ``channels=(32, 64)``, an 8 x 8 digit becomes 64 maps of 2 x 2
    and a 28 x 28 MNIST digit 64 maps of 7 x 7.

    :class:`KMixupClassifier` and :class:`KMixupRegressor` build it at fit
    time when ``module=None`` and ``X`` has 3 or 4 dimensions, setting
    ``in_shape`` to ``X.shape[1:]`` and ``n_outputs`` from the targets; the
    other parameters are tuned through the estimator as ``module__channels``,
    ``module__hidden_units`` and ``module__dropout``.

    It implements the manifold-mixing protocol of :mod:`skmixup.modules`:
    place ``p`` (``1 <= p <= len(channels)``) is the output of convolutional
    block ``p`` (after its pooling), a tensor of shape ``(n, C_p, H_p, W_p)``
    given by ``feature_shapes[p]``.

    Parameters
    ----------
    in_shape : tuple of int
        Shape of one image, ``X.shape[1:]``: ``(C, H, W)``, or ``(H, W)`` for
        images of one channel given as ``(n_samples, H, W)``.
    n_outputs : int
        Number of outputs (classes for a classifier, targets for a
        regressor).
    channels : sequence of int, default=(32, 64)
        Number of filters of each convolutional block.
    hidden_units : int, default=128
        Width of the dense hidden layer of the head.
    dropout : float, default=0.0
        Dropout probability before the output layer, in ``[0, 1)``.

    Attributes
    ----------
    in_shape : tuple of int
        The validated ``in_shape``.
    blocks : torch.nn.ModuleList
        The convolutional blocks.
    head : torch.nn.Sequential
        The dense head.
    mix_points : int
        Number of hidden places where a batch may be mixed
        (``len(channels)``).
    feature_shapes : list of tuple of int
        Shape of one sample at each place ``0..mix_points``
        (``feature_shapes[0] == in_shape``).

    See Also
    --------
    TabularMLP : The default network for tables.
    KMixupClassifier : Trains this network (or any module) with k-mixup.

    Examples
    --------
    >>> import torch
    >>> from skmixup.modules import ConvNet
    >>> net = ConvNet(in_shape=(8, 8), n_outputs=10, channels=(4, 8))
    >>> X = torch.zeros(5, 8, 8)
    >>> net(X).shape
    torch.Size([5, 10])
    >>> net.mix_points, net.feature_shapes
    (2, [(8, 8), (4, 4, 4), (8, 2, 2)])
    >>> H = net.forward_head(X, 1)
    >>> H.shape
    torch.Size([5, 4, 4, 4])

    The head and the tail split the network at a place; together they are
    ``forward``:

    >>> bool(torch.allclose(net.forward_tail(H, 1), net(X)))
    True
    """

    def __init__(
        self,
        in_shape,
        n_outputs,
        channels=(32, 64),
        hidden_units=128,
        dropout=0.0,
    ):
        super().__init__()
        in_shape = _check_in_shape(in_shape)
        channels = _check_channels(channels)
        _check_int("ConvNet", "n_outputs", n_outputs, 1)
        _check_int("ConvNet", "hidden_units", hidden_units, 1)
        _check_dropout("ConvNet", dropout)
        self.in_shape = in_shape
        c, h, w = in_shape if len(in_shape) == 3 else (1, *in_shape)
        shapes = [in_shape]
        blocks = []
        for out_channels in channels:
            layers = [nn.Conv2d(c, out_channels, kernel_size=3, padding=1), nn.ReLU()]
            if h >= 2 and w >= 2:
                layers.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            blocks.append(nn.Sequential(*layers))
            c = out_channels
            shapes.append((c, h, w))
        self.blocks = nn.ModuleList(blocks)
        head = [
            nn.Flatten(),
            nn.Linear(c * h * w, int(hidden_units)),
            nn.ReLU(),
        ]
        if dropout > 0:
            head.append(nn.Dropout(float(dropout)))
        head.append(nn.Linear(int(hidden_units), int(n_outputs)))
        self.head = nn.Sequential(*head)
        self.mix_points = len(channels)
        self.feature_shapes = shapes

    def _check_input(self, X, point, name):
        expected = self.feature_shapes[point]
        if not isinstance(X, torch.Tensor):
            raise TypeError(
                f"ConvNet: {name} must be a torch.Tensor; got {type(X).__name__}."
            )
        if X.ndim != len(expected) + 1 or tuple(X.shape[1:]) != expected:
            where = "images" if point == 0 else f"representations at place {point}"
            raise ValueError(
                f"ConvNet: {name} must hold {where} of shape (n_samples, "
                f"{', '.join(map(str, expected))}) (the network was built for "
                f"in_shape={self.in_shape}); got shape {tuple(X.shape)}."
            )
        if not X.is_floating_point():
            raise TypeError(
                f"ConvNet: {name} must be a floating-point tensor; got "
                f"{X.dtype}. Convert integer pixels first, e.g. "
                "X.astype('float32') / 255."
            )

    def forward(self, X):
        """Map a batch of images to (n_samples, n_outputs).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples,) + in_shape

        Returns
        -------
        out : torch.Tensor of shape (n_samples, n_outputs)
        """
        self._check_input(X, 0, "X")
        return self._tail(self._head(X, self.mix_points), self.mix_points)

    def _head(self, X, point):
        if point == 0:
            return X
        H = X if len(self.in_shape) == 3 else X.unsqueeze(1)
        for block in self.blocks[:point]:
            H = block(H)
        return H

    def _tail(self, H, point):
        if point == 0 and len(self.in_shape) == 2:
            H = H.unsqueeze(1)
        for block in self.blocks[point:]:
            H = block(H)
        return self.head(H)
