"""Datasets: the embedded catalog, readers for user files, and preprocessing.

Arrays are always ``(N, V, T)`` (samples, variables, time steps), float32, with int64 labels
``0..K-1``; see :class:`Dataset`.
"""

from __future__ import annotations

from lstmfcn.data.catalog import CatalogEntry, list_datasets
from lstmfcn.data.dataset import Dataset
from lstmfcn.data.loading import load_dataset, load_dataset_from_bytes, load_dataset_from_files
from lstmfcn.data.names import apply_renames, class_names, display_class, variable_names

__all__ = [
    "CatalogEntry",
    "Dataset",
    "apply_renames",
    "class_names",
    "display_class",
    "list_datasets",
    "load_dataset",
    "load_dataset_from_bytes",
    "load_dataset_from_files",
    "variable_names",
]
