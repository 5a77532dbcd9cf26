"""
=====================================================
k-mixup as a sampler in an imbalanced-learn pipeline
=====================================================

:class:`~skmixup.KMixupAugmenter` follows the imbalanced-learn sampler API:
``fit_resample(X, y)`` returns the training set followed by k-mixup points.
In an :class:`imblearn.pipeline.Pipeline` it runs while the pipeline is
fitted only, so any model can be trained on k-mixup data, while ``predict``
and ``score`` see the test data untouched.

This example looks at the augmented set on the breast cancer data, compares
a random forest trained with no mixing, with mixup (``k=1``) and with k-mixup
by cross-validation, and chains the augmenter after a re-balancing sampler.
"""

# %%
# The augmenter on its own
# ------------------------
# With the defaults, ``fit_resample`` keeps every original point and appends
# as many synthetic ones. ``pairs_`` holds the two rows each synthetic point
# was mixed from and ``lam_`` the weight of the first one. By default the
# matching sees standardised features (``match_on="standardized"``), while
# the synthetic points are mixed from the original ones.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer

from skmixup import KMixupAugmenter

X, y = load_breast_cancer(return_X_y=True)
augmenter = KMixupAugmenter(k=16, alpha=0.4, random_state=0)
X_res, y_res = augmenter.fit_resample(X, y)
print(f"original: {X.shape}, augmented: {X_res.shape}")
print("first pairs:", augmenter.pairs_[:3].tolist())
print("their weights:", np.round(augmenter.lam_[:3], 3).tolist())

# %%
# A classifier needs one label per point, so with the default
# ``target="hard"`` the label of the synthetic point
# :math:`\lambda x_a + (1 - \lambda) x_b` is :math:`y_a` with probability
# :math:`\lambda` and :math:`y_b` otherwise. The matching decides how often
# that label is ambiguous at all: with ``k=1`` (mixup) partners are drawn at
# random, with larger ``k`` each point is mixed with a near neighbour, which
# usually carries the same label.
for k in (1, 4, 16, 64):
    augmenter.set_params(k=k).fit_resample(X, y)
    a, b = augmenter.pairs_.T
    mean_dist = np.linalg.norm((X[a] - X[b]) / X.std(axis=0), axis=1).mean()
    print(
        f"k={k:>2}: pairs of two classes {np.mean(y[a] != y[b]):5.1%}, "
        f"mean standardised distance between partners {mean_dist:.2f}"
    )

# %%
# In a pipeline, in front of any model
# ------------------------------------
# The same random forest, trained on the original data, with mixup and with
# k-mixup, compared by repeated stratified cross-validation on accuracy and
# log-loss (the forest's probabilities are averages of hard votes, so the
# log-loss tells how well they are calibrated).
from imblearn.pipeline import make_pipeline
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler


def forest():
    return RandomForestClassifier(n_estimators=100, random_state=0)


models = {
    "no mixing": make_pipeline(StandardScaler(), forest()),
    "mixup (k=1)": make_pipeline(
        StandardScaler(), KMixupAugmenter(k=1, alpha=0.4, random_state=0), forest()
    ),
    "k-mixup (k=16)": make_pipeline(
        StandardScaler(), KMixupAugmenter(k=16, alpha=0.4, random_state=0), forest()
    ),
}
cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0)
scores = {}
for name, model in models.items():
    result = cross_validate(model, X, y, cv=cv, scoring=["accuracy", "neg_log_loss"])
    scores[name] = {
        "accuracy": result["test_accuracy"],
        "log-loss": -result["test_neg_log_loss"],
    }
    print(
        f"{name:>15}: accuracy {scores[name]['accuracy'].mean():.3f}, "
        f"log-loss {scores[name]['log-loss'].mean():.3f}"
    )

# %%
# The bars are the mean over the 10 folds, the error bars one standard error.
# Differences of this size on one small dataset are within the noise of
# cross-validation; ``python -m skmixup.benchmarks uci`` makes the comparison
# properly, over many datasets and with a corrected statistical test.
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
names = list(scores)
colors = ["0.6", "tab:orange", "tab:blue"]
for ax, metric in zip(axes, ["accuracy", "log-loss"]):
    values = np.array([scores[name][metric] for name in names])
    sem = values.std(axis=1, ddof=1) / np.sqrt(values.shape[1])
    ax.bar(names, values.mean(axis=1), yerr=sem, color=colors, capsize=4)
    low = (values.mean(axis=1) - 3 * sem).min()
    high = (values.mean(axis=1) + 3 * sem).max()
    ax.set_ylim(low - 0.1 * (high - low), high)
    ax.set_title(
        f"{metric} ({'higher' if metric == 'accuracy' else 'lower'} is better)"
    )
    ax.tick_params(axis="x", labelsize=8)
fig.suptitle("Random forest on breast cancer, 2 x 5-fold CV")
fig.tight_layout()
plt.show()

# %%
# Chaining samplers
# -----------------
# Samplers compose in an imbalanced-learn pipeline. Here the data are made
# imbalanced (one malignant tumour in five of the original number) and
# :class:`~imblearn.over_sampling.RandomOverSampler` first re-balances the
# classes; k-mixup then mixes the re-balanced set. Balanced accuracy is the
# score for imbalanced classes.
from imblearn.over_sampling import RandomOverSampler

rng = np.random.default_rng(0)
malignant = np.flatnonzero(y == 0)
keep = np.concatenate([np.flatnonzero(y == 1), rng.permutation(malignant)[:40]])
X_imb, y_imb = X[keep], y[keep]
print("class counts:", np.bincount(y_imb).tolist())

chained = make_pipeline(
    StandardScaler(),
    RandomOverSampler(random_state=0),
    KMixupAugmenter(k=16, alpha=0.4, random_state=0),
    forest(),
)
over_sampled = make_pipeline(
    StandardScaler(), RandomOverSampler(random_state=0), forest()
)
plain = make_pipeline(StandardScaler(), forest())
for name, model in [
    ("forest", plain),
    ("over-sample", over_sampled),
    ("over-sample + k-mixup", chained),
]:
    result = cross_validate(model, X_imb, y_imb, cv=cv, scoring="balanced_accuracy")
    print(f"{name:>22}: balanced accuracy {result['test_score'].mean():.3f}")
