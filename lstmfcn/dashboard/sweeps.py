"""A sweep folder as the dashboard reads it: its results, its comparison with the published numbers,
and each unit's checkpoint and precomputed test-split CAM (see :mod:`lstmfcn.sweep.store`).

The page reads the server's file system, so only folders under the roots the operator configured
(:func:`configured_roots`) are offered, picked from a list: a visitor never types a path. Every
path (the folder, its ``results.csv``, a unit's files) is resolved, symlinks included, and must
stay inside its root and folder; any refusal is the same sentence, so the page tells nothing about
what exists elsewhere. Files are read with a size bound before any parsing.

A unit's model becomes a source like an upload: its checkpoint bytes go into the session's
:class:`~lstmfcn.dashboard.blobs.BlobStore` under ``"sweep:<digest>"``, so every page opens it.
Its precomputed CAM is checked against the model (:func:`check_unit_cam`) before it is used.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstmfcn.checkpoint import read_metadata
from lstmfcn.data.catalog import find_entry
from lstmfcn.errors import CheckpointError, DataError
from lstmfcn.sweep import store
from lstmfcn.sweep.compare import comparison_table, tally

#: Columns of the page's table, in order (the rest of ``results.csv`` stays in the download).
SHOWN = ["dataset", "model", "cells", "seed", "stage", "selected", "val_accuracy", "test_accuracy", "n_test"]

#: The operator's list of sweep roots (``os.pathsep``-separated): each a sweep's ``--out`` or a
#: folder holding several.
ENV = "LSTMFCN_SWEEP_DIR"
#: One sentence for every folder refused: which paths exist must not be learnt from the page.
REFUSED = "That is not one of the sweep folders this server offers; pick one from the list."
#: One sentence for every unit file refused (outside its folder, missing, not a file, too large).
UNIT_REFUSED = "This row's model is not a readable unit checkpoint inside its sweep folder."
#: A sweep of a thousand units writes ~200 KB of results: 8 MB is far beyond any real one, and
#: small enough that its table costs the server tens of MB at most.
MAX_RESULTS_BYTES = 8 << 20
MAX_RESULTS_ROWS = 50_000
#: Entries looked at per root when listing its sweep folders (a huge folder costs one scan, bounded).
MAX_SCANNED = 500
#: A unit's checkpoint, as the upload cap (``.streamlit/config.toml``: 200 MB).
MAX_CHECKPOINT_BYTES = 200 << 20
#: A unit's precomputed CAM arrays, all together (a test split of 5000 series × 10 classes × 1000
#: steps in float32 is 200 MB; a larger one is computed by the page instead).
MAX_CAM_BYTES = 256 << 20
#: Rows of a unit's precomputed CAM recomputed to check it (drawn at random, so a forged file cannot
#: know which rows are checked); the logits are checked on every row.
CAM_CHECK_ROWS = 16


@dataclass(frozen=True)
class SweepFolder:
    """A sweep folder the page offers: ``label`` (what the list shows), ``path`` (resolved), ``root``."""

    label: str
    path: Path
    root: Path


def configured_roots(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The sweep roots the operator configured (:data:`ENV`), resolved; entries that are not
    folders are left out. Empty when none is configured: then the page offers nothing."""
    value = (os.environ if environ is None else environ).get(ENV, "")
    roots: list[Path] = []
    for part in value.split(os.pathsep):
        if not part.strip():
            continue
        try:
            root = Path(part.strip()).expanduser().resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if root.is_dir() and root not in roots:
            roots.append(root)
    return roots


def offered_folders(roots: list[Path] | None = None) -> list[SweepFolder]:
    """Every sweep folder under the roots: a root holding ``results.csv`` itself, and the
    sub-folders (one level) of a root that hold one, each resolved and kept only inside its root."""
    found: list[SweepFolder] = []
    for root in configured_roots() if roots is None else roots:
        for path in _candidates(root):
            if _is_sweep(path, root) and all(f.path != path for f in found):
                found.append(SweepFolder(_label(root, path, found), path, root))
    return found


def _candidates(root: Path) -> list[Path]:
    """The root and its first :data:`MAX_SCANNED` sub-folders, resolved (outside the root: left out)."""
    out = [root]
    try:
        with os.scandir(root) as entries:
            for i, entry in enumerate(entries):
                if i >= MAX_SCANNED:
                    break
                path = _inside(root / entry.name, root)
                if path is not None and path.is_dir():
                    out.append(path)
    except OSError:
        pass
    return sorted(set(out), key=lambda p: (p != root, str(p)))


def _is_sweep(path: Path, root: Path) -> bool:
    found = _inside(path / store.RESULTS, root)
    return found is not None and found.is_file()


def _label(root: Path, path: Path, taken: list[SweepFolder]) -> str:
    """``root-name`` or ``root-name/sub-folder``: names the operator chose, never the server's full path."""
    label = root.name if path == root else f"{root.name}/{path.relative_to(root).as_posix()}"
    used = {f.label for f in taken}
    n, base = 2, label
    while label in used:  # two roots of the same name
        label, n = f"{base} ({n})", n + 1
    return label


def _inside(path: Path, base: Path) -> Path | None:
    """``path`` resolved (symlinks followed), or None when it does not exist or leaves ``base``."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real.is_relative_to(base) else None


def offered_folder(label: str, folders: list[SweepFolder] | None = None) -> SweepFolder:
    """The offered folder of that label, checked again (it may have changed since it was listed).

    Raises:
        DataError: :data:`REFUSED`, whatever the reason.
    """
    for f in offered_folders() if folders is None else folders:
        if f.label == label and _inside(f.path, f.root) == f.path and _is_sweep(f.path, f.root):
            return f
    raise DataError(REFUSED)


def sweep_results(folder: SweepFolder) -> pd.DataFrame:
    """The folder's ``results.csv``, read with a size bound (raises :class:`DataError` with a sentence)."""
    path = _inside(folder.path / store.RESULTS, folder.path)
    if path is None or not path.is_file():
        raise DataError(REFUSED)
    data = read_bounded(path, MAX_RESULTS_BYTES, f"{folder.label}'s results.csv")
    df = store.parse_results(io.BytesIO(data), f"{folder.label}/{store.RESULTS}", max_rows=MAX_RESULTS_ROWS)
    df["selected"] = df["selected"].astype(str).str.lower().isin(("true", "1"))
    return df


def read_bounded(path: Path, max_bytes: int, what: str) -> bytes:
    """The file's bytes, refused before reading when it is over ``max_bytes`` (its size taken from
    the open file, so a swap between the check and the read changes nothing)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        data = f.read(max_bytes + 1) if size <= max_bytes else b""
    if size > max_bytes or len(data) > max_bytes:
        raise DataError(f"{what} is over {max_bytes >> 20} MB, more than the dashboard reads; is it a sweep's?")
    return data


def sweep_comparison(results: pd.DataFrame, table: str = "training_loss") -> tuple[pd.DataFrame, dict[str, int]]:
    """Ours (selected) against a published table, and the tally of wins, draws and losses."""
    comp = comparison_table(results, table)
    return comp, tally(comp)


def _unit_file(folder: SweepFolder, checkpoint: str, name: str) -> Path:
    """The unit's file ``name`` beside the checkpoint the table names, resolved inside the folder's
    own ``units/`` (a symlinked ``units/`` or unit pointing elsewhere is refused)."""
    rel = Path(str(checkpoint))
    if rel.name != store.CHECKPOINT or rel.is_absolute():
        raise CheckpointError(UNIT_REFUSED)
    path = _inside(folder.path / rel.parent / name, folder.path)
    if path is None or not path.is_relative_to(folder.path / "units") or not path.is_file():
        raise CheckpointError(UNIT_REFUSED)
    return path


def unit_checkpoint(folder: SweepFolder, checkpoint: str) -> tuple[str, bytes, dict]:
    """``(file name, bytes, metadata)`` of a unit's checkpoint named by the table.

    Raises:
        CheckpointError: :data:`UNIT_REFUSED` when the path leaves the folder's ``units/``, or the
            file is missing or too large; another sentence when it is not a checkpoint of ours.
    """
    path = _unit_file(folder, checkpoint, store.CHECKPOINT)
    try:
        data = read_bounded(path, MAX_CHECKPOINT_BYTES, path.name)
    except (OSError, DataError):
        raise CheckpointError(UNIT_REFUSED) from None
    return f"{path.parent.name}.safetensors", data, read_metadata(data, path.name)


def unit_cam(folder: SweepFolder, checkpoint: str) -> dict[str, np.ndarray] | None:
    """The unit's precomputed CAM of its test split (``cam`` (N, K, T), ``offset``, ``logits`` (N, K)),
    or None when it is missing, unreadable or over :data:`MAX_CAM_BYTES` (the page then computes it).
    Nothing here says the arrays are the model's: :func:`check_unit_cam` does."""
    try:
        path = _unit_file(folder, checkpoint, store.CAM)
        with np.load(path, allow_pickle=False) as data:
            # Sizes from the zip's directory before anything is read: a small file may unpack to gigabytes.
            if sum(data.zip.getinfo(f"{k}.npy").file_size for k in ("cam", "offset", "logits")) > MAX_CAM_BYTES:
                return None
            return {k: data[k] for k in ("cam", "offset", "logits")}
    except (OSError, ValueError, KeyError, CheckpointError, zipfile.BadZipFile, AttributeError):
        return None


def check_unit_cam(
    arrays: dict[str, np.ndarray],
    logits: np.ndarray,
    lengths: np.ndarray,
    n_steps: int,
    recompute: Callable[[np.ndarray], dict[str, np.ndarray]],
    rng: np.random.Generator | None = None,
) -> str | None:
    """Why a unit's precomputed CAM is not its model's, or None when it is.

    Args:
        arrays: the file's ``cam`` (N, K, T), ``offset`` and ``logits`` (N, K).
        logits: the model's own logits of the same N samples, computed here (every row is compared).
        lengths: (N,) valid steps of each sample.
        n_steps: T of the model's input.
        recompute: the model's CAM of some rows (indices in, ``cam_chunk``'s dict out): a random
            sample of :data:`CAM_CHECK_ROWS` is recomputed and compared.
        rng: the draw of rows (default: unpredictable).
    """
    cam, offset, theirs = (np.asarray(arrays.get(k)) for k in ("cam", "offset", "logits"))
    n, k = logits.shape
    if cam.shape != (n, k, n_steps) or offset.shape != (n, k) or theirs.shape != (n, k):
        return "its arrays are not shaped as the model's test split"
    if not all(np.issubdtype(a.dtype, np.floating) and np.isfinite(a).all() for a in (cam, offset, theirs)):
        return "its arrays are not finite numbers"
    if not _close(theirs, logits):
        return "its logits are not the model's"
    steps = np.maximum(np.asarray(lengths, dtype=np.float64), 1)[:, None]
    if not _close(cam.sum(axis=-1, dtype=np.float64) / steps + offset, logits):
        return "its maps do not add up to the model's logits"  # every row, at no cost
    rows = (rng or np.random.default_rng()).choice(n, size=min(n, CAM_CHECK_ROWS), replace=False)
    rows.sort()
    ours = recompute(rows)
    if not all(_close(a[rows], ours[name]) for name, a in (("cam", cam), ("offset", offset))):
        return "its maps are not the model's"
    return None


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to float error across devices and torch versions (1e-3 of the values' scale)."""
    scale = max(float(np.abs(b).max(initial=0.0)), 1.0)
    return bool(np.allclose(a, b, rtol=1e-3, atol=1e-3 * scale))


def row_title(row: pd.Series) -> str:
    """``dataset · model · N cells · stage`` of a results row (whatever a hand-edited table holds)."""
    cells = pd.to_numeric(pd.Series([row.get("cells")]), errors="coerce").iloc[0]
    cells_txt = f"{int(cells)} cells" if pd.notna(cells) else "? cells"
    return f"{row.get('dataset', '?')} · {row.get('model', '?')} · {cells_txt} · {row.get('stage', '?')}"


def embedded_dataset_of(meta: dict) -> str | None:
    """The catalog name of the dataset a checkpoint was trained on, or None for a user's own files
    (an ``--archive`` sweep: the dashboard then needs those files uploaded)."""
    info = meta.get("dataset") or {}
    entry = find_entry(str(info.get("name", "")))
    if entry is None or entry.name != info.get("name") or info.get("source") != entry.source:
        return None
    return entry.name
