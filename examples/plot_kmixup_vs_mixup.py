"""
=====================================================
k-mixup against mixup: where do the mixed points go?
=====================================================

Mixup draws a random partner for every point and moves it along the segment
between the two. When the classes sit on separate clusters or curves, most of
those segments cross empty space, so the mixed points leave the data.

k-mixup draws *k-batches* of ``k`` points instead, and pairs each k-batch with
a partner k-batch by exact optimal transport: points are mixed with nearby
partners, so the mixed points stay close to the data, and fewer pairs join two
classes. ``k=1`` is ordinary mixup.

This example mixes two 2-D data sets, eight Gaussian clusters and two moons,
for ``k = 1`` and larger ``k``, and counts the pairs that join two classes.
"""

# %%
# Data
# ----
# :func:`skmixup.toydata.make_clusters` puts Gaussian clusters on a ring;
# :func:`sklearn.datasets.make_moons` draws the two moons. One batch of 512
# points of each.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from skmixup import kmixup_batch
from skmixup.toydata import make_clusters

datasets = {
    "8 clusters": make_clusters(n_samples=512, n_clusters=8, random_state=0),
    "two moons": make_moons(n_samples=512, noise=0.1, random_state=0),
}

# %%
# Mix each batch for several k
# ----------------------------
# :func:`skmixup.kmixup_batch` returns the mixed points and, with
# ``return_info=True``, which point each row was mixed with (``info.partner``).
# Every panel of a row starts from the same shuffle of the batch
# (``random_state=0``); only the size of the k-batches changes. The matching
# uses the plain Euclidean cost, which on clusters crosses between them
# hardly more often than the class counts force (see the last section).
ks = [1, 4, 16, 64]

fig, axes = plt.subplots(len(datasets), len(ks), figsize=(11, 5.8))
for row, (name, (X, y)) in enumerate(datasets.items()):
    for col, k in enumerate(ks):
        X_mix, _, info = kmixup_batch(
            X, k=k, alpha=1.0, metric="euclidean", random_state=0, return_info=True
        )
        cross = np.mean(y != y[info.partner])
        ax = axes[row, col]
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="tab10", s=6, alpha=0.25, lw=0)
        ax.scatter(X_mix[:, 0], X_mix[:, 1], c="k", s=3, lw=0)
        ax.set_title(f"{name}, k={k}\ncross-class pairs: {cross:.0%}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
fig.suptitle("Mixed points (black) over the data (coloured by class)")
fig.tight_layout()
plt.show()

# %%
# How many crossings could be avoided?
# ------------------------------------
# Even a perfect matching must join two classes when a k-batch and its
# partner hold different numbers of points of each class: with class counts
# :math:`n_c` and :math:`m_c`, at least :math:`k - \sum_c \min(n_c, m_c)` pairs
# cross. :func:`skmixup.benchmarks.toy.cross_pair_counts` counts both, per
# k-batch. As ``k`` grows the counts of the two k-batches even out, and the
# optimal matching follows that bound down.
from skmixup.benchmarks.toy import cross_pair_counts

X, y = datasets["8 clusters"]
print(f"{'k':>4} {'crossing':>9} {'forced':>7}")
for k in [1, 2, 4, 8, 16, 32, 64, 128]:
    _, _, info = kmixup_batch(
        X, k=k, metric="euclidean", random_state=0, return_info=True
    )
    crossings, forced, sizes = cross_pair_counts(y, info.partner, info.group)
    print(f"{k:>4} {crossings.sum() / len(y):>9.2f} {forced.sum() / len(y):>7.2f}")

# %%
# The full study, with both matching costs, the spiral, and averages over
# seeds, is ``python -m skmixup.benchmarks toy``.
