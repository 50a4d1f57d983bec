"""The pretrained model zoo shipped in ``lstmfcn/pretrained/``.

Each file is a checkpoint named ``{Dataset}__{arch}[__noshuffle].safetensors``; its metadata
records how it was trained (epochs, seed, device, wall time) and its train and test accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .checkpoint import read_metadata
from .errors import LstmFcnError
from .models import ARCH_NAMES, ARCHITECTURES, attends

PRETRAINED_DIR = Path(__file__).parent / "pretrained"
DEFAULT_DATASET = "GunPoint"


@dataclass(frozen=True)
class ZooEntry:
    """One shipped checkpoint and the facts a user needs before trusting it."""

    name: str  # file stem, e.g. "GunPoint__lstmfcn"
    path: Path
    dataset: str
    arch: str
    shuffle: bool
    cells: int
    test_accuracy: float | None
    train_accuracy: float | None
    epochs: int
    wall_time_s: float
    device: str
    seed: int

    @property
    def label(self) -> str:
        """Short human label, e.g. ``"ALSTM-FCN (attention over time), 8 cells"``."""
        attention = " (attention over time)" if not self.shuffle and attends(self.arch) else ""
        shuffle = "" if self.shuffle or attention else " (no shuffle)"
        return f"{ARCH_NAMES.get(self.arch, self.arch)}{attention}{shuffle}, {self.cells} cells"

    @property
    def display_rank(self) -> tuple:
        """Sort key for offering entries: LSTM-FCN, ALSTM-FCN, MLSTM-FCN, MALSTM-FCN; shuffle-on first."""
        rank = ARCHITECTURES.index(self.arch) if self.arch in ARCHITECTURES else len(ARCHITECTURES)
        return (rank, not self.shuffle, self.name)


def list_pretrained(dataset: str | None = None, *, skip_unreadable: bool = False) -> list[ZooEntry]:
    """Shipped checkpoints (optionally only those for ``dataset``, case-insensitive), by file name.

    ``skip_unreadable`` passes over a file that is not a readable checkpoint (a half-copied file)
    instead of raising :class:`~lstmfcn.errors.CheckpointError`, so one bad file never hides the rest.
    """
    entries = []
    for path in sorted(PRETRAINED_DIR.glob("*.safetensors")):
        if path.name.endswith(".resume.safetensors"):  # a training in progress, not a model
            continue
        try:
            entry = _entry(path, _read_header(path))
        except (LstmFcnError, OSError, ValueError, KeyError):
            if skip_unreadable:
                continue
            raise
        if dataset is None or entry.dataset.lower() == dataset.lower():
            entries.append(entry)
    return entries


def _entry(path: Path, meta: dict) -> ZooEntry:
    t, m = meta.get("training", {}), meta["model"]
    return ZooEntry(
        name=path.stem,
        path=path,
        dataset=meta["dataset"]["name"],
        arch=m["arch"],
        shuffle=m["shuffle"],
        cells=m["cells"],
        test_accuracy=t.get("test_accuracy"),
        train_accuracy=t.get("train_accuracy"),
        epochs=t.get("epochs_run", 0),
        wall_time_s=t.get("wall_time_s", 0.0),
        device=t.get("device", ""),
        seed=t.get("seed", 0),
    )


def _read_header(path: Path) -> dict:
    """A checkpoint's metadata without reading its weights."""
    with path.open("rb") as f:
        head = f.read(8)
        return read_metadata(head + f.read(int.from_bytes(head, "little")), path.name)


def offered_for(dataset: str) -> list[str]:
    """Names of the readable shipped checkpoints trained on ``dataset``, in the order to offer them."""
    return [e.name for e in sorted(list_pretrained(dataset, skip_unreadable=True), key=lambda e: e.display_rank)]


def pretrained_path(name: str) -> Path:
    """Path of the shipped checkpoint ``name`` (file stem); KeyError listing the names if absent."""
    path = PRETRAINED_DIR / f"{name}.safetensors"
    if not path.is_file():
        names = ", ".join(e.name for e in list_pretrained()) or "none"
        raise KeyError(f"no pretrained model '{name}'; shipped: {names}")
    return path


def zoo_file_name(dataset: str, arch: str, shuffle: bool) -> str:
    """The file stem a zoo entry is stored under."""
    return f"{dataset}__{arch}" + ("" if shuffle else "__noshuffle")


# The zoo's plan: (dataset, arch, shuffle). LSTM-FCN and ALSTM-FCN (8 cells, papers' default) on
# univariate sets that span sizes, lengths and class counts; an attention-over-time ALSTM-FCN on
# the dashboard's default; MLSTM-FCN / MALSTM-FCN on two multivariate sets (one unequal length).
UNIVARIATE = [
    "GunPoint",
    "CBF",
    "Coffee",
    "ECG200",
    "ECG5000",
    "ArrowHead",
    "ItalyPowerDemand",
    "Beef",
    "Car",
    "DiatomSizeReduction",
    "ECGFiveDays",
    "FaceFour",
    "Chinatown",
    "OSULeaf",
    "Adiac",
]
# Adiac (37 classes) is the zoo's many-class set. FiftyWords (50 classes) was planned too but left out:
# its two trainings cost about 80 CPU-minutes, and all entries at float32 would exceed the ~40 MB budget.
MULTIVARIATE = ["BasicMotions", "JapaneseVowels"]
# Attention over time (ALSTM-FCN, shuffle off) on the dashboard's default and on five more
# univariate sets, the cheapest to train with a stepwise attention LSTM (short series, few
# samples), so that the Attention page shows something out of the box beyond GunPoint.
ATTENTION_OVER_TIME = [DEFAULT_DATASET, "Chinatown", "ItalyPowerDemand", "ECGFiveDays", "CBF", "ECG200"]
PLAN: list[tuple[str, str, bool]] = (
    [(d, "alstmfcn", False) for d in ATTENTION_OVER_TIME]
    + [(d, a, True) for d in UNIVARIATE for a in ("lstmfcn", "alstmfcn")]
    + [(d, a, True) for d in MULTIVARIATE for a in ("mlstmfcn", "malstmfcn")]
)


# Normalisation per entry: per sample (the papers' default) unless the variables' scales carry the
# class. JapaneseVowels' 12 LPC coefficients do (speaker identity): per-sample z-normalisation of
# each coefficient scored 0.78 (MLSTM-FCN) and 0.82 (MALSTM-FCN); statistics from the training set keep it.
NORMALIZE = {"JapaneseVowels": "per_dataset"}


def missing_from_plan() -> list[tuple[str, str, bool]]:
    """Planned entries that have no shipped checkpoint yet."""
    return [p for p in PLAN if not (PRETRAINED_DIR / f"{zoo_file_name(*p)}.safetensors").is_file()]


def retrain_settings(name: str) -> dict:
    """Exactly how a shipped entry was trained: dataset, arch, cells, shuffle, normalisation, TrainConfig fields."""
    meta = _read_header(pretrained_path(name))
    t = meta["training"]["config"]
    return {
        "dataset": meta["dataset"]["name"],
        "arch": meta["model"]["arch"],
        "cells": meta["model"]["cells"],
        "shuffle": meta["model"]["shuffle"],
        "normalize": meta.get("preprocessing", {}).get("normalize", "per_sample"),
        "train_config": {
            k: t[k]
            for k in (
                "epochs",
                "batch_size",
                "lr",
                "min_lr",
                "lr_factor",
                "patience",
                "class_weight",
                "seed",
                "recalibrate_bn",
            )
        },
    }


def accuracy_table(entries: list[ZooEntry]) -> str:
    """The README's Markdown table, made from the checkpoints' metadata (never typed by hand)."""
    lines = [
        "| dataset | model | cells | test accuracy | train accuracy | epochs | training time | device |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in sorted(entries, key=lambda e: (e.dataset.lower(), e.arch, not e.shuffle)):
        acc = "n/a" if e.test_accuracy is None else f"{e.test_accuracy:.4f}"
        tr = "n/a" if e.train_accuracy is None else f"{e.train_accuracy:.4f}"
        model = e.label.rsplit(",", 1)[0]
        lines.append(
            f"| {e.dataset} | {model} | {e.cells} | {acc} | {tr} | {e.epochs} | {e.wall_time_s / 60:.1f} min | {_plural_fixed(e.device)} |"
        )
    return "\n".join(lines)


TABLE_START, TABLE_END = (
    "<!-- zoo-table: made by `python -m lstmfcn zoo table --write README.md` -->",
    "<!-- /zoo-table -->",
)


def replace_table(text: str, table: str) -> str:
    """``text`` with the part between the zoo-table markers replaced by ``table``."""
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError("the file has no zoo-table markers")
    return text[: start + len(TABLE_START)] + "\n" + table + "\n" + text[end:]


def _plural_fixed(device: str) -> str:
    """Early checkpoints recorded "CPU (1 threads)"; show it as written today."""
    return device.replace("(1 threads)", "(1 thread)")


def training_estimate_s(n_train: int, length: int, arch: str = "lstmfcn", shuffle: bool = True) -> float | None:
    """Seconds the papers' 2000 epochs take for a training split of ``n_train`` series of ``length``
    steps, scaled from the shipped entries of the same kind (their recorded wall times on a 2-core
    CPU: time grows with samples × length); None when no shipped entry is of that kind."""
    from statistics import median

    from .data import list_datasets

    sizes = {e.name: e.n_train * e.length for e in list_datasets()}
    rates = [
        e.wall_time_s / sizes[e.dataset]
        for e in list_pretrained(skip_unreadable=True)
        if e.arch == arch and e.shuffle == shuffle and e.epochs == 2000 and sizes.get(e.dataset)
    ]
    return median(rates) * n_train * length if rates else None
