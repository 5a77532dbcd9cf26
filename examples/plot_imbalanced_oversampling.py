"""
==================================================
Rebalancing an imbalanced dataset, next to SMOTE
==================================================

:class:`~skmixup.KMixupAugmenter` is an imbalanced-learn sampler. With
``sampling_strategy="auto"`` it oversamples the minority class up to the size
of the majority, and every synthetic point is a k-mixup of two points of that
class: both k-batches are drawn from the class and matched by optimal
transport, so mixed points interpolate between near neighbours, as SMOTE's
do, but with one global pairing instead of a random nearest neighbour.

Here we put it in an imbalanced-learn :class:`~imblearn.pipeline.Pipeline`
in front of a logistic regression, on ``yeast-2_vs_4`` (one of the bundled
KEEL imbalanced datasets, 51 positives among 514 rows), next to no
resampling, random oversampling and SMOTE, and compare balanced accuracy by
cross-validation. ``python -m skmixup.benchmarks imbalanced`` runs the same
comparison on 20 datasets with two classifiers and nested tuning.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from skmixup import KMixupAugmenter
from skmixup.datasets import load_dataset

data = load_dataset("yeast-2_vs_4")
X, y = data.data, (data.target == "positive").astype(int)
print(f"{y.sum()} positives among {len(y)} rows")

# %%
# One pipeline per resampler
# --------------------------
# The sampler sits after the scaler, so k-mixup matches and mixes in
# standardised units; samplers act on ``fit`` only, never on the test folds.
samplers = {
    "none": "passthrough",
    "random oversampling": RandomOverSampler(random_state=0),
    "SMOTE": SMOTE(random_state=0),
    "k-mixup (k=8)": KMixupAugmenter(k=8, sampling_strategy="auto", random_state=0),
}
cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0)
scores = {}
for name, sampler in samplers.items():
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("sample", sampler),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    )
    scores[name] = cross_val_score(pipe, X, y, cv=cv, scoring="balanced_accuracy")
    print(f"{name:20s} balanced accuracy {scores[name].mean():.3f}")

# %%
# What the sampler returns
# ------------------------
# After ``fit_resample``, ``sampling_strategy_`` says how many points were
# added to each class; the classes are then balanced.
augmenter = KMixupAugmenter(k=8, sampling_strategy="auto", random_state=0)
X_res, y_res = augmenter.fit_resample(StandardScaler().fit_transform(X), y)
added = {int(c): int(n) for c, n in augmenter.sampling_strategy_.items()}
print(f"points added per class: {added}; class counts after: {np.bincount(y_res)}")

# %%
# Balanced accuracy over the 10 folds
# -----------------------------------
fig, ax = plt.subplots(figsize=(6, 3))
ax.boxplot(list(scores.values()), orientation="horizontal")
ax.set_yticks(range(1, len(scores) + 1), list(scores))
ax.set_xlabel("balanced accuracy (5 x 2 folds)")
fig.tight_layout()
plt.show()
