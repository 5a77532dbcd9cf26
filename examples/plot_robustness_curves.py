"""
================================================
Robustness curves: Gaussian noise and FGSM
================================================

:mod:`skmixup.robustness` measures how the accuracy of a fitted classifier
falls when its inputs are perturbed:

* :func:`~skmixup.robustness.noise_accuracy` adds Gaussian noise of standard
  deviation ``sigma`` to every input value (a distribution shift);
* :func:`~skmixup.robustness.fgsm_accuracy` moves every input by ``epsilon``
  along the sign of the gradient of the network's loss, the fast gradient
  sign method (a one-step adversarial attack).

Both perturb the input of the final estimator: for a pipeline, after its
preprocessing steps, so ``sigma`` and ``epsilon`` are in the units the
network sees (here, pixels scaled to ``[0, 1]``).

This example trains the same small CNN on the digits without mixing (ERM),
with mixup (``k=1``) and with k-mixup (``k=16``) and draws their curves on
one test set. One split and one seed: the full comparison over folds, with
paired tests, is ``python -m skmixup.benchmarks images``.
"""

# %%
# Three networks
# --------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skmixup import KMixupClassifier
from skmixup.robustness import fgsm_accuracy, noise_accuracy

torch.set_num_threads(1)
digits = load_digits()
X = (digits.images / 16.0).astype(np.float32)  # (1797, 8, 8) in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.3, stratify=digits.target, random_state=0
)
methods = {
    "ERM (alpha=0)": dict(alpha=0.0, k=1),
    "mixup (k=1)": dict(alpha=1.0, k=1),
    "k-mixup (k=16)": dict(alpha=1.0, k=16),
}
models = {}
for name, params in methods.items():
    models[name] = KMixupClassifier(
        module__channels=(8, 16),
        module__hidden_units=64,
        max_epochs=20,
        lr=3e-3,
        device="cpu",
        random_state=0,
        **params,
    ).fit(X_train, y_train)
    print(f"{name:15}: clean test accuracy {models[name].score(X_test, y_test):.3f}")

# %%
# The curves
# ----------
# Every model sees the same noise (same ``random_state``; each repeat draws
# one noise image per test image and scales it by ``sigma``). FGSM's
# perturbed images are clipped back to the pixel range ``[0, 1]``.
sigmas = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
epsilons = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
for name, model in models.items():
    noise = noise_accuracy(
        model, X_test, y_test, sigmas=sigmas, n_repeats=3, random_state=0
    )
    fgsm = fgsm_accuracy(model, X_test, y_test, epsilons=epsilons, clip=(0, 1))
    axes[0].errorbar(
        noise.levels, noise.accuracy, yerr=noise.accuracy_std, marker="o", label=name
    )
    axes[1].plot(fgsm.levels, fgsm.accuracy, marker="o", label=name)
    print(
        f"{name:15}: noise {np.round(noise.accuracy, 3)}  fgsm {np.round(fgsm.accuracy, 3)}"
    )
axes[0].set_xlabel("Gaussian noise sigma (pixels in [0, 1])")
axes[1].set_xlabel("FGSM epsilon (pixels in [0, 1])")
axes[0].set_ylabel("test accuracy")
axes[0].legend()
for ax in axes:
    ax.grid(alpha=0.3)
fig.suptitle("Accuracy of a small CNN under input perturbations (digits)")
fig.tight_layout()
plt.show()
