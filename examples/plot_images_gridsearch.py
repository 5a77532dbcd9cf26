"""
==============================================
A CNN with k-mixup on digits, in GridSearchCV
==============================================

:class:`~skmixup.KMixupClassifier` takes images as well as tables. Given
``X`` of shape ``(n, H, W)`` (one channel) or ``(n, C, H, W)``, it builds a
small convolutional network, :class:`~skmixup.modules.ConvNet`, sized from
the data, and mixes every training batch of images with k-mixup: the
matching cost between two images is the Euclidean distance between their
pixels.

scikit-learn's transformers work on 2-d tables, so the images enter a
:class:`~sklearn.pipeline.Pipeline` as rows of pixels and a
:class:`~sklearn.preprocessing.FunctionTransformer` turns them into images
just before the network. The pipeline is then an ordinary scikit-learn
classifier: :class:`~sklearn.model_selection.GridSearchCV` tunes ``k`` (``k=1``
is mixup) together with ``alpha`` on the training set only.
"""

# %%
# Data: 8 x 8 digits as rows of 64 pixels
# ----------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skmixup import KMixupClassifier

digits = load_digits()
X, y = digits.data, digits.target  # X: (1797, 64), grey levels 0..16
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print("train:", X_train.shape, "test:", X_test.shape)


# %%
# The pipeline: pixels -> images -> CNN
# --------------------------------------
# The transformer scales the grey levels to ``[0, 1]`` and reshapes every row
# into an 8 x 8 image (a module-level function, so the pipeline pickles).
# ``module=None`` builds a :class:`~skmixup.modules.ConvNet` with
# ``in_shape=(8, 8)``; its ``channels`` and ``hidden_units`` are set through
# the estimator as ``module__...``. A net this small trains faster on one CPU
# thread.
def to_images(X):
    return (np.asarray(X, dtype=np.float32) / 16.0).reshape(-1, 8, 8)


torch.set_num_threads(1)
model = make_pipeline(
    FunctionTransformer(to_images),
    KMixupClassifier(
        module__channels=(8, 16),
        module__hidden_units=64,
        max_epochs=15,
        lr=3e-3,
        device="cpu",
        random_state=0,
    ),
)

# %%
# Tuning k and alpha by cross-validation
# --------------------------------------
# Every candidate gets the same network, seed and number of epochs. The test
# set is used once, after the search.
search = GridSearchCV(
    model,
    {
        "kmixupclassifier__k": [1, 16],
        "kmixupclassifier__alpha": [0.2, 1.0],
    },
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)
results = pd.DataFrame(search.cv_results_)[
    ["param_kmixupclassifier__k", "param_kmixupclassifier__alpha", "mean_test_score"]
]
print(results.to_string(index=False))
print("best:", search.best_params_)
print(f"test accuracy of the refitted best model: {search.score(X_test, y_test):.3f}")

# %%
# Cross-validation scores of the grid
# -----------------------------------
fig, ax = plt.subplots(figsize=(6, 3.5))
for k, group in results.groupby("param_kmixupclassifier__k"):
    label = "mixup (k=1)" if k == 1 else f"k-mixup (k={k})"
    ax.plot(
        group.param_kmixupclassifier__alpha.astype(float),
        group.mean_test_score,
        "o-",
        label=label,
    )
ax.set_xlabel("alpha")
ax.set_ylabel("mean CV accuracy")
ax.set_title("GridSearchCV over k and alpha (digits, ConvNet)")
ax.legend()
fig.tight_layout()

# %%
# Some test digits with their predictions
# ---------------------------------------
pred = search.predict(X_test[:10])
fig, axes = plt.subplots(1, 10, figsize=(10, 1.6))
for ax, image, label in zip(axes, to_images(X_test[:10]), pred):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")
plt.show()
