"""Batched inference and accuracy figures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .device import batch_size_for, model_device


@torch.no_grad()
def predict_logits(
    model: nn.Module, X: np.ndarray, lengths: np.ndarray | None = None, *, batch_size: int | None = None
) -> np.ndarray:
    """Logits ``(N, K)`` float32 for ``X`` ``(N, V, T)``, in batches, on the model's device.

    The model must be in eval mode (as :func:`lstmfcn.load_model` returns it); it is not changed.
    ``batch_size`` (samples per pass) defaults to what fits the device (:func:`~lstmfcn.device.batch_size_for`).
    """
    device = model_device(model)
    batch_size = batch_size or batch_size_for(model, X.shape[-1], gradients=False)
    full = lengths is None or (np.asarray(lengths) == X.shape[-1]).all()
    out = []
    for start in range(0, len(X), batch_size):
        xb = torch.as_tensor(X[start : start + batch_size], dtype=torch.float32, device=device)
        lb = None if full else torch.as_tensor(lengths[start : start + batch_size], device=device)
        out.append(model(xb, lb).float().cpu())
    if not out:
        return np.zeros((0, model.config.n_classes), np.float32)
    return torch.cat(out).numpy()


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities ``(N, K)`` from logits, for display (training never softmaxes)."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Evaluation:
    """Accuracy figures of a model on one split.

    Attributes:
        accuracy: fraction correct.
        per_class_accuracy: ``(K,)`` recall of each class (NaN for a class absent from ``y``).
        confusion: ``(K, K)`` counts, row = true class, column = predicted class.
        predictions: ``(N,)`` predicted class indices.
        logits: ``(N, K)``.
        misclassified: indices of the wrongly predicted samples.
    """

    accuracy: float
    per_class_accuracy: np.ndarray
    confusion: np.ndarray
    predictions: np.ndarray
    logits: np.ndarray
    misclassified: np.ndarray

    def to_dict(self, classes: list[str]) -> dict:
        """JSON-able summary keyed by class name."""
        return {
            "accuracy": self.accuracy,
            "n": int(len(self.predictions)),
            "per_class_accuracy": {
                c: (None if np.isnan(a) else float(a)) for c, a in zip(classes, self.per_class_accuracy, strict=True)
            },
            "confusion": self.confusion.tolist(),
            "classes": list(classes),
            "misclassified": self.misclassified.tolist(),
        }


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``(K, K)`` counts, row = true, column = predicted."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def evaluate(model: nn.Module, X: np.ndarray, y: np.ndarray, lengths: np.ndarray | None = None) -> Evaluation:
    """Accuracy, per-class accuracy and confusion matrix of ``model`` on ``X`` ``(N, V, T)``, ``y`` ``(N,)``."""
    return evaluation_from_logits(predict_logits(model, X, lengths), y)


def evaluation_from_logits(logits: np.ndarray, y: np.ndarray) -> Evaluation:
    """The :class:`Evaluation` of logits ``(N, K)`` already computed (in chunks, say) against ``y`` ``(N,)``."""
    pred = logits.argmax(axis=1)
    k = logits.shape[1]
    cm = confusion_matrix(y, pred, k)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)
    acc = float((pred == y).mean()) if len(y) else float("nan")
    return Evaluation(acc, per_class, cm, pred, logits, np.flatnonzero(pred != y))
