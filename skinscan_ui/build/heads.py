"""A new classification head on a trained network's frozen features: L2-regularised logistic regression.

A head fine-tuned with its backbone on one collection learns that collection's quirks; refitted on
frozen pooled features from several sources, with a plain L2 penalty, it ranks melanoma from other
dermatoscopes far better. The fitted head is a Dense layer, so the model keeps its shape (global
average pooling + Dense), its LiteRT export and its one-pass Grad-CAM.
"""

from __future__ import annotations

import numpy as np

from skinscan_ui.serve.labels import CLASSES


def fit_logistic(
    features: np.ndarray, y: np.ndarray, c: float, sample_weight: np.ndarray | None = None, max_iter: int = 2000
) -> tuple[np.ndarray, np.ndarray]:
    """(kernel (D, K), bias (K,)) of a multinomial logistic regression on raw features.

    Features are standardised for the fit and the scaling folded back into the weights, so the
    Dense layer takes the network's features as they are.
    """
    from sklearn.linear_model import LogisticRegression

    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, max_iter=max_iter, tol=1e-5)
    model.fit((features - mean) / std, y, sample_weight=sample_weight)
    kernel = np.zeros((features.shape[1], len(CLASSES)), np.float32)
    bias = np.full(len(CLASSES), -30.0, np.float32)  # a class never seen in training is never predicted
    kernel[:, model.classes_] = (model.coef_ / std).T
    bias[model.classes_] = model.intercept_ - (model.coef_ * (mean / std)).sum(axis=1)
    return kernel, bias


def logits(features: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """What the Dense head computes before its softmax."""
    return np.asarray(features, np.float32) @ kernel + bias


def set_head(model, kernel: np.ndarray, bias: np.ndarray) -> None:
    """Write a fitted head into a model's last (Dense) layer."""
    model.layers[-1].set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
