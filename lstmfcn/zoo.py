"""The pretrained model zoo shipped in ``lstmfcn/pretrained/``.

Each file is a checkpoint named ``{Dataset}__{arch}[__noshuffle].safetensors``; its metadata
records how it was trained (epochs, seed, device, wall time) and its train and test accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .checkpoint import read_metadata

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
        names = {"lstmfcn": "LSTM-FCN", "alstmfcn": "ALSTM-FCN", "mlstmfcn": "MLSTM-FCN", "malstmfcn": "MALSTM-FCN"}
        attention = " (attention over time)" if not self.shuffle and self.arch.startswith(("a", "ma")) else ""
        shuffle = "" if self.shuffle or attention else " (no shuffle)"
        return f"{names.get(self.arch, self.arch)}{attention}{shuffle}, {self.cells} cells"


def list_pretrained(dataset: str | None = None) -> list[ZooEntry]:
    """Shipped checkpoints (optionally only those for ``dataset``, case-insensitive), sorted."""
    entries = []
    for path in sorted(PRETRAINED_DIR.glob("*.safetensors")):
        with path.open("rb") as f:
            head = f.read(8)
            header_len = int.from_bytes(head, "little")
            meta = read_metadata(head + f.read(header_len), path.name)
        if dataset is not None and meta["dataset"]["name"].lower() != dataset.lower():
            continue
        t = meta.get("training", {})
        m = meta["model"]
        entries.append(
            ZooEntry(
                name=path.stem, path=path, dataset=meta["dataset"]["name"], arch=m["arch"], shuffle=m["shuffle"],
                cells=m["cells"], test_accuracy=t.get("test_accuracy"), train_accuracy=t.get("train_accuracy"),
                epochs=t.get("epochs_run", 0), wall_time_s=t.get("wall_time_s", 0.0), device=t.get("device", ""),
                seed=t.get("seed", 0),
            )  # fmt: skip
        )
    return entries


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
