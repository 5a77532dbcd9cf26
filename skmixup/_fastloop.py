"""A faster training loop for skorch nets on in-memory data.

:class:`_FastLoopMixin` sits before skorch's ``NeuralNet`` (or
``NeuralNetClassifier`` / ``NeuralNetRegressor``) in the bases of the skmixup
nets. It keeps skorch's ``fit_loop``, ``train_step``, callbacks and history,
and changes what they cost, through skorch's methods:

* ``get_iterator``: when the data are arrays or tensors (or a dict of them)
  that skorch wraps in a plain :class:`skorch.dataset.Dataset`, possibly
  inside the :class:`torch.utils.data.Subset` that ``ValidSplit`` makes, the
  batches are sliced from tensors moved to the net's device once per call,
  instead of one ``Dataset.__getitem__`` per sample and a collate per batch.
  They are the batches skorch's ``DataLoader`` gives: the same rows in the
  same order with the same dtypes, the permutation drawn from torch's
  generator exactly as the ``DataLoader`` draws it, so a seeded fit gives the
  same result on either path. Anything else (dataset subclasses, torch
  datasets, ``iterator_train=...``, ``iterator_*__`` options other than
  ``shuffle`` and ``batch_size``, lists, pandas, sparse matrices) goes
  through skorch's own iterator.
* ``on_batch_end`` (the net's own hook): a training loss that is NaN or
  infinite stops the fit with a :class:`ValueError` that says what to do.
* ``get_default_callbacks``: skorch's defaults, with a ``PrintLog`` that
  formats no table when ``verbose=0`` hides it.
* ``get_params_for_optimizer``: Adam and AdamW use PyTorch's fused kernels
  for CPU and CUDA parameters unless ``optimizer__fused`` or
  ``optimizer__foreach`` is given.

Everything else is skorch's own loop (``run_single_epoch``, ``notify``, the
history, the modules' modes): only skorch's public hooks are overridden.
"""

import math

import numpy as np
import torch
from skorch.callbacks import PrintLog
from skorch.dataset import Dataset

__all__ = []

# The only iterator options the fast path reproduces; any other
# ``iterator_train__*`` / ``iterator_valid__*`` (sampler, drop_last,
# collate_fn, num_workers, generator, ...) keeps skorch's DataLoader.
_FAST_ITERATOR_OPTIONS = frozenset({"batch_size", "shuffle"})

# Optimizers whose fused implementation was checked to follow the default
# one (same updates up to float rounding).
_FUSED_OPTIMIZERS = (torch.optim.Adam, torch.optim.AdamW)
# The largest share of a GPU's free memory that the data moved there once per
# fit may take; larger data stay where they are and travel batch by batch.
_DEVICE_SHARE = 0.5

_OPTIMIZER_IMPLEMENTATION_KEYS = frozenset(
    {"fused", "foreach", "capturable", "differentiable"}
)


def _plain_tensor(data):
    """``data`` as a dense CPU or device tensor, or None when it is anything else.

    Accepts exactly what skorch's default collate turns into one tensor per
    batch with a numeric dtype: an ``ndarray`` (not a subclass such as
    ``np.matrix``) or a ``torch.Tensor`` that is dense and needs no gradient.
    A numpy array is wrapped without a copy when torch can share its memory.
    """
    if type(data) is np.ndarray:
        if data.ndim == 0 or data.dtype.kind not in "biufc":
            return None
        if not (
            data.flags.writeable
            and data.dtype.isnative
            and all(s >= 0 for s in data.strides)
        ):
            data = np.array(data, dtype=data.dtype.newbyteorder("="))
        try:
            return torch.from_numpy(data)
        except TypeError:  # a numeric dtype torch does not have
            return None
    if type(data) is torch.Tensor:
        if data.ndim == 0 or data.layout != torch.strided or data.requires_grad:
            return None
        return data
    return None


def _plain_columns(data):
    """A tensor, or a dict of tensors of one length, for plain ``data``; else None."""
    if type(data) is dict:
        if not data or not all(isinstance(key, str) for key in data):
            return None
        columns = {key: _plain_tensor(value) for key, value in data.items()}
        if any(col is None for col in columns.values()):
            return None
        if len({len(col) for col in columns.values()}) != 1:
            return None
        return columns
    return _plain_tensor(data)


def _n_rows(columns):
    if isinstance(columns, dict):
        return len(next(iter(columns.values())))
    return len(columns)


def _map_columns(function, columns):
    if isinstance(columns, dict):
        return {key: function(col) for key, col in columns.items()}
    return function(columns)


def _in_memory_data(dataset):
    """``(X, y)`` of a plain skorch Dataset (or a Subset of one), else None.

    ``X`` is a tensor or a dict of tensors (the columns skorch indexes row
    by row), ``y`` a tensor or None; a ``Subset``'s rows are gathered once.
    """
    indices = None
    if type(dataset) is torch.utils.data.Subset:
        indices = dataset.indices
        dataset = dataset.dataset
    # A subclass may override __getitem__ or transform: keep its own path.
    if type(dataset) is not Dataset:
        return None
    X = _plain_columns(dataset.X)
    if X is None or _n_rows(X) != len(dataset):
        return None
    y = None
    if dataset.y is not None:
        y = _plain_tensor(dataset.y)
        if y is None or len(y) != len(dataset):
            return None
    if indices is not None:
        indices = torch.as_tensor(np.asarray(indices, dtype=np.int64))
        if indices.ndim != 1:
            return None
        X = _map_columns(lambda col: col[indices.to(col.device)], X)
        y = None if y is None else y[indices.to(y.device)]
    return X, y


class _TensorBatches:
    """Mini-batches sliced from tensors on the device, as skorch's DataLoader yields them.

    Every batch is a list ``[X_batch, y_batch]`` (what the default collate
    makes of skorch's ``(X, y)`` samples; ``X_batch`` is a dict when ``X``
    is); with ``y=None`` the target is a ``(batch, 1)`` tensor of zeros, as
    with skorch's Dataset.

    Each pass draws from torch's default CPU generator exactly as
    :class:`torch.utils.data.DataLoader` does with a ``RandomSampler`` (one
    draw for the loader's base seed, one to seed the permutation), so that
    seeded fits take the same batches on either path and leave torch's
    generator in the same state.

    Parameters
    ----------
    X : torch.Tensor or dict of torch.Tensor
        The rows, already on the device.
    y : torch.Tensor or None
        The targets, on the same device.
    batch_size : int
    shuffle : bool
        A fresh permutation of the rows at every pass.
    copy_batches : bool
        Copy unshuffled batches (slices are views of ``X``), so that a module
        changing its input in place cannot change the caller's data.
    """

    def __init__(self, X, y, *, batch_size, shuffle, copy_batches, device):
        self.X = X
        self.y = y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.copy_batches = copy_batches
        self.device = device
        self.n_rows = _n_rows(X)
        self.data_device = _columns(X)[0].device
        #: told of each pass's rows and of each batch before it is yielded
        #: (``begin(X, rows, batch_size)``, ``at(index, X_batch)``, ``end()``)
        self.planner = None

    def __len__(self):
        return -(-self.n_rows // self.batch_size)

    def _permutation(self):
        """The pass's order of the rows: on the host, and on the data's device."""
        seed = int(torch.empty((), dtype=torch.int64).random_().item())
        generator = torch.Generator()
        generator.manual_seed(seed)
        perm = torch.randperm(self.n_rows, generator=generator)
        if self.data_device.type == "cuda":
            return perm, perm.pin_memory().to(self.data_device, non_blocking=True)
        return perm, perm.to(self.data_device)

    def __iter__(self):
        # The DataLoader's base seed for its workers: drawn (and unused) so
        # that torch's generator advances as on skorch's path.
        torch.empty((), dtype=torch.int64).random_()
        X, y, n, size = self.X, self.y, self.n_rows, self.batch_size
        rows, perm = self._permutation() if self.shuffle else (None, None)
        dummy = (
            torch.zeros((min(n, size), 1), device=self.device) if y is None else None
        )
        planner = self.planner
        if planner is not None:
            planner.begin(X, np.arange(n) if rows is None else rows.numpy(), size)
        try:
            for b, start in enumerate(range(0, n, size)):
                index = (
                    slice(start, start + size)
                    if perm is None
                    else perm[start : start + size]
                )
                Xb = self._take(X, index)
                yb = (
                    dummy[: min(size, n - start)] if y is None else self._take(y, index)
                )
                if planner is not None:
                    planner.at(b, Xb)
                yield [Xb, yb]
        finally:
            if planner is not None:
                planner.end()

    def _take(self, data, index):
        if isinstance(data, dict):
            return {key: self._take(col, index) for key, col in data.items()}
        if isinstance(index, slice):
            batch = data[index]
            if self.copy_batches:
                batch = batch.clone()
        else:
            batch = data.index_select(0, index)
        if batch.device != self.device:  # data too large for the device
            batch = batch.to(self.device, non_blocking=True)
        return batch


def _free_memory(device):
    """Free memory of a CUDA device, in bytes."""
    return torch.cuda.mem_get_info(device)[0]


class _QuietPrintLog(PrintLog):
    """skorch's ``PrintLog``, which formats no table when it would print none."""

    def on_epoch_end(self, net, **kwargs):
        """Print the epoch's row (skorch's ``PrintLog``), unless nothing is shown.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net.
        **kwargs : dict
            Passed to ``PrintLog.on_epoch_end``.
        """
        # PrintLog drops its lines when the sink is print and verbose=0.
        if self.sink is print and not net.verbose:
            return
        super().on_epoch_end(net, **kwargs)


class _FastLoopMixin:
    """Fast batches for in-memory data, a stop on a diverging loss, a quiet log.

    Placed before skorch's ``NeuralNet`` (or ``NeuralNetClassifier`` /
    ``NeuralNetRegressor``) in a net's bases; see the module docstring.
    """

    def get_iterator(self, dataset, training=False):
        """Batches of ``dataset``: sliced from device tensors when the data are in memory.

        Parameters
        ----------
        dataset : torch Dataset
            Usually a :class:`skorch.dataset.Dataset` (or a ``Subset`` of
            one, from ``train_split``).
        training : bool, default=False
            Whether to use the ``iterator_train`` or the ``iterator_valid``
            options.

        Returns
        -------
        iterator : iterable of batches
            The fast batches, or skorch's iterator when the data or the
            iterator options are not plain. Any other iterator option (for
            example ``iterator_train__num_workers=0``) selects skorch's
            ``DataLoader``.
        """
        batches = self._fast_batches(dataset, training)
        if batches is None:
            return super().get_iterator(dataset, training=training)
        return batches

    def _fast_batches(self, dataset, training):
        prefix = "iterator_train" if training else "iterator_valid"
        iterator = self.iterator_train if training else self.iterator_valid
        if iterator is not torch.utils.data.DataLoader:
            return None
        kwargs = self.get_params_for(prefix)
        if not _FAST_ITERATOR_OPTIONS.issuperset(kwargs):
            return None
        shuffle = kwargs.get("shuffle", False)
        batch_size = kwargs.get("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        if (
            not isinstance(shuffle, bool)
            or isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            return None  # skorch's DataLoader reports the error
        try:
            device = torch.device(self.device or "cpu")
        except (RuntimeError, TypeError):  # not a torch device (e.g. "auto")
            return None
        data = _in_memory_data(dataset)
        if data is None or len(dataset) == 0:
            return None
        X, y = data
        columns = _columns(X) + _columns(y)
        to_move = sum(
            col.element_size() * col.nelement()
            for col in columns
            if col is not None and col.device != device
        )
        if device.type == "cuda" and to_move > _DEVICE_SHARE * _free_memory(device):
            # Too large to keep on the GPU: batches are sliced where the
            # data are and copied one by one.
            data_device = columns[0].device
        else:
            data_device = device
        moved_X = _map_columns(lambda col: col.to(data_device), X)
        moved_y = None if y is None else y.to(data_device)
        # Tensor.to returns the tensor itself when nothing moves: unshuffled
        # batches would then be views of what the caller passed.
        shared = data_device == device and any(
            a is b for a, b in zip(_columns(moved_X) + _columns(moved_y), columns)
        )
        return _TensorBatches(
            moved_X,
            moved_y,
            batch_size=int(batch_size),
            shuffle=shuffle,
            copy_batches=shared,
            device=device,
        )

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        """Stop the fit with a clear error when a training loss is not finite.

        skorch calls this hook of the net after every batch, once the batch's
        loss is recorded in the history (a float there, so the check costs no
        copy from a GPU); callbacks' ``on_batch_end`` come after it.

        Parameters
        ----------
        net : skorch.NeuralNet
            This net.
        batch : object, default=None
            The batch.
        training : bool, default=False
            Whether it is a training batch; validation losses are not checked.
        **kwargs : dict
            The step's outputs (``loss``, ``y_pred``).

        Raises
        ------
        ValueError
            When the training loss of the batch is NaN or infinite.
        """
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        if not training:
            return
        batches = self.history[-1]["batches"]
        loss = batches[-1].get("train_loss") if batches else None
        if loss is not None and not math.isfinite(loss):
            raise ValueError(
                f"{type(self).__name__}: the training loss became {loss} at epoch "
                f"{len(self.history)} (batch {len(batches)}); the network diverged. "
                "Standardise the inputs X (for example "
                "make_pipeline(StandardScaler(), net)), scale the targets y of a "
                "regression (for example with TransformedTargetRegressor), or "
                f"lower the learning rate lr (got lr={self.lr!r})."
            )

    def get_default_callbacks(self):
        """skorch's default callbacks, with a ``PrintLog`` that is silent at ``verbose=0``.

        skorch's :class:`~skorch.callbacks.PrintLog` formats its table at
        every epoch and drops it when ``verbose=0``; :class:`_QuietPrintLog`
        does not format what it would not print. It is a ``PrintLog`` with
        the same parameters (``callbacks__print_log__sink=...`` still gets
        every line).

        Returns
        -------
        callbacks : list of (str, Callback)
        """
        return [
            (name, _QuietPrintLog() if type(cb) is PrintLog else cb)
            for name, cb in super().get_default_callbacks()
        ]

    def get_params_for_optimizer(self, prefix, named_parameters):
        """skorch's optimizer arguments, with the fused Adam/AdamW kernels by default.

        When the optimizer is :class:`torch.optim.Adam` or
        :class:`torch.optim.AdamW`, every parameter is a floating-point
        tensor on the CPU or a CUDA device, and none of ``fused``,
        ``foreach``, ``capturable`` or ``differentiable`` was set (as
        ``optimizer__fused=...``), ``fused=True`` is added: one kernel per
        step for all the parameters instead of several small operations per
        parameter. Pass ``optimizer__fused=False`` for PyTorch's default.

        Parameters
        ----------
        prefix : str
            The optimizer's name (``"optimizer"``).
        named_parameters : iterable of (str, torch.nn.Parameter)
            The parameters to optimize.

        Returns
        -------
        args : tuple
            The parameter groups.
        kwargs : dict
            The optimizer's keyword arguments.
        """
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        optimizer = getattr(self, prefix, None)
        if optimizer not in _FUSED_OPTIMIZERS or (
            _OPTIMIZER_IMPLEMENTATION_KEYS & kwargs.keys()
        ):
            return args, kwargs
        params = [p for group in args[0] for p in group["params"]]
        if params and all(
            p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in params
        ):
            kwargs["fused"] = True
        return args, kwargs


def _columns(data):
    if data is None:
        return [None]
    if isinstance(data, dict):
        return list(data.values())
    return [data]
