"""
=================================================
k-mixup in a plain PyTorch training loop (KMixUp)
=================================================

:class:`~skmixup.KMixUp` is k-mixup as a batch transform, in the shape of
torchvision's ``MixUp``: called as ``x, y = kmixup(x, y)`` on a batch of
inputs and integer labels, it returns the mixed batch and soft targets.
Use it in any training loop (as here) or in a ``DataLoader``'s
``collate_fn`` after ``default_collate``.

This example trains a small convolutional network on scikit-learn's 8x8
digits, once without mixing and once with ``KMixUp``, in the same loop.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from skmixup import KMixUp

torch.set_num_threads(1)
torch.manual_seed(0)

digits = load_digits()
X = torch.tensor(digits.images / 16.0, dtype=torch.float32)[:, None]  # (n, 1, 8, 8)
y = torch.tensor(digits.target)
idx_train, idx_test = train_test_split(
    np.arange(len(y)), test_size=0.4, stratify=digits.target, random_state=0
)
train = TensorDataset(X[idx_train], y[idx_train])
print(f"{len(idx_train)} training and {len(idx_test)} test images of shape 1x8x8")


# %%
# The network and the loop
# ------------------------
# ``CrossEntropyLoss`` takes class probabilities as targets, so the same loss
# serves the one-hot labels of plain training and the soft targets of
# ``KMixUp``. The only change to the loop is the line that mixes the batch.
def make_net():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )


def train_net(mix=None, epochs=12, seed=0):
    torch.manual_seed(seed)
    net = make_net()
    optimiser = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(train, batch_size=64, shuffle=True)
    accuracy = []
    for _ in range(epochs):
        net.train()
        for xb, yb in loader:
            if mix is not None:
                xb, yb = mix(xb, yb)  # soft targets of shape (64, 10)
            optimiser.zero_grad()
            loss_fn(net(xb), yb).backward()
            optimiser.step()
        net.eval()
        with torch.no_grad():
            pred = net(X[idx_test]).argmax(dim=1)
        accuracy.append((pred == y[idx_test]).float().mean().item())
    return accuracy


kmixup = KMixUp(k=16, alpha=1.0, num_classes=10, random_state=0)
curves = {"no mixing": train_net(), "KMixUp(k=16)": train_net(kmixup)}
for name, acc in curves.items():
    print(f"{name:>14}: test accuracy after {len(acc)} epochs {100 * acc[-1]:.1f}%")

# %%
# What a mixed batch looks like
# -----------------------------
# ``return_info=True`` also returns the draw: each mixed image is
# ``lam * x + (1 - lam) * x[partner]``, its partner matched by optimal
# transport inside k-batches of 16.
xb, yb = next(iter(DataLoader(train, batch_size=64, shuffle=False)))
x_mix, y_mix, info = KMixUp(k=16, num_classes=10, random_state=1)(
    xb, yb, return_info=True
)
fig, axes = plt.subplots(3, 6, figsize=(8, 4.4))
for col in range(6):
    j = int(info.partner[col])
    for row, (img, title) in enumerate(
        [
            (xb[col, 0].numpy(), f"x: {int(yb[col])}"),
            (xb[j, 0].numpy(), f"partner: {int(yb[j])}"),
            (x_mix[col, 0].numpy(), f"lam={info.lam[col]:.2f}"),
        ]
    ):
        axes[row, col].imshow(img, cmap="gray_r")
        axes[row, col].set_title(title, fontsize=8)
        axes[row, col].axis("off")
fig.suptitle("Images, their matched partners, and the mixed images")
plt.tight_layout()

fig, ax = plt.subplots(figsize=(5, 3))
for name, acc in curves.items():
    ax.plot(np.arange(1, len(acc) + 1), 100 * np.array(acc), marker="o", label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("test accuracy (%)")
ax.legend()
plt.tight_layout()
plt.show()
