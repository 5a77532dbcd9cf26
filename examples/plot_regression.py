"""
==========================
k-mixup for regression
==========================

Mixing applies to regression targets as it does to labels: the target of
the mixed point :math:`\\lambda x_a + (1 - \\lambda) x_b` is
:math:`\\lambda y_a + (1 - \\lambda) y_b`. This example uses scikit-learn's
bundled diabetes data (442 patients, 10 features, a disease-progression
score) with two regressors:

* :class:`~skmixup.KMixupEstimator` around a :class:`~sklearn.linear_model.Ridge`
  regression, which fits once on a k-mixup-augmented training set;
* :class:`~skmixup.KMixupRegressor`, a neural network that mixes every
  training batch.

Mixing is a regulariser: it helps a model that overfits and does little for
one that is already well regularised, and this example shows both cases.
"""

# %%
# Data and cross-validation
# -------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmixup import KMixupEstimator, KMixupRegressor

X, y = load_diabetes(return_X_y=True)
print(X.shape, f"target from {y.min():.0f} to {y.max():.0f}")
cv = KFold(n_splits=5, shuffle=True, random_state=0)

# %%
# The models
# ----------
# The network is a :class:`~skmixup.TabularMLP` with two hidden layers of 64
# units, trained for 60 epochs: enough to overfit 350 training points badly
# without mixing. It sees standardised features and, through
# :class:`~sklearn.compose.TransformedTargetRegressor`, a standardised
# target (its predictions are transformed back). ``k=16`` with batches of 64
# matches four pairs of k-batches per batch. One CPU thread is fastest for a
# network this small.
torch.set_num_threads(1)


def network(k, alpha):
    net = KMixupRegressor(
        k=k,
        alpha=alpha,
        max_epochs=60,
        batch_size=64,
        lr=3e-3,
        module__hidden_units=64,
        device="cpu",
        random_state=0,
    )
    return make_pipeline(
        StandardScaler(),
        TransformedTargetRegressor(regressor=net, transformer=StandardScaler()),
    )


def ridge(**mixing):
    model = Ridge(alpha=1.0)
    if mixing:
        model = KMixupEstimator(model, random_state=0, **mixing)
    return make_pipeline(StandardScaler(), model)


models = {
    "Ridge": ridge(),
    "Ridge, k-mixup": ridge(k=16, alpha=1.0),
    "net": network(k=1, alpha=0.0),
    "net, mixup": network(k=1, alpha=1.0),
    "net, k-mixup": network(k=16, alpha=1.0),
}

# %%
# Cross-validated scores
# ----------------------
# The same five folds for every model. ``return_estimator`` and
# ``return_indices`` keep the fitted models and the test folds, to collect
# out-of-fold predictions without fitting again.
results = {}
for name, model in models.items():
    results[name] = cross_validate(
        model,
        X,
        y,
        cv=cv,
        scoring="r2",
        return_estimator=True,
        return_indices=True,
    )
    scores = results[name]["test_score"]
    print(f"{name:>15}: R2 {scores.mean():.3f} +/- {scores.std(ddof=1):.3f}")

# %%
# The plain network overfits; mixing its batches, with random partners
# (mixup) or matched ones (k-mixup), reins it in. Which ``k`` and ``alpha``
# suit a dataset is for cross-validation to decide, as in
# :ref:`sphx_glr_auto_examples_plot_neural_gridsearch.py`. Ridge regression,
# a linear model with its own penalty, has little to gain: for a linear
# model, training on convex combinations of points mostly acts as one more
# quadratic penalty. The error bars are one standard error over the folds.
names = list(results)
means = [results[n]["test_score"].mean() for n in names]
errors = [
    results[n]["test_score"].std(ddof=1) / np.sqrt(cv.get_n_splits()) for n in names
]
fig, ax = plt.subplots(figsize=(6.5, 3.2))
colors = ["0.6", "tab:blue", "0.6", "tab:orange", "tab:blue"]
ax.barh(names, means, xerr=errors, color=colors, capsize=4)
ax.invert_yaxis()
ax.set_xlabel("cross-validated R$^2$ (higher is better)")
ax.set_title("Diabetes progression, 5-fold CV")
fig.tight_layout()
plt.show()

# %%
# Out-of-fold predictions
# -----------------------
# Each point predicted by the model that did not see it, for the plain and
# the k-mixup network.
fig, axes = plt.subplots(1, 2, figsize=(8, 3.8), sharex=True, sharey=True)
for ax, name in zip(axes, ["net", "net, k-mixup"]):
    predicted = np.empty_like(y)
    folds = zip(results[name]["estimator"], results[name]["indices"]["test"])
    for fitted, test in folds:
        predicted[test] = fitted.predict(X[test])
    ax.scatter(y, predicted, s=8, alpha=0.6)
    ax.plot([y.min(), y.max()], [y.min(), y.max()], color="k", lw=1)
    r2 = results[name]["test_score"].mean()
    ax.set_title(f"{name} (R$^2$ = {r2:.2f})")
    ax.set_xlabel("true target")
axes[0].set_ylabel("out-of-fold prediction")
fig.tight_layout()
plt.show()
