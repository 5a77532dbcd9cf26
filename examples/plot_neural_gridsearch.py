"""
==================================================
Tuning a k-mixup neural network with GridSearchCV
==================================================

:class:`~skmixup.KMixupClassifier` is a `skorch <https://skorch.readthedocs.io>`_
network that applies k-mixup to *every* training mini-batch, as in the paper:
each batch is cut into k-batches, each k-batch is matched by exact optimal
transport to a partner k-batch of the same batch, and inputs and one-hot
labels are mixed; the loss is the cross-entropy on the mixed soft labels.
Fresh pairs and weights are drawn at every step, on the device the network
trains on (``device="cuda"`` mixes on the GPU).

It is a scikit-learn classifier, so :class:`~sklearn.model_selection.GridSearchCV`
tunes ``k`` and ``alpha`` together with the network's own parameters
(``lr``, ``max_epochs``, ``module__hidden_units``, ...). This example does so
on the sonar data, a small, high-dimensional classic shipped with skmixup.
"""

# %%
# Data
# ----
# :func:`skmixup.datasets.load_dataset` reads the datasets bundled with
# skmixup (no download): 208 sonar returns, 60 features, two classes.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmixup import KMixupClassifier
from skmixup.datasets import load_dataset

sonar = load_dataset("sonar")
X, y = sonar.data, sonar.target
print(X.shape, "classes:", sonar.target_names)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

# %%
# The network
# -----------
# With ``module=None`` the classifier builds a :class:`~skmixup.TabularMLP`
# sized from the data; ``module__hidden_units`` sets its width. The features
# are standardised first. ``random_state`` seeds both the k-mixup draws and
# torch, so every fit below is reproducible. A network this small trains
# faster on one CPU thread than on several, which mostly wait for each other.
torch.set_num_threads(1)
net = KMixupClassifier(
    max_epochs=40,
    batch_size=64,
    lr=1e-3,
    module__hidden_units=64,
    device="cpu",
    random_state=0,
)
model = make_pipeline(StandardScaler(), net)

# %%
# The search
# ----------
# ``alpha=0`` is plain training (empirical risk minimisation), ``k=1``
# ordinary mixup. The batch holds 64 points, so ``k=16`` matches four pairs
# of k-batches per batch. Log-loss is the score: mixup's benefits show most
# in the quality of the probabilities.
param_grid = {
    "kmixupclassifier__k": [1, 4, 16],
    "kmixupclassifier__alpha": [0.0, 0.5, 1.0],
}
search = GridSearchCV(
    model,
    param_grid,
    scoring="neg_log_loss",
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)

results = pd.DataFrame(search.cv_results_)
table = -results.pivot(
    index="param_kmixupclassifier__k",
    columns="param_kmixupclassifier__alpha",
    values="mean_test_score",
)
print(table.round(3))

# %%
# Cross-validated log-loss over the grid (lower is better). The first column
# is the unmixed network, the same for every ``k``.
fig, ax = plt.subplots(figsize=(5.5, 3.2))
image = ax.imshow(table.to_numpy(), cmap="viridis_r")
ax.set_xticks(range(table.shape[1]), [f"{a:g}" for a in table.columns])
ax.set_yticks(range(table.shape[0]), [str(k) for k in table.index])
ax.set_xlabel("alpha")
ax.set_ylabel("k")
middle = (table.to_numpy().min() + table.to_numpy().max()) / 2
for (i, j), value in np.ndenumerate(table.to_numpy()):
    color = "k" if value < middle else "w"
    ax.text(j, i, f"{value:.3f}", ha="center", va="center", color=color, fontsize=9)
fig.colorbar(image, ax=ax, label="log-loss")
ax.set_title("KMixupClassifier on sonar, 3-fold CV")
fig.tight_layout()
plt.show()

# %%
# Held-out data and training curves
# ---------------------------------
# The best model, refitted on the whole training part by the search, against
# the unmixed network, on the test part. The training loss recorded by
# skorch (``history_``) is the loss on the *mixed* batches, so it stays
# higher with mixing: the network is never allowed to fit the training
# labels with full confidence.
from sklearn.base import clone
from sklearn.metrics import accuracy_score, log_loss

unmixed = clone(model).set_params(kmixupclassifier__alpha=0.0)
unmixed.fit(X_train, y_train)
tuned = search.best_estimator_
best = search.best_params_
tuned_name = (
    f"k={best['kmixupclassifier__k']}, alpha={best['kmixupclassifier__alpha']:g}"
)

fig, ax = plt.subplots(figsize=(5.5, 3.2))
for name, fitted in [("no mixing", unmixed), (tuned_name, tuned)]:
    proba = fitted.predict_proba(X_test)
    pred = fitted.classes_[proba.argmax(axis=1)]
    print(
        f"{name:>18}: test accuracy {accuracy_score(y_test, pred):.3f}, "
        f"log-loss {log_loss(y_test, proba, labels=fitted.classes_):.3f}"
    )
    history = fitted[-1].history_
    ax.plot(history[:, "epoch"], history[:, "train_loss"], label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (mixed batches)")
ax.legend()
fig.tight_layout()
plt.show()
