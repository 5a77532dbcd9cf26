"""Command-line helpers shared by the benchmarks."""

import argparse
import os
import tempfile

__all__ = ["csv_list", "load_average", "output_dir_error", "positive_int"]


def load_average():
    """The 1, 5 and 15 minute load averages as text (timings are read next to it)."""
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - platforms without getloadavg
        return "n/a"


def positive_int(text):
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1; got {text!r}")
    return value


def csv_list(text, cast=str):
    """argparse type: a non-empty comma-separated list, each item cast."""
    try:
        items = [cast(t.strip()) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {cast.__name__}; got {text!r}"
        ) from exc
    if not items:
        raise argparse.ArgumentTypeError("expected a non-empty comma-separated list")
    return tuple(items)


def output_dir_error(path):
    """Create ``path`` and check a file can be written there; the error text, or None."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return (
            f"error: --output {path!r} is not a writable folder ({exc.strerror or exc}); "
            "pass --output with a folder you can write to."
        )
    return None
