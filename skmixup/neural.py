"""skorch estimators trained with k-mixup, for tables, images and sequences.

:class:`KMixupClassifier` and :class:`KMixupRegressor` are skorch nets whose
only change to the training loop is one step, ``train_step_single``: every
training batch goes through the public hook :meth:`~KMixupClassifier.mix_batch`
(the k-mixup step of :func:`skmixup.kmixup_batch`, on the batch's own device)
before the loss. Validation and prediction batches are never mixed. Around
that step the classes add what a scikit-learn user expects: labels of any
type, input validation, ``random_state``, ``sample_weight``, and a default
network built from the data (:class:`~skmixup.modules.TabularMLP` for tables,
:class:`~skmixup.modules.ConvNet` for images), so no torch code is needed.

Manifold k-mixup (``mix_layer``) mixes a hidden representation instead of the
input, with any module that implements the small protocol of
:mod:`skmixup.modules` (``mix_points``, ``forward_head``, ``forward_tail``).
"""

import contextlib
import copy
import functools
import inspect
import numbers
import re
from collections.abc import Mapping
from contextlib import contextmanager

import numpy as np
import torch
from sklearn import get_config
from sklearn.utils._param_validation import (
    Interval,
    Options,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.dataset import unpack_data
from skorch.utils import is_dataset, to_tensor
from torch import nn

from ._docstrings import _shared_docs, label_weight_doc, substitute
from ._fastloop import _FastLoopMixin, _TensorBatches
from ._mixing import _step, draw_batches, mixing_form, with_targets
from ._params import constraints
from ._random import check_generator
from ._targets import CONTINUOUS, SOFT, encode_labels
from ._validation import (
    categorical_columns,
    check_categorical_values,
    check_sample_weight,
    non_numeric_X_error,
)
from .modules import ConvNet, TabularMLP

__all__ = ["KMixupClassifier", "KMixupRegressor", "TabularMLP"]

# Key of the per-sample weights in the training batches' input mapping (the
# layout skorch documents for sample weights: X as a dict); the nets take it
# out before the module's forward.
_WEIGHT_KEY = "sample_weight"
_PROTOCOL = ("mix_points", "forward_head", "forward_tail")
# torch's messages when a layer gets an input of the wrong shape
_SHAPE_ERROR = re.compile(r"shape|size|dimension|Expected \d+D", re.IGNORECASE)


#: The end of the docstrings of ``fit`` and ``partial_fit``.
_FIT_PARAMS_RETURNS = """**fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted estimator."""


@contextlib.contextmanager
def _shape_errors(message):
    """Re-raise torch's RuntimeError about a wrong input shape as a ValueError
    whose text is ``message(exc)``; any other RuntimeError passes through."""
    try:
        yield
    except RuntimeError as exc:
        if not _SHAPE_ERROR.search(str(exc)):
            raise
        raise ValueError(message(exc)) from exc


@functools.cache
def _auto_device():
    # torch.cuda.is_available() costs microseconds and skorch reads the
    # device several times per batch; the answer does not change in a process.
    return "cuda" if torch.cuda.is_available() else "cpu"


def _resolve_device(device):
    if isinstance(device, str) and device == "auto":
        return _auto_device()
    return device


def _check_device(device):
    """A device that exists on this machine ("auto" always does).

    Checked at fit, not in ``__init__``: a net configured on a GPU machine
    must still unpickle and clone on a laptop; it fails when asked to train
    where the device is missing, with a message instead of torch's
    "Torch not compiled with CUDA enabled".
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        return
    try:
        kind = torch.device(device).type
    except RuntimeError as exc:
        raise ValueError(
            f"device must be 'auto', None or a torch device such as 'cpu' "
            f"or 'cuda:0'; got {device!r}."
        ) from exc
    available = {
        "cuda": torch.cuda.is_available,
        "mps": torch.backends.mps.is_available,
    }
    if kind in available and not available[kind]():
        raise ValueError(
            f"device={device!r}, but this machine has no {kind} device that "
            "torch can use. Pass device='auto' (the default: CUDA where "
            "available, else the CPU) or device='cpu'."
        )


class _PassDraws:
    """The k-mixup draws of one training pass, made together at its first batch.

    The fast iterator (:class:`skmixup._fastloop._TensorBatches`) tells this
    planner the pass's rows and each batch before yielding it. When
    :meth:`~KMixupClassifier.mix_batch` gets the pass's first batch as it was
    yielded, :func:`skmixup._mixing.draw_batches` draws every batch of the
    pass at once, consuming the net's generator as the batch-by-batch draws
    would (the same seed gives the same fit either way); each later batch
    only reads its part. A batch that reaches ``mix_batch`` as another
    tensor (a subclass's own input) is drawn on its own, as without a
    planner; one changed in place (by a callback) is matched as it was
    sliced.
    """

    __slots__ = ("net", "feats", "rows", "batch_size", "draws", "index", "batch")

    def __init__(self, net):
        self.net = net
        self.feats = self.rows = self.batch_size = self.draws = self.batch = None
        self.index = -1

    def begin(self, X, rows, batch_size):
        """A pass over the rows ``rows`` of ``X`` starts."""
        self.feats = X.get("X") if isinstance(X, dict) else X
        self.rows, self.batch_size, self.draws = rows, batch_size, None
        self.net._pass_draws = self

    def at(self, index, X):
        """Batch ``index`` of the pass, ``X``, is about to be trained on."""
        self.index = index
        self.batch = X.get("X") if isinstance(X, dict) else X

    def end(self):
        """The pass is over: drop its data and draws."""
        self.feats = self.rows = self.draws = self.batch = None
        if getattr(self.net, "_pass_draws", None) is self:
            self.net._pass_draws = None

    def take(self, X):
        """``_step``'s planned draw for the batch ``X``, or None."""
        if X is not self.batch or not isinstance(self.feats, torch.Tensor):
            return None
        draws = self.draws
        if draws is None:
            if self.index != 0:  # the pass's first batch was drawn on its own
                return None
            net = self.net
            draws = self.draws = draw_batches(
                self.feats, self.rows, self.batch_size, net.k, net.alpha,
                net.metric, net._rng_,
            )  # fmt: skip
            draws.send(mixing_form(X))
        return draws.step(self.index)


class _Device:
    """The ``device`` parameter: stored as given, read resolved.

    skorch reads ``net.device`` wherever it places modules and tensors (module
    and criterion initialisation, ``infer``, ``get_loss``, the scoring
    callbacks' cached predictions, ``load_params``). Reading the attribute
    returns the device that ``"auto"`` means on this machine; the value the
    user gave stays in the instance and is what ``get_params`` reports, so
    ``clone`` and pickling keep ``"auto"``.
    """

    def __get__(self, net, owner=None):
        if net is None:
            return self
        try:
            return _resolve_device(vars(net)["device"])
        except KeyError:
            raise AttributeError("device") from None

    def __set__(self, net, value):
        vars(net)["device"] = value


def _weights_for_loss(sample_weight, n_samples):
    """Validated weights as float32 scaled to a maximum of 1, or None when uniform.

    The loss of a batch is normalised by the batch's weight sum, so weights
    matter only relative to each other: scaling them to a maximum of 1 keeps
    float32 from overflowing, and uniform weights are the unweighted fit.
    """
    w = check_sample_weight(sample_weight, n_samples)
    if w is None or np.all(w == w[0]):
        return None
    return (w / w.max()).astype(np.float32)


def _column_mask(columns, n_columns):
    """Boolean mask of ``n_columns`` columns, True at the indices ``columns``."""
    mask = np.zeros(n_columns, dtype=bool)
    mask[np.asarray(columns, dtype=np.intp)] = True
    return mask


def _as_float32(arr, name, owner, fix):
    """``arr`` (finite floats) cast to float32, refusing values float32 cannot hold."""
    if arr.dtype == np.float32:
        return arr
    with np.errstate(over="ignore"):
        out = arr.astype(np.float32)
    overflow = np.isinf(out)
    underflow = (out == 0) & (arr != 0)
    if overflow.any() or underflow.any():
        culprit = arr[overflow][0] if overflow.any() else arr[underflow][0]
        became = "inf" if overflow.any() else "0"
        raise ValueError(
            f"{owner} computes in float32, which cannot hold the value "
            f"{float(culprit):.3g} of {name} (it would become {became}; float32 covers "
            f"magnitudes from about 1e-45 to 3.4e38). {fix}"
        )
    return out


def _input_dtype(X):
    """float32 for integer or boolean inputs (exact for pixels), else float64 or float32."""
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return np.float32
    return [np.float64, np.float32]


def _shared_init(init):
    """Give a net's ``__init__`` the full signature: its own keyword
    parameters (criterion, classes) among the shared ones of
    ``_KMixupNetMixin.__init__``, which it forwards through ``**kwargs``.

    Every parameter stays an explicit keyword-only parameter with its
    default, as scikit-learn's introspection (``inspect.signature``: the
    estimator checks, ``help``, the API docs) expects; the shared list is
    written once.
    """
    own = dict(inspect.signature(init).parameters)
    shared = inspect.signature(_KMixupNetMixin.__init__).parameters
    params = []
    for name, param in shared.items():
        if name == "criterion":  # the net's own parameters go here
            params += [p for n, p in own.items() if n not in ("self", "kwargs")]
        elif name not in own or name in ("self", "kwargs"):
            params.append(param)
    init.__signature__ = inspect.Signature(params)
    return init


class _KMixupNetMixin:
    """What the k-mixup classifier and regressor share (placed before skorch's class)."""

    device = _Device()

    _parameter_constraints = {
        **constraints(
            "k",
            "alpha",
            "metric",
            "mix_layer",
            "categorical_features",
            "onehot_groups",
            "label_weight",
            "random_state",
        ),
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Options(numbers.Integral, {-1}),
        ],
        "device": [str, torch.device, None],
    }

    # --- parameters and randomness -------------------------------------------

    def __init__(
        self,
        *,
        module=None,
        k=8,
        alpha=1.0,
        metric="euclidean",
        mix_layer=0,
        categorical_features=None,
        onehot_groups=None,
        label_weight=0.0,
        random_state=None,
        criterion,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=100,
        batch_size=64,
        train_split=None,
        verbose=0,
        device="auto",
        iterator_train__shuffle=True,
        **kwargs,
    ):
        # The parameters both nets share, with their defaults (each net's
        # own __init__ adds its criterion and, for the classifier, classes).
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.k = k
        self.alpha = alpha
        self.metric = metric
        self.mix_layer = mix_layer
        self.categorical_features = categorical_features
        self.onehot_groups = onehot_groups
        self.label_weight = label_weight
        self.random_state = random_state
        self.iterator_train__shuffle = iterator_train__shuffle

    def get_params(self, deep=True, **kwargs):
        """Get the parameters, ``device`` as given (``"auto"`` stays ``"auto"``).

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of sub-objects (skorch's convention).
        **kwargs : dict
            Passed to skorch.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep, **kwargs)
        params["device"] = vars(self)["device"]
        return params

    def _check_kmixup_params(self):
        if get_config()["skip_parameter_validation"]:
            return
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        _check_device(vars(self)["device"])

    def _next_torch_seed(self):
        """A torch seed drawn from the fit's generator; None leaves torch alone."""
        seed = int(self._rng_.integers(2**63 - 1))
        return None if self.random_state is None else seed

    @contextmanager
    def _torch_seeded(self, seed):
        """Seed torch's CPU (and CUDA device) generators, restoring them after.

        Module initialisation, dropout and the shuffling of the training
        batches all draw from torch's global generators; forking them keeps a
        seeded fit reproducible without changing the caller's torch state.
        """
        if seed is None:
            yield
            return
        device = torch.device(self.device or "cpu")
        cuda_index = None
        if device.type == "cuda" and torch.cuda.is_available():
            cuda_index = (
                device.index
                if device.index is not None
                else torch.cuda.current_device()
            )
        devices = [] if cuda_index is None else [cuda_index]
        with torch.random.fork_rng(devices=devices, device_type="cuda"):
            torch.random.default_generator.manual_seed(seed)
            if cuda_index is not None:
                with torch.cuda.device(cuda_index):
                    torch.cuda.manual_seed(seed)
            yield

    # --- skorch hooks --------------------------------------------------------

    def get_iterator(self, dataset, training=False):
        """Batches of ``dataset``; a training pass's k-mixup draws made at once.

        The batches are those of the fast loop (see
        :mod:`skmixup._fastloop`). When a training pass's batches are sliced
        from in-memory tensors and every batch is mixed at the input on its
        features alone (``alpha > 0``, ``mix_layer=0``, ``label_weight=0``),
        the pass's draws are made together at its first batch: one matching
        call for all its k-batches instead of a dozen small calls per batch,
        with the same pairs and weights.

        Parameters
        ----------
        dataset : torch Dataset
            The data of the pass.
        training : bool, default=False
            Whether this is a training pass.

        Returns
        -------
        iterator : iterable of batches
        """
        batches = super().get_iterator(dataset, training=training)
        if (
            training
            and type(batches) is _TensorBatches
            and self.alpha > 0
            and not self.label_weight
            and getattr(self, "_mix_layers_", None) == (0,)
        ):
            batches.planner = _PassDraws(self)
        return batches

    def initialize(self):
        """Initialize the module, criterion, optimizer and callbacks.

        The fit's random generator is created here from ``random_state``
        (with :func:`skmixup._random.check_generator`); it seeds torch while
        the module is built (when ``random_state`` is not None) and then
        draws every batch's k-mixup step. :meth:`fit` calls this (unless
        ``warm_start=True`` and the net is already initialized).

        Returns
        -------
        self : object
            The initialized net.
        """
        self._check_kmixup_params()
        self._rng_ = check_generator(self.random_state)
        self.device_ = self.device
        with self._torch_seeded(self._next_torch_seed()):
            super().initialize()
        return self

    def initialize_module(self):
        """Build the module; ``module=None`` builds one sized from the data.

        With ``module=None``, 2-d ``X`` gets a
        :class:`~skmixup.modules.TabularMLP` and images (``X`` of shape
        ``(n, H, W)`` or ``(n, C, H, W)``) a :class:`~skmixup.modules.ConvNet`;
        their sizes (``n_features`` or ``in_shape``, and ``n_outputs``) come
        from the data. Passing either class as ``module`` does the same.

        Returns
        -------
        self : object
        """
        module, kwargs = self.module, self.get_params_for("module")
        if module is None or module is TabularMLP or module is ConvNet:
            module, kwargs = self._default_module(module, kwargs)
        self.module_ = self.initialized_instance(module, kwargs)
        return self

    def _default_module(self, module, kwargs):
        name = type(self).__name__
        if not hasattr(self, "input_shape_"):
            raise ValueError(
                f"{name} builds its default module from the training data: call "
                "fit(X, y) rather than initialize(), or pass a torch module as "
                "module=."
            )
        shape = self.input_shape_
        if module is None:
            module = TabularMLP if len(shape) == 1 else ConvNet
        wanted = (
            "2-d X (n_samples, n_features)"
            if module is TabularMLP
            else ("images: X of shape (n_samples, H, W) or (n_samples, C, H, W)")
        )
        if (len(shape) == 1) != (module is TabularMLP) or len(shape) > 3:
            raise ValueError(
                f"module={module.__name__ if self.module else None} takes "
                f"{wanted}; X has shape (n_samples, {', '.join(map(str, shape))}). "
                "Reshape X (e.g. X.reshape(len(X), -1) for a table, or a "
                "FunctionTransformer in a Pipeline), or pass a torch module that "
                "takes this shape as module=."
            )
        n_outputs = self._n_module_outputs()
        if module is TabularMLP:
            return module, {**kwargs, "n_features": shape[0], "n_outputs": n_outputs}
        return module, {**kwargs, "in_shape": shape, "n_outputs": n_outputs}

    def _check_mix_layer(self):
        """``mix_layer`` as a tuple of places, checked against the module."""
        layers = self.mix_layer
        points = tuple(layers) if isinstance(layers, (list, tuple)) else (layers,)
        if not points or any(
            isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 0
            for p in points
        ):
            raise ValueError(
                "mix_layer must be an int >= 0 (0 mixes the input, p >= 1 the "
                "module's hidden place p) or a non-empty list or tuple of them "
                f"(one drawn per training batch); got {layers!r}."
            )
        top = max(points)
        if top == 0:
            return points
        module = self.module_
        missing = [attr for attr in _PROTOCOL if not hasattr(module, attr)]
        if missing:
            raise ValueError(
                f"mix_layer={layers!r} mixes inside the network, which needs a "
                "module with the manifold-mixing protocol of skmixup.modules "
                "(mix_points, forward_head, forward_tail); "
                f"{type(module).__name__} lacks {', '.join(missing)}. Use "
                "mix_layer=0 (the input) or add them to the module."
            )
        n_points = module.mix_points
        if isinstance(n_points, bool) or not isinstance(n_points, numbers.Integral):
            raise TypeError(
                f"mix_layer={layers!r} needs the module's mix_points, its number "
                f"of hidden places, as an int >= 0; {type(module).__name__} has "
                f"mix_points={n_points!r}. Set mix_points to an int in the module "
                "(see skmixup.modules), or use mix_layer=0."
            )
        if top > n_points:
            raise ValueError(
                f"mix_layer={layers!r} is out of range: {type(module).__name__} "
                f"has mix_points={module.mix_points} hidden places (1.."
                f"{module.mix_points}; 0 is the input)."
            )
        return tuple(int(p) for p in points)

    def train_step_single(self, batch, **fit_params):
        """One forward/backward pass on a training batch mixed by k-mixup.

        This is the only change to skorch's training loop. With
        ``alpha > 0``, a place is chosen from ``mix_layer`` (0: the input);
        the batch at that place (the input, or the module's ``forward_head``)
        and its targets go through :meth:`mix_batch`, and the network goes
        on from there (``forward``, or ``forward_tail``). The loss is taken
        on the mixed targets, weighted when ``fit`` got ``sample_weight``.
        Validation and prediction batches do not go through this method and
        are never mixed.

        Parameters
        ----------
        batch : tuple of (X, y)
            A batch from the training iterator.
        **fit_params : dict
            Passed to the module's ``forward`` (mixing at the input only).

        Returns
        -------
        step : dict
            ``{"loss": loss, "y_pred": y_pred}``, where ``y_pred`` is the
            module's output on the *mixed* batch.
        """
        for part in (self.module_, self.criterion_):
            # (a whole tree is switched at once, by this step or skorch's
            # evaluation step: its top flag tells its mode)
            if isinstance(part, nn.Module) and not part.training:
                part.train(True)
        Xi, yi = unpack_data(batch)
        weights = None
        if isinstance(Xi, Mapping) and _WEIGHT_KEY in Xi:
            Xi, weights = Xi["X"], to_tensor(Xi[_WEIGHT_KEY], device=self.device)
        if self.alpha == 0:
            y_pred, targets = self.infer(Xi, **fit_params), yi
        else:
            device = self.device
            Xi = to_tensor(Xi, device=device)
            Y = self._targets_for_mixing(to_tensor(yi, device=device), Xi.dtype)
            point = self._draw_mix_layer()
            if point == 0:
                X_mix, targets, weights = self.mix_batch(Xi, Y, weights)
                y_pred = self.infer(X_mix, **fit_params)
            else:
                y_pred, targets, weights = self._forward_mixed_inside(
                    Xi, Y, weights, point
                )
        X_loss = Xi if weights is None else {"X": Xi, _WEIGHT_KEY: weights}
        loss = self.get_loss(y_pred, targets, X=X_loss, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def _forward_mixed_inside(self, X, Y, weights, point):
        """``forward_tail`` of the mixed ``forward_head``: the step of ``mix_layer >= 1``."""
        module = self.module_
        name = type(module).__name__
        H = module.forward_head(X, point)
        if not isinstance(H, torch.Tensor) or H.ndim == 0 or len(H) != len(X):
            got = tuple(H.shape) if isinstance(H, torch.Tensor) else type(H).__name__
            raise ValueError(
                f"mix_layer={self.mix_layer!r}: {name}.forward_head(X, {point}) "
                "must return a tensor with one row per row of X (its rows are "
                f"matched and mixed); got {got} for X of shape {tuple(X.shape)}. "
                "Make forward_head keep the batch dimension first and whole."
            )
        H_mix, targets, weights = self.mix_batch(H, Y, weights, mix_layer=point)
        with _shape_errors(
            lambda exc: (
                f"mix_layer={self.mix_layer!r}: {name}.forward_tail(H, {point}) "
                f"cannot take the output of forward_head(X, {point}), of shape "
                f"{tuple(H.shape)} ({exc}). Make the two agree, so that "
                "forward(X) == forward_tail(forward_head(X, p), p) for every "
                "place p (see skmixup.modules), or use mix_layer=0."
            )
        ):
            y_pred = module.forward_tail(H_mix, point)
        return y_pred, targets, weights

    def _draw_mix_layer(self):
        """The place of this batch's mixing: drawn from the fit's generator for a list."""
        points = self._mix_layers_
        if len(points) == 1:
            return points[0]
        return points[int(self._rng_.integers(len(points)))]

    def mix_batch(self, X, y, sample_weight=None, *, mix_layer=0):
        """Mix one training batch with k-mixup: the per-batch hook.

        :meth:`train_step_single` calls this on every training batch when
        ``alpha > 0``. It makes the k-mixup step of :func:`skmixup.kmixup_batch`
        (the same pairs and weights for the same generator) with the net's
        ``k``, ``alpha``, ``metric`` and random generator, on the batch's
        device, without that function's input checks: the data were checked
        once by ``fit``. Override it in a subclass to change or instrument
        the mixing (return the same three things); validation and prediction
        batches never reach it.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, ...)
            The batch at place ``mix_layer``: the input, or the module's
            ``forward_head`` output (the matching is computed on it).
        y : torch.Tensor of shape (n_samples, n_outputs)
            Float targets: one-hot labels (classifier) or the targets
            (regressor).
        sample_weight : torch.Tensor of shape (n_samples,), default=None
            The rows' weights, when ``fit`` got ``sample_weight``.
        mix_layer : int, default=0
            The place ``X`` comes from. Categorical columns
            (``categorical_features``) are taken whole from one parent at
            place 0 only: hidden representations have no such columns.

        Returns
        -------
        X_mix : torch.Tensor, shape, dtype and device of ``X``
            Row ``i`` is ``lam[i] * X[i] + (1 - lam[i]) * X[partner[i]]``.
        y_mix : torch.Tensor of shape (n_samples, n_outputs)
            The targets mixed with the same weights.
        sample_weight_mix : torch.Tensor of shape (n_samples,) or None
            ``lam[i] * w[i] + (1 - lam[i]) * w[partner[i]]``; None without
            ``sample_weight``.

        Examples
        --------
        >>> import numpy as np
        >>> import torch
        >>> from skmixup import KMixupClassifier
        >>> X = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
        >>> y = (X[:, 0] > 0).astype(int)
        >>> clf = KMixupClassifier(k=4, max_epochs=1, random_state=0).fit(X, y)
        >>> X_mix, y_mix, _ = clf.mix_batch(torch.from_numpy(X), torch.eye(2)[y])
        >>> X_mix.shape, y_mix.shape
        (torch.Size([40, 2]), torch.Size([40, 2]))
        """
        discrete = match_on = planned = None
        columns = getattr(self, "categorical_features_", None)
        if mix_layer == 0 and columns is not None and len(columns):
            discrete = _column_mask(columns, X.shape[1])
        if self.label_weight:
            labels = self._target_policy.labels
            match_on = with_targets(X, y, self.label_weight, labels=labels)
        elif mix_layer == 0:
            pass_draws = getattr(self, "_pass_draws", None)
            if pass_draws is not None:
                planned = pass_draws.take(X)
        # inputs validated once in fit: mix_step (kmixup_batch without its
        # checks), called positionally (this runs once per training batch)
        return _step(
            X, y, sample_weight, self.k, self.alpha, self.metric, self._rng_,
            discrete, match_on, planned,
        )[:3]  # fmt: skip

    def infer(self, x, **fit_params):
        """Forward a batch through the module (its weights, if any, left out).

        Parameters
        ----------
        x : torch.Tensor, array-like or mapping
            A batch of inputs; a training batch of a weighted fit is a mapping
            ``{"X": X, "sample_weight": w}`` whose weights never reach the
            module.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        y_infer : torch.Tensor
        """
        if isinstance(x, Mapping) and _WEIGHT_KEY in x:
            x = x["X"]
        with _shape_errors(
            lambda exc: (
                f"The module {type(self.module_).__name__} cannot take X of shape "
                f"{tuple(getattr(x, 'shape', ()))} ({exc}). Give X the shape the "
                "module expects (e.g. X.reshape(len(X), -1) for a module that "
                "takes tables, or a FunctionTransformer in a Pipeline), or use "
                "a module that takes this shape (module=None builds one from "
                "the data)."
            )
        ):
            return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The criterion on a batch; the weighted mean when it carries weights.

        With weights ``w`` (a weighted fit: ``X`` is a mapping with a
        ``"sample_weight"`` entry, mixed as in :meth:`mix_batch` for training
        batches), the loss is ``sum_i w_i l_i / sum_i w_i`` where ``l_i`` is
        the criterion of row ``i`` (``reduction="none"``, averaged over the
        outputs). Otherwise it is the criterion as configured.

        Parameters
        ----------
        y_pred : torch.Tensor
            Output of the module.
        y_true : torch.Tensor
            Targets: mixed during training, as given otherwise.
        X : object, default=None
            The batch's inputs.
        training : bool, default=False
            Whether the batch is a training batch.

        Returns
        -------
        loss : torch.Tensor
        """
        if not (isinstance(X, Mapping) and _WEIGHT_KEY in X):
            return super().get_loss(y_pred, y_true, X=X, training=training)
        criterion = self.criterion_
        if not isinstance(getattr(criterion, "reduction", None), str):
            raise TypeError(
                "sample_weight needs one loss per sample: a criterion with a "
                f"`reduction` attribute, as torch's losses have; "
                f"{type(criterion).__name__} has none. Fit without sample_weight "
                "or use a torch loss."
            )
        per_row = copy.copy(criterion)  # shares parameters and buffers
        per_row.reduction = "none"
        if isinstance(criterion, nn.NLLLoss):  # as skorch's classifier does
            y_pred = torch.log(y_pred + torch.finfo(y_pred.dtype).eps)
        losses = per_row(y_pred, to_tensor(y_true, device=self.device))
        losses = losses.reshape(len(losses), -1).mean(dim=1)
        w = to_tensor(X[_WEIGHT_KEY], device=self.device).to(losses.dtype)
        return (w * losses).sum() / w.sum().clamp_min(torch.finfo(w.dtype).tiny)

    def __setstate__(self, state):
        # skorch maps the saved tensors to state["device"]: give it the device
        # "auto" means on *this* machine, then keep the parameter as it was.
        requested = state.get("device")
        super().__setstate__({**state, "device": _resolve_device(requested)})
        if isinstance(requested, str) and requested == "auto":
            vars(self)["device"] = requested
        if "device_" in state:
            self.device_ = self.device

    # --- scikit-learn side ----------------------------------------------------

    @substitute(fit_params_returns=_FIT_PARAMS_RETURNS)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the network with k-mixup on every training batch.

        The net is (re-)initialized unless ``warm_start=True`` and it was
        already initialized, then trained for ``max_epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training data: a table ``(n_samples, n_features)``, images
            ``(n_samples, H, W)`` or ``(n_samples, C, H, W)``, sequences, any
            trailing shape the module takes. Cast to float32; integer arrays
            (such as uint8 pixels) are converted as they are (0..255): scale
            them first (e.g. ``X / 255``) for the network to train well.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples. The loss of a batch is the
            weighted mean of its rows' losses; a mixed row weighs
            ``lam * w_i + (1 - lam) * w_j``. Weights never reach the module.
            Through a Pipeline: ``fit(X, y, <step>__sample_weight=w)``.
        {fit_params_returns}
        """
        reset = not (self.warm_start and self.initialized_)
        return self._fit(X, y, sample_weight, fit_params, reset=reset)

    @substitute(fit_params_returns=_FIT_PARAMS_RETURNS)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initializing.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training data (see :meth:`fit`).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        classes : array-like of shape (n_classes,), default=None
            Classifier only: all the labels, on the first call, when a call's
            ``y`` may not hold them all.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples (see :meth:`fit`).
        {fit_params_returns}
        """
        return self._fit(
            X,
            y,
            sample_weight,
            fit_params,
            reset=not self.initialized_,
            classes=classes,
        )

    def _fit(self, X, y, sample_weight, fit_params, *, reset, classes=None):
        """Validate, (re-)initialize when ``reset``, then train: the one body of
        :meth:`fit` and :meth:`partial_fit`."""
        self._check_kmixup_params()
        X, y, sample_weight = self._validate_training_data(
            X, y, sample_weight, reset=reset, classes=classes
        )
        if reset:
            self.initialize()
        return self._train(X, y, sample_weight, fit_params)

    def _train(self, X, y, sample_weight, fit_params):
        self._mix_layers_ = self._check_mix_layer()
        if fit_params and max(self._mix_layers_) > 0 and self.alpha > 0:
            raise ValueError(
                f"fit parameters {sorted(fit_params)} go to the module's forward, "
                "which mixing inside the network (mix_layer >= 1) replaces by "
                "forward_head and forward_tail; use mix_layer=0 or drop them."
            )
        if sample_weight is not None:
            X = {"X": X, _WEIGHT_KEY: sample_weight}
        with self._torch_seeded(self._next_torch_seed()):
            super().partial_fit(X, y, **fit_params)
        return self

    def _validate_training_data(self, X, y, sample_weight, reset, classes=None):
        X_in = X
        X, y = self._validate_X(X, y, reset=reset)
        y = self._check_targets(y, reset=reset, classes=classes)
        if reset:
            self.categorical_features_ = self._resolve_categorical(X_in, X)
        return X, y, _weights_for_loss(sample_weight, len(X))

    def _validate_X(self, X, y="no_validation", *, reset):
        """Validate ``X`` (any trailing shape) and ``y``; ``X`` comes back float32."""
        name = type(self).__name__
        if not reset and hasattr(X, "shape") and hasattr(self, "input_shape_"):
            self._check_input_shape(tuple(X.shape[1:]))
        if not (isinstance(y, str) and y == "no_validation"):
            self._target_policy.check_raw(y, name)
        kwargs = {"dtype": _input_dtype(X), "allow_nd": True, "reset": reset}
        try:
            if isinstance(y, str) and y == "no_validation":
                X = validate_data(self, X, **kwargs)
            else:
                X, y = validate_data(self, X, y, **kwargs, **self._y_checks)
        except (TypeError, ValueError) as exc:
            text = str(exc).lower()
            if "complex" in text:
                raise ValueError(
                    f"Complex data not supported: {name} needs real numbers in X, and "
                    "X holds complex numbers. "
                    "Pass the real and imaginary parts as separate columns."
                ) from exc
            if isinstance(exc, TypeError):
                if "sparse" not in text:
                    raise
                raise ValueError(
                    f"{name} needs dense X; got a sparse matrix. Convert it with "
                    "X.toarray() (or use a densifying step in the Pipeline)."
                ) from exc
            if non_numeric_X_error(exc):
                raise ValueError(
                    f"{name} needs numbers in X; X holds strings ({exc}). Encode "
                    "categorical columns first (OneHotEncoder or OrdinalEncoder, "
                    "e.g. in a ColumnTransformer) and name them with "
                    "categorical_features=... to mix them as categories."
                ) from exc
            raise
        X = _as_float32(
            X, "X", name, "Scale the inputs first (e.g. with StandardScaler)."
        )
        if reset:
            self.input_shape_ = tuple(X.shape[1:])
        else:
            self._check_input_shape(tuple(X.shape[1:]))
        return X, y

    def _check_input_shape(self, shape):
        # Tables: scikit-learn's own n_features_in_ message, after validation.
        if shape != self.input_shape_ and (
            len(shape) > 1 or len(self.input_shape_) > 1
        ):
            raise ValueError(
                f"X has samples of shape {shape}, but {type(self).__name__} was "
                f"fitted on samples of shape {self.input_shape_} (X of shape "
                f"(n_samples, {', '.join(map(str, self.input_shape_))}))."
            )

    def _resolve_categorical(self, X_in, X):
        """Sorted indices of the columns mixed as categories, or None.

        The union of ``categorical_features`` and ``onehot_groups``, checked:
        categorical columns hold integers, one-hot groups one 1 per row.
        """
        spec, groups = self.categorical_features, self.onehot_groups
        if spec is None and not groups:
            return None
        if X.ndim != 2:
            raise ValueError(
                "categorical_features and onehot_groups name columns of a 2-d X "
                f"(n_samples, n_features); X has shape {X.shape}. Leave them None."
            )
        columns = getattr(self, "feature_names_in_", None)
        cat, groups = categorical_columns(X_in, spec, groups, columns, X.shape[1])
        check_categorical_values(X, cat, groups)
        taken = np.zeros(X.shape[1], dtype=bool)
        taken[cat] = True
        for g in groups:
            taken[g] = True
        return np.flatnonzero(taken)

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_" as a parameter, private
        # bookkeeping included (its `_params_to_validate`, rebuilt by __init__;
        # caches such as the fast loop's; scikit-learn's `_metadata_request`,
        # which clone copies itself). Parameters never start with "_".
        return [k for k in super()._get_param_names() if not k.startswith("_")]

    def __sklearn_is_fitted__(self):
        # Fitted once fit or partial_fit validated data and built the net
        # (skorch before 1.3 sets history_ in __init__, which scikit-learn's
        # attribute scan would take for fitted).
        return bool(getattr(self, "initialized_", False)) and hasattr(
            self, "input_shape_"
        )

    def _validate_X_predict(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        return tags


_SKORCH_PARAMS = """criterion : type of torch.nn.Module, default={criterion}
        Loss. {criterion_note}
    optimizer : type of torch.optim.Optimizer, default=torch.optim.AdamW
        AdamW (Adam with decoupled weight decay, ``optimizer__weight_decay``
        defaults to 0.01) trains small networks well without tuning. Adam and
        AdamW run PyTorch's fused implementation unless ``optimizer__fused``
        or ``optimizer__foreach`` is given (``optimizer__fused=False`` for
        PyTorch's default).
    lr : float, default=1e-3
        Learning rate (Adam's usual value).
    max_epochs : int, default=100
        Number of passes over the training data per call to :meth:`fit`.
        With ``batch_size=64`` a data set of a few hundred rows gets about a
        thousand optimizer steps, enough for the default network; mixup
        needs more epochs than plain training to fit the data.
    batch_size : int, default=64
        Mini-batch size (``-1``: the whole training set). k-mixup matches
        k-batches inside a mini-batch, so ``k`` is capped at
        ``batch_size // 2``; 64 leaves room for ``k=8`` k-batches (or
        ``k=32``) while giving small data sets several steps per epoch.
    train_split : callable or None, default=None
        The internal validation split of skorch (for example
        ``skorch.dataset.ValidSplit(0.2)``, needed by ``EarlyStopping``).
        None trains on all the data, as scikit-learn estimators do; model
        selection is left to cross-validation.
    verbose : int, default=0
        The per-epoch table of skorch is printed for ``verbose > 0``. Silent by
        default so that ``GridSearchCV`` and ``cross_val_score`` stay quiet.
    device : str, torch.device or None, default="auto"
        ``"auto"`` trains on CUDA when ``torch.cuda.is_available()`` and on
        the CPU otherwise, on whatever machine the net is used (also after
        unpickling); the parameter itself stays ``"auto"``. Any torch device
        string is accepted. The mixing of a batch runs on this device.
    iterator_train__shuffle : bool, default=True
        Reshuffle the training data at every epoch (skorch's default is
        False). k-mixup then draws its k-batches from fresh batches.
    **kwargs
        Any other skorch parameter (``callbacks``, ``warm_start``,
        ``module__...``, ``optimizer__...``, ``iterator_train__...``, ...)."""

_KMIXUP_NET_PARAMS = """mix_layer : int or list of int, default=0
        Where batches are mixed. ``0``: the input (k-mixup). ``p >= 1``: the
        module's hidden place ``p`` (manifold k-mixup: the batch's
        representation there is matched and mixed, then the forward pass
        resumes); needs a module with the protocol of :mod:`skmixup.modules`
        (the default modules have it). A list or tuple such as ``(0, 1)``:
        one place drawn per training batch, as in the official code.
    categorical_features : "auto", array-like of int, bool or str, default=None
        Columns of a 2-d ``X`` holding integer category codes: a mixed row
        takes them from one of its two parents (its own with probability
        ``lam``) instead of averaging them, so every value is one that
        occurs. Column indices, a boolean mask, column names of a DataFrame,
        or ``"auto"``: the DataFrame's columns of category, object, string or
        bool dtype (as for :class:`~skmixup.KMixupAugmenter`; their values
        must be numbers: the network takes numbers). Applies when mixing at
        the input (``mix_layer=0``). The matching sees the codes as numbers
        (see Notes).
    onehot_groups : list of array-like of int or str, default=None
        Groups of one-hot columns (e.g. from a
        :class:`~sklearn.preprocessing.OneHotEncoder` in a
        ``ColumnTransformer``), each taken whole from one parent. Every row of
        a group must hold one 1 and zeros. A mixed row takes all its
        categorical columns and groups from the same parent."""

_RANDOM_STATE = """random_state : int, RandomState instance, Generator or None, default=None
        Turned into the fit's generator by
        :func:`skmixup._random.check_generator` (the package's one rule), which
        draws a torch seed first and then every batch's k-mixup step (and
        place, for a list ``mix_layer``). With an int, torch is seeded too
        (module initialisation, dropout, batch shuffling), so two fits give
        identical predictions (on the CPU; on a GPU as far as PyTorch's kernels
        are deterministic); torch's global generators are restored afterwards.
        With None, the draws come from numpy's global generator and torch uses
        its own global generator (as plain skorch)."""

_COMMON_ATTRIBUTES = """n_features_in_ : int
        ``X.shape[1]`` at fit (scikit-learn's convention; the channels for
        images given as ``(n, C, H, W)``).
    input_shape_ : tuple of int
        Shape of one sample, ``X.shape[1:]``; ``predict`` checks it.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.
    categorical_features_ : ndarray of int or None
        Indices of the columns taken whole from one parent
        (``categorical_features`` and ``onehot_groups`` resolved).
    device_ : str or torch.device
        Where the module lives (``device`` resolved on this machine).
    module_ : torch.nn.Module
        The trained network."""


_X_PREDICT = """Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples, shaped as in fit (a skorch/torch Dataset is passed to
            skorch unchanged).

        Returns
        -------"""


def _net_docs(criterion, criterion_note, reader):
    # the k-mixup parameters, in the same order in both nets' docstrings
    kmixup_params = [_shared_docs[name] for name in ("k", "alpha", "metric")]
    kmixup_params += [label_weight_doc(reader), _KMIXUP_NET_PARAMS, _RANDOM_STATE]
    return substitute(
        kmixup_net_params="\n    ".join(kmixup_params),
        skorch_params=_SKORCH_PARAMS.format(
            criterion=criterion, criterion_note=criterion_note
        ),
        net_attributes=_COMMON_ATTRIBUTES,
    )


@_net_docs(
    "torch.nn.CrossEntropyLoss",
    "It must accept class-probability targets (the mixed one-hot labels), "
    "as ``CrossEntropyLoss`` does; the module returns logits.",
    "classifier",
)
class KMixupClassifier(_KMixupNetMixin, _FastLoopMixin, NeuralNetClassifier):
    """Neural network classifier trained with k-mixup (skorch).

    A :class:`skorch.NeuralNetClassifier` whose training batches are mixed by
    k-mixup: each batch is cut into k-batches of ``k`` points, each k-batch is
    matched by exact optimal transport to a partner k-batch of the same batch,
    and inputs and one-hot labels are mixed with a weight
    ``lambda ~ Beta(alpha, alpha)``. The network is trained on the mixed
    soft labels with cross-entropy. ``alpha=0`` is plain training (ERM),
    ``k=1`` ordinary mixup. Validation and prediction batches are not mixed.
    The per-batch step is the public hook :meth:`mix_batch`.

    ``X`` may have any shape ``(n_samples, ...)``: tables, images, sequences.
    With ``module=None`` (the default) a network is built from the data: a
    :class:`~skmixup.modules.TabularMLP` for 2-d ``X`` (standardise the
    features first: ``make_pipeline(StandardScaler(), KMixupClassifier())``)
    and a :class:`~skmixup.modules.ConvNet` for images ``(n, H, W)`` or
    ``(n, C, H, W)``, so the estimator works like any scikit-learn
    classifier.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        Network returning one logit per class. None builds a
        :class:`~skmixup.modules.TabularMLP` (2-d ``X``) or a
        :class:`~skmixup.modules.ConvNet` (images) at fit time, sized from
        the data; tune it with ``module__...`` parameters (e.g.
        ``module__hidden_units``).
    {kmixup_net_params}
    classes : array-like of shape (n_classes,) or None, default=None
        All the class labels, in the order of the columns of
        :meth:`predict_proba`. None: the sorted labels found in ``y``.
    {skorch_params}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the columns of :meth:`predict_proba`.
    {net_attributes}
    history_ : skorch.History
        Per-epoch and per-batch training record (losses on the mixed
        batches).

    See Also
    --------
    KMixupRegressor : The same for regression.
    skmixup.modules.TabularMLP : The default network for tables.
    skmixup.modules.ConvNet : The default network for images.
    skmixup.kmixup_batch : The mixing step applied to every training batch.
    skmixup.KMixupAugmenter : Data augmentation by k-mixup for any estimator.

    Notes
    -----
    ``predict`` returns the original labels (any type); the network and
    skorch's callbacks see them encoded as ``0 .. n_classes - 1`` (the
    positions in ``classes_``). Called on a skorch/torch ``Dataset`` (what
    scoring callbacks pass), ``predict`` returns encoded labels, comparable
    with the dataset's targets.

    {two_readings}

    References
    ----------
    {kmixup_reference}
    .. [2] H. Zhang, M. Cisse, Y. N. Dauphin, D. Lopez-Paz, "mixup: Beyond
       Empirical Risk Minimization", ICLR 2018.
    .. [3] V. Verma, A. Lamb, C. Beckham, A. Najafi, I. Mitliagkas,
       D. Lopez-Paz, Y. Bengio, "Manifold Mixup: Better Representations by
       Interpolating Hidden States", ICML 2019.

    Examples
    --------
    >>> from skmixup import KMixupClassifier
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     KMixupClassifier(k=8, max_epochs=30, lr=1e-2, module__hidden_units=32, random_state=0),
    ... )
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)

    Images need no torch code: ``X`` of shape ``(n, 8, 8)`` gets a small
    convolutional network; ``mix_layer=(0, 1)`` mixes the input or the
    first block's output, one drawn per batch.

    >>> from sklearn.datasets import load_digits
    >>> digits = load_digits()
    >>> images = digits.images[:300] / 16.0
    >>> cnn = KMixupClassifier(
    ...     k=8, mix_layer=(0, 1), max_epochs=8, lr=3e-3, module__channels=(8,),
    ...     module__hidden_units=32, random_state=0,
    ... )
    >>> cnn.fit(images, digits.target[:300]).module_.__class__.__name__
    'ConvNet'
    >>> cnn.predict(images[:5]).shape
    (5,)
    """

    _y_checks = {}
    _target_policy = SOFT  # one-hot labels, mixed into class probabilities

    @_shared_init
    def __init__(self, *, classes=None, criterion=torch.nn.CrossEntropyLoss, **kwargs):
        super().__init__(classes=classes, criterion=criterion, **kwargs)

    @property
    def classes_(self):
        """Class labels, in the order of the columns of ``predict_proba``."""
        try:
            return self._classes_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit."
            ) from None

    def check_data(self, X, y):
        # The labels were validated and encoded by fit/partial_fit; skorch's
        # own check would overwrite classes_ with the encoded labels.
        if y is None and not is_dataset(X):
            raise ValueError(f"{type(self).__name__} needs y to fit.")

    def _check_kmixup_params(self):
        super()._check_kmixup_params()
        criterion = self.criterion
        is_nll = isinstance(criterion, torch.nn.NLLLoss) or (
            isinstance(criterion, type) and issubclass(criterion, torch.nn.NLLLoss)
        )
        if is_nll and self.alpha > 0:
            raise ValueError(
                "criterion=NLLLoss cannot take the soft labels that k-mixup "
                "produces; use criterion=torch.nn.CrossEntropyLoss with a module "
                "returning logits (or alpha=0)."
            )

    def _n_module_outputs(self):
        return len(self.classes_)

    def _targets_for_mixing(self, y, dtype):
        return self._target_policy.mixing_targets(y, dtype, len(self.classes_))

    def _check_targets(self, y, reset, classes=None):
        name = type(self).__name__
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{name} needs class labels in y; got a target of type "
                f"{y_type!r}. For continuous targets use KMixupRegressor."
            )
        if reset:
            if classes is None:
                classes = self.classes
            if classes is None:
                labels = np.unique(y)
            else:
                labels = np.asarray(classes)
                if labels.ndim != 1 or len(np.unique(labels)) != len(labels):
                    raise ValueError(
                        f"classes must be a 1-d list of distinct labels; got {classes!r}."
                    )
            if len(labels) < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes in y; got 1 class: "
                    f"{labels.tolist()!r}."
                )
            self._classes_ = labels
        return encode_labels(
            y,
            self.classes_,
            fix="Pass every label with classes=... (first call to partial_fit) "
            "or refit.",
        )

    @substitute(X_predict=_X_PREDICT)
    def predict_proba(self, X):
        """Class probabilities (softmax of the network's output).

        {X_predict}
        proba : ndarray of shape (n_samples, n_classes), float64
            Columns in the order of ``classes_``.
        """
        if is_dataset(X):
            return super().predict_proba(X)
        X = self._validate_X_predict(X)
        # The float32 softmax sums to 1 only up to ~1e-7; renormalise in
        # float64 so that scikit-learn's metrics accept the rows.
        proba = super().predict_proba(X).astype(np.float64)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples, shaped as in fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_`` (encoded labels for a Dataset input).
        """
        idx = self.predict_proba(X).argmax(axis=1)
        return idx if is_dataset(X) else self.classes_[idx]


@_net_docs(
    "torch.nn.MSELoss", "Computed on the mixed targets while training.", "regressor"
)
class KMixupRegressor(_KMixupNetMixin, _FastLoopMixin, NeuralNetRegressor):
    """Neural network regressor trained with k-mixup (skorch).

    A :class:`skorch.NeuralNetRegressor` whose training batches are mixed by
    k-mixup: k-batches of ``k`` points are matched by exact optimal transport
    to partner k-batches of the same batch, and inputs and targets are mixed
    with a weight ``lambda ~ Beta(alpha, alpha)``; the loss (MSE) is taken on
    the mixed targets. ``alpha=0`` is plain training, ``k=1`` ordinary mixup.
    Validation and prediction batches are not mixed. The per-batch step is
    the public hook :meth:`mix_batch`.

    ``X`` may have any shape ``(n_samples, ...)``; with ``module=None`` a
    :class:`~skmixup.modules.TabularMLP` (2-d ``X``) or a
    :class:`~skmixup.modules.ConvNet` (images) is built from the data. The
    network sees the targets as they are: standardise large-scale targets
    (for example with :class:`~sklearn.compose.TransformedTargetRegressor`).

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        Network returning one value per target. None builds a default
        network at fit time (see :class:`KMixupClassifier`).
    {kmixup_net_params}
    {skorch_params}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    {net_attributes}
    history_ : skorch.History
        Training record.

    See Also
    --------
    KMixupClassifier : The same for classification.
    skmixup.modules.TabularMLP : The default network for tables.
    skmixup.kmixup_batch : The mixing step.

    Notes
    -----
    {two_readings}

    References
    ----------
    {kmixup_reference}

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import KMixupRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5])
    >>> reg = KMixupRegressor(
    ...     k=4, max_epochs=20, lr=1e-2, module__hidden_units=32, random_state=0
    ... )
    >>> reg.fit(X, y).score(X, y) > 0.9
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _y_checks = {"y_numeric": True, "multi_output": True}
    _target_policy = CONTINUOUS

    @_shared_init
    def __init__(self, *, criterion=torch.nn.MSELoss, **kwargs):
        super().__init__(criterion=criterion, **kwargs)

    # A regressor has no probabilities; skorch's NeuralNet defines
    # predict_proba as the raw output, which would make scikit-learn (and
    # duck-typing meta-estimators) take the regressor for a classifier.
    predict_proba = available_if(lambda self: False)(NeuralNetRegressor.predict_proba)

    def _n_module_outputs(self):
        return self.n_outputs_

    def _targets_for_mixing(self, y, dtype):
        return self._target_policy.mixing_targets(y, dtype)

    def _check_targets(self, y, reset, classes=None):
        y = _as_float32(
            np.asarray(y),
            "y",
            type(self).__name__,
            "Scale the targets first (e.g. TransformedTargetRegressor with "
            "StandardScaler).",
        )
        y_1d = y.ndim == 1
        y = y.reshape(len(y), -1)
        if reset:
            self.n_outputs_ = y.shape[1]
            self._y_1d_ = y_1d
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} targets, but {type(self).__name__} was "
                f"fitted with {self.n_outputs_}."
            )
        return y

    @substitute(X_predict=_X_PREDICT)
    def predict(self, X):
        """Predicted targets.

        {X_predict}
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-d when the net was fitted on a 1-d ``y``.
        """
        if not is_dataset(X):
            X = self._validate_X_predict(X)
        y_pred = NeuralNetRegressor.predict_proba(self, X)
        if is_dataset(X):
            return y_pred
        y_pred = y_pred.astype(np.float64)
        return y_pred.ravel() if self._y_1d_ else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
