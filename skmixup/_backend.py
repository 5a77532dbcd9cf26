"""The numpy/torch seam: the math is written once against a small namespace.

:func:`namespace` gives the namespace of an array (``nx``), whose functions
are exactly the operations where numpy and torch differ; everything the two
spell alike (``@``, ``.swapaxes``, ``.sum(axis=...)``, ``.mean(axis=...,
keepdims=...)``, indexing) the math writes directly. :func:`compute_form` is
the one place that decides where the math runs: host data (numpy arrays and
CPU tensors, through zero-copy views) as numpy, which the compiled solver
reads, and device tensors on their device. torch is imported only when a
tensor is seen.

Why a namespace of our own rather than ``array-api-compat`` (scikit-learn
and SciPy's seam, not installed here; scikit-learn's vendored copy is
private) or POT's ``ot.backend.get_backend``: on a 64 x 20 float32 tensor, one
thread, ``python -m timeit -s "import torch; x = torch.rand(64, 20); i =
torch.arange(64); <namespace setup>" "<stmt>"``, finding the namespace costs
0.71 us (array-api-compat), 1.54 us (POT) and 0.08 us (a dict keyed by type,
here), and array-api-compat's ``matmul`` and ``take`` cost 8.1 us each
against 4.4 us for ``@`` and 3.2 us for indexing, while POT's ``mean`` takes
no ``keepdims``. The per-batch step makes a few dozen such calls, so those
wrappers would add more than the mixing costs; here nothing is wrapped where
numpy and torch already agree, and ``match_batches`` at (64, 16, 100) takes
0.40 ms from CPU tensors against 0.39 ms from numpy (tensors are read as
views; the difference is the fixed cost of the two conversions).
"""

import math
from functools import cache

import numpy as np

__all__ = [
    "CPU_AS_HOST",
    "compute_form",
    "namespace",
    "reject_sparse",
    "host_scale",
    "mixing_form",
    "to_input_kind",
]

#: Whether the math reads CPU tensors as numpy views (the host path). Tests
#: turn it off to drive the device code path with CPU tensors.
CPU_AS_HOST = True

#: Largest magnitude of a power-of-two exponent used to rescale data: past
#: 2**1000 the factor itself would overflow.
_MAX_SCALE_EXP = 1000

#: Magnitudes within 2**+-this (by float width in bytes) have squared
#: distances, summed over a million features, far inside the type's range:
#: they need no rescaling (which would not change any result anyway, a power
#: of two rounds the same at every scale).
_SAFE_EXP = {4: 40, 8: 300}


def host_scale(*arrays):
    """The power of two that brings the largest magnitude of the host float
    ``arrays`` into [0.5, 1), or None where no square or sum of squares can
    overflow or underflow without it (and where a value is not finite: the
    caller's finite check reports it).

    Multiplying by a power of two is exact, so the rescaled data have the
    same optimal assignments and the same standardised values as the
    original, whatever their units. This is the one rescaling rule of the
    package (torch's form: :meth:`_Torch.scale_of`).
    """
    # max and min propagate NaN and need no temporary array.
    amax = float(max(max(a.max(initial=0), -a.min(initial=0)) for a in arrays))
    if amax == 0.0 or not math.isfinite(amax):
        return None
    exp = math.frexp(amax)[1]
    dtype = np.result_type(*arrays)
    if abs(exp) < _SAFE_EXP.get(dtype.itemsize, 0):
        return None
    limit = min(_MAX_SCALE_EXP, np.finfo(dtype).maxexp - 2)
    return math.ldexp(1.0, min(max(-exp, -limit), limit))


def _row_shape(ndim):
    """The shape of per-row weights broadcast over rows of ``ndim`` dims."""
    return (-1,) + (1,) * (ndim - 1)


class _Numpy:
    """numpy: host arrays."""

    name = "numpy"
    on_host = True  # the compiled kernels read these arrays directly
    int64 = np.int64
    float32 = np.float32
    float64 = np.float64

    @staticmethod
    def asarray(host, like=None, dtype=None):
        """A host array as this kind, on ``like``'s device."""
        return np.asarray(host, dtype=dtype)

    @staticmethod
    def to_host(x):
        return np.asarray(x)

    @staticmethod
    def take_rows(x, rows):
        """The rows ``rows`` (1-d integer indices) of ``x``."""
        return x[rows]

    @staticmethod
    def row_weights(lam, like, dtype, ndim):
        """Per-row weights ``lam`` (1-d) in ``dtype``, shaped to broadcast
        over arrays of ``ndim`` dimensions."""
        return np.asarray(lam, dtype=dtype).reshape(_row_shape(ndim))

    @staticmethod
    def astype(x, dtype):
        return x.astype(dtype, copy=False)

    @staticmethod
    def is_float(x):
        return x.dtype.kind == "f"

    @staticmethod
    def mix(A, P, w, w1, out=None):
        """``w * A + w1 * P`` (``w1 = 1 - w``), with one temporary less;
        written into ``out`` when given."""
        if out is None:
            mixed = w * A
        else:
            mixed = out
            mixed[...] = A
            mixed *= w
        mixed += w1 * P
        return mixed

    @staticmethod
    def kind(x):
        """numpy's one-letter kind of ``x``'s dtype ("b", "i", "u", "f", "c",
        ...)."""
        return x.dtype.kind

    @staticmethod
    def device(x):
        return "cpu"

    promote = staticmethod(np.promote_types)
    concat = staticmethod(np.concatenate)
    hstack = staticmethod(np.hstack)
    where = staticmethod(np.where)

    @staticmethod
    def empty(shape, dtype, like=None):
        return np.empty(shape, dtype=dtype)

    @staticmethod
    def take_along(a, idx):
        return np.take_along_axis(a, idx, axis=-1)

    @staticmethod
    def sqrt(x):
        return np.sqrt(x, out=x)

    @staticmethod
    def clip_negative(x):
        return np.maximum(x, 0.0, out=x)

    @staticmethod
    def all_finite(x):
        return x.dtype.kind not in "fc" or bool(np.isfinite(x).all())

    scale_of = staticmethod(host_scale)


class _Torch:
    """torch: tensors on any device, computed there (no host round trip)."""

    name = "torch"
    on_host = False  # host tensors reach the math as numpy views

    def __init__(self, torch):
        self.torch = torch
        #: dtypes a numpy view can hold (not bfloat16, not the 8-bit floats)
        self.numpy_dtypes = frozenset(
            getattr(torch, name)
            for name in (
                "bool", "uint8", "int8", "int16", "int32", "int64",
                "float16", "float32", "float64", "complex64", "complex128",
            )
        )  # fmt: skip
        self._numpy_float = {torch.float32: np.float32, torch.float64: np.float64}
        self.int64, self.float32, self.float64 = (
            torch.int64,
            torch.float32,
            torch.float64,
        )

    def asarray(self, host, like=None, dtype=None):
        """A host array (or a tensor) as a tensor of ``dtype`` on ``like``'s
        device: 32- and 64-bit floats are cast on the host, before the
        transfer; dtypes numpy lacks (16-bit floats) on the device."""
        if isinstance(host, self.torch.Tensor):
            t = host if like is None else host.to(like.device)
            return t if dtype is None else t.to(dtype)
        if dtype is not None and dtype in self._numpy_float:
            host = np.asarray(host, dtype=self._numpy_float[dtype])
        t = None
        if type(host) is np.ndarray and host.flags.writeable:
            try:  # zero-copy: a third of as_tensor's cost on a batch's indices
                t = self.torch.from_numpy(host)
            except (TypeError, ValueError):  # negative strides, odd dtypes
                pass
        if t is None:
            t = self.torch.as_tensor(host)
        if like is not None and not like.is_cpu:
            t = t.to(like.device, non_blocking=True)
        return t if dtype is None or t.dtype == dtype else t.to(dtype)

    @staticmethod
    def to_host(x):
        return x.detach().cpu().numpy()

    @staticmethod
    def take_rows(x, rows):
        """The rows ``rows`` (1-d integer indices) of ``x``: ``index_select``,
        a third cheaper than indexing on a training batch."""
        return x.index_select(0, rows)

    def row_weights(self, lam, like, dtype, ndim):
        """Per-row weights ``lam`` (1-d, host or tensor) in ``dtype`` on
        ``like``'s device, shaped to broadcast over ``ndim`` dimensions: host
        weights are shaped on the host (a numpy reshape costs less than a
        tensor view on a training batch's path)."""
        shape = _row_shape(ndim)
        host_dtype = self._numpy_float.get(dtype)
        if host_dtype is not None and type(lam) is np.ndarray:
            # (the training batch's case: cast, shaped, wrapped, sent)
            w = self.torch.from_numpy(lam.astype(host_dtype).reshape(shape))
            return w if like.is_cpu else w.to(like.device, non_blocking=True)
        return self.asarray(lam, like, dtype=dtype).reshape(shape)

    def from_host(self, host, like):
        """A numpy array as a tensor on ``like``'s device (zero-copy on the
        CPU)."""
        t = self.torch.from_numpy(np.ascontiguousarray(host))
        return t if like.is_cpu else t.to(like.device, non_blocking=True)

    @staticmethod
    def astype(x, dtype):
        return x.to(dtype)

    @staticmethod
    def is_float(x):
        return x.is_floating_point()

    def mix(self, A, P, w, w1=None, out=None):
        """``P + w * (A - P)``: one kernel (``torch.lerp``), on the device."""
        mixed = self.torch.lerp(P, A, w)
        if out is None:
            return mixed
        out.copy_(mixed)
        return out

    def kind(self, x):
        """numpy's one-letter kind of ``x``'s dtype."""
        if x.is_floating_point():
            return "f"
        if x.is_complex():
            return "c"
        return (
            "b"
            if x.dtype is self.torch.bool
            else ("u" if x.dtype is self.torch.uint8 else "i")
        )

    @staticmethod
    def device(x):
        return x.device

    def promote(self, a, b):
        return self.torch.promote_types(a, b)

    def empty(self, shape, dtype, like=None):
        return self.torch.empty(shape, dtype=dtype, device=like.device)

    def concat(self, parts):
        return self.torch.cat(parts)

    def hstack(self, parts):
        """2-d arrays side by side (columns appended)."""
        return self.torch.cat(parts, dim=1)

    def take_along(self, a, idx):
        return self.torch.take_along_dim(a, idx, dim=-1)

    def where(self, cond, a, b):
        return self.torch.where(cond, a, b)

    @staticmethod
    def sqrt(x):
        return x.sqrt_()

    @staticmethod
    def clip_negative(x):
        return x.clamp_min_(0.0)

    @staticmethod
    def all_finite(x):
        # 8-bit floats have no isfinite kernel: check a float32 copy
        if x.is_floating_point() and x.itemsize < 2:
            x = x.float()
        return bool(x.isfinite().all())

    def scale_of(self, *arrays):
        """The power of two bringing the largest magnitude into [0.5, 1), as a
        0-d tensor on the arrays' device: always applied, since deciding to
        skip it would synchronise with the device (see :func:`host_scale`)."""
        torch = self.torch
        amax = torch.stack([a.abs().amax() for a in arrays]).amax()
        limit = min(int(np.log2(torch.finfo(amax.dtype).max)) - 1, _MAX_SCALE_EXP)
        exp = torch.frexp(amax).exponent.clamp(-limit, limit)
        return torch.ldexp(torch.ones_like(amax), -exp)


_NUMPY = _Numpy()


@cache
def _namespace_of(cls):
    # By type, cached: this runs several times per training batch.
    if cls.__module__.startswith("torch") and hasattr(cls, "device"):
        import torch

        return _Torch(torch)
    return _NUMPY


def namespace(x):
    """The namespace (``nx``) of ``x``: torch's for a tensor, numpy's for
    anything else."""
    return _namespace_of(type(x))


def compute_form(x, *, keep_grad=False):
    """``x`` as the math computes on it: a numpy array for host data (a
    zero-copy view of a CPU tensor), the tensor itself on other devices.

    A CPU tensor stays a tensor where numpy would lose something: with
    ``keep_grad`` when it requires gradients, and when numpy has no such
    dtype (bfloat16, 8-bit floats). Otherwise tensors are detached.
    """
    nx = namespace(x)
    if nx is _NUMPY:
        return np.asarray(x)
    if x.requires_grad:
        if keep_grad:
            return x
        x = x.detach()
    if x.is_cpu and CPU_AS_HOST and x.dtype in nx.numpy_dtypes:
        return x.numpy()
    return x


def mixing_form(x):
    """``x`` as the mixing computes on it: a numpy array, or the tensor
    itself on its own device, CPU included (under autograd when it requires
    gradients).

    Unlike the matching (:func:`compute_form`), the mixing of CPU tensors
    stays in torch: one ``lerp`` per array, whose result lands in torch's
    64-byte aligned memory. Mixed in numpy, a batch cost more small calls and
    came back in numpy's 16-byte aligned memory, which made the nets'
    forward and backward passes on it about 6% slower (the first layer's
    products on a 64 x 20 batch).
    """
    return np.asarray(x) if namespace(x) is _NUMPY else x


def reject_sparse(x, name):
    """TypeError for a scipy sparse matrix (or anything with ``toarray``):
    k-mixup mixes and matches dense rows."""
    if hasattr(x, "toarray") or hasattr(x, "todense"):
        raise TypeError(
            f"{name} is a sparse matrix; k-mixup mixes and matches dense rows. "
            f"Convert it with {name}.toarray() (or densify it in the pipeline) "
            "first."
        )


def to_input_kind(result, like):
    """``result`` (computed by the math) as the kind of the input ``like``:
    a host result of a tensor input becomes a tensor (zero-copy on the CPU,
    on ``like``'s device otherwise)."""
    nx = namespace(like)
    if nx is _NUMPY or namespace(result) is not _NUMPY:
        return result
    return nx.from_host(result, like)
