"""The one table of ground costs: name -> how a cost block is finished.

Every piece of code that turns features into a matching cost reads this
table: the batched cost blocks (:func:`skmixup._matching.pairwise_cost`), the
compiled fused kernel (:mod:`skmixup._jv`, through :attr:`Metric.code`) and
the parameter spec (:mod:`skmixup._params`, through :data:`METRICS`' keys).
A name that is not a key is refused everywhere; adding a metric is a change
in this file (and, for the compiled kernel, one branch keyed by its code).
"""

from dataclasses import dataclass

__all__ = ["METRICS", "Metric", "get_metric"]


@dataclass(frozen=True)
class Metric:
    """A ground cost written as a function of the squared distance.

    Attributes
    ----------
    name : str
    code : int
        The compiled kernel's code for this cost (``skmixup._jv`` finishes a
        block by this code; a code it does not know fails its import test).
    squared : bool
        True when the cost *is* the squared distance: then only the cross
        term ``-2 <a, b>`` needs computing (same optimal assignment).
    """

    name: str
    code: int
    squared: bool

    def from_squared(self, xp, d2):
        """The cost from squared distances ``d2`` (non-negative), in ``xp``."""
        return d2 if self.squared else xp.sqrt(d2)


#: name -> Metric. The package-wide default is "euclidean" (see the user guide).
METRICS = {
    "sqeuclidean": Metric("sqeuclidean", code=0, squared=True),
    "euclidean": Metric("euclidean", code=1, squared=False),
}


def get_metric(name):
    """The :class:`Metric` called ``name``; ValueError for any other value."""
    try:
        return METRICS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"metric must be one of {sorted(METRICS)}; got {name!r}."
        ) from None
