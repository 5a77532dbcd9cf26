"""
======================================================
Manifold k-mixup: matching and mixing hidden features
======================================================

k-mixup usually mixes the inputs. *Manifold* k-mixup mixes a hidden
representation instead: the batch goes through the first layers of the
network, the k-batches are matched by optimal transport on the features
computed there, the features and labels are mixed, and the forward pass
resumes from that place. The official k-mixup code draws the place at random
for every batch among the input and the first block.

In skmixup this is the ``mix_layer`` parameter of the networks: ``0`` (the
default) mixes the input, ``p >= 1`` the output of hidden block ``p``, and a
tuple such as ``(0, 1)`` draws one place per batch. It works with any module
that implements a three-name protocol (``mix_points``, ``forward_head``,
``forward_tail``, see :mod:`skmixup.modules`); the default networks
:class:`~skmixup.modules.TabularMLP` and :class:`~skmixup.modules.ConvNet`
do.
"""

# %%
# The protocol on the default CNN
# -------------------------------
# Place ``p`` of a :class:`~skmixup.modules.ConvNet` is the output of its
# convolutional block ``p``. ``forward_head`` computes the representation
# there and ``forward_tail`` finishes the forward pass, so that
# ``forward(X) == forward_tail(forward_head(X, p), p)``.
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skmixup import KMixupClassifier
from skmixup.modules import ConvNet

torch.set_num_threads(1)
net = ConvNet(in_shape=(8, 8), n_outputs=10, channels=(8, 16)).eval()
images = torch.rand(4, 8, 8)
print("mix_points:", net.mix_points, "shapes at each place:", net.feature_shapes)
for point in range(net.mix_points + 1):
    H = net.forward_head(images, point)
    same = torch.allclose(net.forward_tail(H, point), net(images), atol=1e-6)
    print(
        f"place {point}: representation {tuple(H.shape)}, tail(head) == forward: {same}"
    )

# %%
# Training at different places
# ----------------------------
# The same network, seed and number of epochs, with k-mixup (``k=16``) at the
# input, after the first block, after the second, and at a place drawn per
# batch among the input and the first block. One train/test split of the
# digits: differences of a point or so are within the noise of a single split
# (``python -m skmixup.benchmarks images`` compares the methods over folds).
digits = load_digits()
X = (digits.images / 16.0).astype(np.float32)  # (1797, 8, 8) in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.3, stratify=digits.target, random_state=0
)
settings = {"input (0)": 0, "block 1": 1, "block 2": 2, "random (0, 1)": (0, 1)}
scores = {}
for name, mix_layer in settings.items():
    clf = KMixupClassifier(
        k=16,
        alpha=1.0,
        mix_layer=mix_layer,
        module__channels=(8, 16),
        module__hidden_units=64,
        max_epochs=20,
        lr=3e-3,
        device="cpu",
        random_state=0,
    ).fit(X_train, y_train)
    proba = clf.predict_proba(X_test)
    scores[name] = (clf.score(X_test, y_test), log_loss(y_test, proba))
    print(
        f"mix_layer={mix_layer!r:8}: accuracy {scores[name][0]:.3f}, "
        f"log-loss {scores[name][1]:.3f}"
    )

# %%
# Test accuracy and log-loss by mixing place
# ------------------------------------------
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
names = list(scores)
for ax, index, label in zip(axes, (0, 1), ("test accuracy", "test log-loss")):
    values = [scores[n][index] for n in names]
    ax.bar(names, values, color="tab:blue")
    ax.set_ylabel(label)
    ax.set_xlabel("mix_layer")
    if index == 0:
        ax.set_ylim(min(values) - 0.05, 1.0)
fig.suptitle("k-mixup (k=16) on digits, mixing at different places")
fig.tight_layout()
plt.show()
