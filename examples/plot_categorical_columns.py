"""
=====================================
Categorical columns are not averaged
=====================================

Mixing two rows averages every column: after a ``OneHotEncoder`` a mixed row
reads ``0.3 x red + 0.7 x blue``, and an integer code comes out as ``2.6``.
Trees and anything that reads a category as a category then see values that
never occur. With ``categorical_features`` (columns of categories) or
``onehot_groups`` (one-hot columns of one feature), a synthetic row takes each
categorical feature whole from one of its two parents, the first with
probability :math:`\\lambda` (an unbiased draw of the mix), and the matching
counts a category mismatch as one standard deviation of a numeric column.

This example shows both forms: a DataFrame with string columns
(``categorical_features="auto"``), and the one-hot columns that a
``ColumnTransformer`` writes (``onehot_groups``), on the bundled heart-disease
data. ``python -m skmixup.benchmarks categorical`` compares the two rules
over all bundled datasets with categorical columns.
"""

# %%
# A DataFrame with categories
# ---------------------------
# ``categorical_features="auto"`` takes the columns of category, object,
# string or bool dtype. The synthetic rows come back as a DataFrame whose
# categorical columns hold values of the data, in their own dtype.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skmixup import KMixupAugmenter, KMixupEstimator
from skmixup.datasets import load_dataset

rng = np.random.default_rng(0)
table = pd.DataFrame(
    {
        "age": rng.normal(50, 10, size=60).round(),
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], size=60)),
        "town": rng.choice(["north", "south"], size=60).astype(object),
        "income": rng.lognormal(10, 0.5, size=60).round(),
    }
)
label = (table["colour"] == "red").astype(int).to_numpy()
augmenter = KMixupAugmenter(
    k=8, categorical_features="auto", keep_original=False, random_state=0
)
synthetic, _ = augmenter.fit_resample(table, label)
print(synthetic.head())
print(synthetic.dtypes)

# %%
# One-hot columns after a ColumnTransformer
# -----------------------------------------
# The heart-disease data ship with three categorical features, one-hot
# encoded by the loader (``chest_pain=1`` ... ``chest_pain=4``, ...). Each
# group of columns is one feature for ``onehot_groups``.
heart = load_dataset("heart")
X, y = heart.data, heart.target
groups = [
    [j for j, name in enumerate(heart.feature_names) if name.startswith(f"{col}=")]
    for col in heart.categorical
]
print({col: len(g) for col, g in zip(heart.categorical, groups)})

averaged = KMixupAugmenter(k=16, keep_original=False, random_state=0)
aware = KMixupAugmenter(k=16, keep_original=False, onehot_groups=groups, random_state=0)
onehot = sorted(j for g in groups for j in g)
fractions = {}
for name, aug in (("averaged", averaged), ("aware", aware)):
    X_syn, _ = aug.fit_resample(X, y)
    block = X_syn[:, onehot]
    # share of one-hot entries that are neither 0 nor 1
    fractions[name] = float(np.mean((block != 0) & (block != 1)))
print(fractions)

fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(fractions), [100 * v for v in fractions.values()], color=["C1", "C0"])
ax.set_ylabel("one-hot entries neither 0 nor 1 (%)")
ax.set_title("Synthetic rows of the heart data, k = 16")
fig.tight_layout()

# %%
# Training on the mixed data
# --------------------------
# :class:`~skmixup.KMixupEstimator` mixes the raw columns (so the groups are
# still one-hot when it checks them) and fits the pipeline inside it, here a
# scaler and a logistic regression. The same ``onehot_groups`` works in
# :class:`~skmixup.KMixupClassifier` (and ``categorical_features`` for integer
# codes), where every training batch is mixed this way.
for name, groups_ in (("averaged", None), ("aware", groups)):
    model = KMixupEstimator(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        k=16,
        alpha=1.0,
        onehot_groups=groups_,
        random_state=0,
    )
    scores = cross_val_score(model, X, y, cv=5)
    print(f"{name:>8}: accuracy {scores.mean():.3f} +/- {scores.std():.3f}")

# %%
# Categories as strings in a pipeline
# -----------------------------------
# With string columns, encode inside the model: the augmenter mixes the
# DataFrame (categories taken whole), then a ``ColumnTransformer`` one-hot
# encodes them for the classifier.
encoder = ColumnTransformer(
    [
        ("num", StandardScaler(), ["age", "income"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "town"]),
    ]
)
model = KMixupEstimator(
    make_pipeline(encoder, LogisticRegression(max_iter=1000)),
    k=8,
    categorical_features="auto",
    random_state=0,
)
model.fit(table, label)
print("training accuracy:", model.score(table, label))
