"""The numpy/torch seam: every difference between the two array libraries
that the math needs lives here, so the math itself has no type tests.

torch is never imported by this module: a tensor is recognised by its type,
and the functions that need torch import it from the tensor's own module.
"""

from functools import cache

import numpy as np

__all__ = ["float_dtype", "from_host", "is_half", "is_torch", "to_host"]


@cache
def _is_torch_type(cls):
    # By type, cached: this runs several times per training batch.
    return cls.__module__.startswith("torch") and hasattr(cls, "device")


def is_torch(x):
    """True for a torch tensor (torch is not imported)."""
    return _is_torch_type(type(x))


def is_half(x):
    """A 16-bit floating-point array or tensor (float16, bfloat16): neither
    numpy's matrix products nor the compiled solver take them, so they are
    matched on a float32 copy (and still mixed in their own dtype)."""
    if is_torch(x):
        return x.is_floating_point() and x.element_size() == 2
    return x.dtype.kind == "f" and x.dtype.itemsize == 2


def to_host(x):
    """A numpy copy of device data (for the host assignment solver)."""
    return x.detach().cpu().numpy() if is_torch(x) else np.asarray(x)


def from_host(arr, like):
    """``arr`` (numpy) as the array kind of ``like``, on its device."""
    if not is_torch(like):
        return arr
    import torch

    out = torch.from_numpy(np.ascontiguousarray(arr))
    return out if like.device.type == "cpu" else out.to(like.device, non_blocking=True)


def float_dtype(x):
    """The floating-point type mixing happens in: ``x``'s own if it has one,
    float64 otherwise (integers, booleans)."""
    if is_torch(x):
        import torch

        return x.dtype if x.is_floating_point() else torch.float64
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
