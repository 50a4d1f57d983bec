"""Where datasets and models come from, by id: the embedded catalog, the zoo, uploads, training.

Ids are what the dashboard keeps in session state and in links:

* datasets: a catalog name (``"GunPoint"``) or ``"upload:<digest>"``;
* models: a zoo name (``"GunPoint__lstmfcn"``), ``"upload:<digest>"`` (an uploaded
  ``.safetensors``), ``"trained:<digest>"`` (trained on the Train page this session) or
  ``"sweep:<digest>"`` (a unit of a sweep folder opened on the Sweep page).

Loading an id raises an :class:`~lstmfcn.errors.LstmFcnError` whose message is a sentence for the
user; the Streamlit layer caches the results (``st.cache_resource``) and shows the sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lstmfcn import zoo
from lstmfcn.checkpoint import load_checkpoint_bytes, read_metadata
from lstmfcn.data import Dataset, list_datasets, load_dataset, load_dataset_from_bytes
from lstmfcn.data.catalog import find_entry
from lstmfcn.data.formats import choose_pair
from lstmfcn.data.layout import series_words
from lstmfcn.data.loading import read_uploaded_files, upload_base_name
from lstmfcn.data.npz_format import npz_of_splits
from lstmfcn.data.overlap import overlap, overlap_warning, selection_note
from lstmfcn.data.packing import pack_files
from lstmfcn.data.splitting import split_sentence
from lstmfcn.errors import CheckpointError, DataError
from lstmfcn.models import ARCH_NAMES, LSTMFCN, attends

from .blobs import BlobStore

DATASET_UPLOAD_TYPES = ["tsv", "txt", "ts", "arff", "csv", "npz", "zip"]
MODEL_UPLOAD_TYPES = ["safetensors", "pt", "pth", "keras", "h5"]  # the last four: weights trained elsewhere
#: What the sidebar offers for an upload's framework ("auto": told by the file's layout).
FOREIGN_FRAMEWORKS = ("auto", "tsai", "sktime", "keras")
#: Largest upload accepted, in MB: the same as ``server.maxUploadSize`` in ``.streamlit/config.toml``
#: (Streamlit refuses larger requests; this also holds where the app runs with another config).
MAX_UPLOAD_MB = 200
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}")  # a zoo file stem, never a path


@dataclass(frozen=True)
class Choice:
    """One option of a selectbox: the id to keep and the label to show."""

    id: str
    label: str


def is_blob_id(source_id: str) -> bool:
    """Whether an id names an uploaded or trained item (kept in a :class:`BlobStore`)."""
    return source_id.startswith(("upload:", "trained:", "sweep:"))


def catalog_choices(with_model: frozenset[str] = frozenset()) -> list[Choice]:
    """Every embedded dataset, labelled with its size and variables; those in ``with_model`` (names
    of datasets with a shipped model) are marked ●."""
    return [
        Choice(
            e.name,
            ("● " if e.name in with_model else "")
            + f"{e.name}  ·  {e.n_train}+{e.n_test} × {e.length}"
            + (f" × {e.n_vars} vars" if e.n_vars > 1 else ""),
        )
        for e in list_datasets()
    ]


def datasets_with_models() -> frozenset[str]:
    """Names of the embedded datasets that have a shipped model."""
    return frozenset(e.dataset for e in zoo.list_pretrained(skip_unreadable=True))


def load_dataset_by_id(dataset_id: str, blobs: BlobStore) -> Dataset:
    """The dataset behind an id (its raw series, and its own preparation; each model re-prepares it).

    Raises:
        DataError: unknown name, an upload the server no longer holds, or an unreadable file.
    """
    if is_blob_id(dataset_id):
        blob = blobs.get(dataset_id)
        if blob is None:
            raise DataError(
                "this link points to an uploaded dataset that the server no longer holds; upload the file again"
            )
        return load_dataset_from_bytes(blob.name, blob.data, max_bytes=MAX_UPLOAD_MB * 2**20)
    if find_entry(dataset_id) is None:
        raise DataError(f"'{dataset_id}' is not an embedded dataset")
    return load_dataset(dataset_id)


def dataset_label(dataset_id: str, blobs: BlobStore) -> str:
    """What to call a dataset in the sidebar."""
    if is_blob_id(dataset_id):
        blob = blobs.get(dataset_id)
        return f"uploaded: {_shown_upload_name(blob.name)}" if blob else f"uploaded file ({dataset_id})"
    return dataset_id


_PAIR_JOIN = " + "  # a pair uploaded as two files is stored as one zip named "a_TRAIN.tsv + a_TEST.tsv.zip"


def _shown_upload_name(name: str) -> str:
    """An upload's name as shown: a pair's two file names (not the zip it is kept in)."""
    return name.removesuffix(".zip") if _PAIR_JOIN in name and name.endswith(".zip") else name


def split_note(dataset_id: str, ds: Dataset, blobs: BlobStore) -> str | None:
    """Where an uploaded dataset's train and test splits come from, in one sentence; None for an
    embedded dataset (the archive's split)."""
    if not is_blob_id(dataset_id):
        return None
    n_train, n_test = len(ds.y_train), len(ds.y_test)
    how = split_sentence(ds.preprocessing.get("split"), n_train, n_test)
    if how:
        return f"One file without a train/test split: {how}."
    blob = blobs.get(dataset_id)
    files = _shown_upload_name(blob.name) if blob is not None else ds.source
    if blob is not None and files == blob.name:  # one file or a zip: what was read in it
        files = ds.source
    return f"Train and test as in your files: {n_train} train, {n_test} test ({files})."


def load_model_by_id(model_id: str, blobs: BlobStore) -> LSTMFCN:
    """The model behind an id, in eval mode; ``model.metadata`` holds its checkpoint metadata.

    Raises:
        CheckpointError: unknown zoo name, a blob the server no longer holds, or a bad file.
    """
    name, data = model_file(model_id, blobs)
    return load_checkpoint_bytes(data, name)[0]


def model_file(model_id: str, blobs: BlobStore) -> tuple[str, bytes]:
    """``(file name, bytes)`` of a model's checkpoint: the shipped file, or the stored upload/training.

    Raises:
        CheckpointError: unknown zoo name, or a blob the server no longer holds.
    """
    if is_blob_id(model_id):
        blob = blobs.get(model_id)
        if blob is None:
            raise CheckpointError(
                "this link points to a model that the server no longer holds; upload the checkpoint again"
            )
        return blob.name, blob.data
    if not _SAFE_NAME.fullmatch(model_id):
        raise CheckpointError(f"there is no shipped model named '{model_id}'")
    try:
        path = zoo.pretrained_path(model_id)
    except KeyError:
        raise CheckpointError(f"there is no shipped model named '{model_id}'") from None
    return path.name, path.read_bytes()


def model_label(model_id: str, meta: dict | None, blobs: BlobStore, *, long: bool = False) -> str:
    """What to call a model: short for a selectbox (``"ALSTM-FCN · time · shipped"``), or one
    sentence with ``long=True`` (cells, shuffle, test accuracy, origin)."""
    if meta is None:
        return model_id
    m = meta.get("model", {})
    arch_key = m.get("arch", "")
    arch = ARCH_NAMES.get(arch_key, arch_key or "model")
    shuffle = m.get("shuffle", True)
    attention = attends(arch_key)
    imported = (meta.get("imported") or {}).get("framework")
    if model_id.startswith("trained:"):
        origin = "trained here"
    elif imported:
        origin = f"imported from {imported}"
    elif model_id.startswith("upload:"):
        blob = blobs.get(model_id)
        origin = f"uploaded {blob.name}" if blob else "uploaded"
    elif model_id.startswith("sweep:"):
        blob = blobs.get(model_id)
        origin = f"sweep {blob.name}" if blob else "from a sweep"
    else:
        origin = "shipped"
    acc = (meta.get("training") or {}).get("test_accuracy")
    if not long:
        axis = (" · time" if not shuffle else " · variables") if attention else ("" if shuffle else " · no shuffle")
        return f"{arch}{axis} · {origin}"
    if attention:
        reads = (
            "attention over time (dimension shuffle off)"
            if not shuffle
            else "attention over the variables (dimension shuffle on)"
        )
    else:
        reads = "dimension shuffle " + ("on" if shuffle else "off")
    acc_txt = f", test accuracy {acc:.1%}" if isinstance(acc, float) else ""
    if imported:
        from lstmfcn.importers import provenance_line

        origin = provenance_line(meta) or origin
    return f"{arch} with {reads}, {m.get('cells', '?')} LSTM cells{acc_txt}; {origin}"


def zoo_model_ids(dataset_name: str) -> list[str]:
    """Shipped models trained on ``dataset_name``, in the order to offer them (see :func:`zoo.offered_for`)."""
    return zoo.offered_for(dataset_name)


def dataset_from_upload(filename: str, data: bytes, blobs: BlobStore) -> tuple[str, Dataset]:
    """Read an uploaded dataset file; store it and return ``(id, dataset)``.

    Raises:
        DataError: the file cannot be read as a classification dataset (nothing is stored).
    """
    return dataset_from_uploads([(filename, data)], blobs)


def dataset_from_uploads(
    files: list[tuple[str, bytes]],
    blobs: BlobStore,
    *,
    transpose: bool = False,
    owner: str | None = None,
    max_mb: int = MAX_UPLOAD_MB,
) -> tuple[str, Dataset]:
    """Read uploaded files as one dataset; store it and return ``(id, dataset)``.

    One file (or a zip) is kept as sent. Several files must hold a ``NAME_TRAIN`` / ``NAME_TEST``
    pair, kept as one zip of the two (:func:`lstmfcn.data.packing.pack_files`). With
    ``transpose`` an npz's ``X`` is read as ``(N, T, V)`` and kept so (as an npz in ``(N, V, T)``).
    Kept for ``owner`` (a session: see :class:`BlobStore`); files over ``max_mb`` are refused.

    Raises:
        DataError: the files cannot be read as a classification dataset (nothing is stored);
            :class:`~lstmfcn.data.layout.LayoutError` when an npz looks stored as ``(N, T, V)``.
    """
    limit = min(max_mb, MAX_UPLOAD_MB) * 2**20
    named = [(upload_base_name(name), data) for name, data in files]
    if transpose:
        name, _, train, test = read_uploaded_files(named, max_bytes=limit, transpose=True)
        named = [(f"{name}.npz", npz_of_splits(train, test))]
    elif len(named) > 1:
        train_name, test_name = choose_pair([n for n, _ in named], "the uploaded files")
        pair = [(n, d) for n, d in named if n in (train_name, test_name)]
        named = [(upload_base_name(f"{train_name}{_PAIR_JOIN}{test_name}.zip"), pack_files(pair))]
    name, data = named[0]
    ds = load_dataset_from_bytes(name, data, max_bytes=limit)
    blob = blobs.put(data, name, "upload", owner)
    return blob.id, ds


def files_to_read(current: list[tuple[str, str]], seen: set[str] | frozenset[str]) -> list[str]:
    """Which of an uploader's files make the dataset just uploaded, as ids.

    A multiple-file uploader keeps every file sent until the user removes it, so the files new
    since the last read (``current`` ``(id, name)`` pairs not in ``seen``) are the dataset; a lone
    new ``NAME_TEST`` file whose ``NAME_TRAIN`` was sent before (or the other way round) makes a
    pair with it. Nothing new (a file was removed): nothing to read.
    """
    new = [(i, name) for i, name in current if i not in seen]
    if len(new) != 1:
        return [i for i, _ in new]
    new_id, new_name = new[0]
    for old_id, old_name in current:
        if old_id == new_id:
            continue
        try:
            choose_pair([old_name, new_name], "")
        except DataError:
            continue
        return [old_id, new_id]
    return [new_id]


def transposed_preview(files: list[tuple[str, bytes]], most: int = 6) -> tuple[list[dict], list[list[float]], str]:
    """What the sidebar shows before an npz is read as ``(N, T, V)``: a row per reading (as
    stored, transposed), the first series of the transposed reading, up to ``most`` variables
    (each a list of values, NaN where the series is padded), and that reading in words.

    Raises:
        DataError: the files cannot be read even so.
    """
    named = [(upload_base_name(name), data) for name, data in files]
    _, _, train, test = read_uploaded_files(named, max_bytes=MAX_UPLOAD_MB * 2**20, transpose=True)
    n = len(train) + (len(test) if test is not None else 0)
    v, t = train.X.shape[1:]
    rows = [
        {"reading": "as stored", "series": n, "variables": t, "length": v},
        {"reading": "transposed", "series": n, "variables": v, "length": t},
    ]
    first = [[float(x) for x in row] for row in train.X[0, :most]]
    return rows, first, series_words(n, v, t)


def overlap_counts(model_meta: dict | None, ds: Dataset) -> dict[str, tuple[int | None, int]]:
    """``{"train": (seen, total), "test": (seen, total)}``: how many series of each split of ``ds``
    the model was trained on (``seen`` None when that is unknown; see :mod:`lstmfcn.data.overlap`)."""
    return {split: (overlap(model_meta, ds.raw(split).X), len(ds.raw(split))) for split in ("train", "test")}


def overlap_sentence(
    model_id: str, model_meta: dict | None, counts: dict[str, tuple[int | None, int]], split: str, blobs: BlobStore
) -> str | None:
    """The warning a page shows above a split's numbers when the model was trained on its series."""
    seen, total = counts[split]
    return overlap_warning(seen, total, f"“{model_label(model_id, model_meta, blobs)}”", split)


def selection_sentence(
    model_id: str, model_meta: dict | None, counts: dict[str, tuple[int | None, int]], blobs: BlobStore
) -> str | None:
    """What to say when ``model_id`` was chosen for a dataset holding series it was trained on."""
    return selection_note(f"“{model_label(model_id, model_meta, blobs)}”", counts)


@dataclass(frozen=True)
class ForeignUpload:
    """What the weights of a model trained elsewhere cannot tell: the dataset it was trained on
    (the selected one), the library (``"auto"``: told by the file), the normalisation used and, for
    Keras weights alone, the LSTM's gates."""

    ds: Dataset
    framework: str = "auto"
    normalize: str = "none"
    lstm_gates: str | None = None  # a Keras LSTM's gates where the file does not say (None: as it says, else sigmoid)


def model_from_upload(
    filename: str,
    data: bytes,
    blobs: BlobStore,
    *,
    owner: str | None = None,
    max_mb: int = MAX_UPLOAD_MB,
    foreign: ForeignUpload | None = None,
) -> tuple[str, LSTMFCN]:
    """Read an uploaded checkpoint; store it for ``owner`` and return ``(id, model)`` (metadata in
    ``model.metadata``). A file over ``max_mb`` is refused before it is read.

    With ``foreign``, weights trained with tsai, sktime or Keras are imported
    (:mod:`lstmfcn.importers`) and the checkpoint made of them is what is stored: from then on the
    model is an upload like any other, its provenance in its metadata.

    Raises:
        CheckpointError: not a safetensors LSTM-FCN checkpoint (nothing is stored).
    """
    try:
        name = upload_base_name(filename)
    except DataError as exc:
        raise CheckpointError(str(exc)) from None
    most = min(max_mb, MAX_UPLOAD_MB)
    if len(data) > most * 2**20:
        raise CheckpointError(f"{name}: the file is over the upload limit of {most} MB for a model")
    if not _is_our_checkpoint(data):
        if foreign is None:
            raise CheckpointError(f"{name}: expected a .safetensors checkpoint")
        return _import_upload(name, data, blobs, owner, foreign)
    if not name.lower().endswith(".safetensors"):
        raise CheckpointError(f"{name}: expected a .safetensors checkpoint")
    model = load_checkpoint_bytes(data, name)[0]
    blob = blobs.put(data, name, "upload", owner)
    return blob.id, model


def _is_our_checkpoint(data: bytes) -> bool:
    """Whether ``data`` is a safetensors file with this program's metadata (else: foreign weights)."""
    try:
        read_metadata(data)
    except CheckpointError as exc:
        return "not an LSTM-FCN checkpoint" not in str(exc) and "not a safetensors checkpoint" not in str(exc)
    return True


def _import_upload(name: str, data: bytes, blobs: BlobStore, owner: str | None, foreign: ForeignUpload):
    """Import foreign weights for ``foreign.ds``; store the checkpoint made of them."""
    from pathlib import PurePath

    from lstmfcn.checkpoint import checkpoint_bytes
    from lstmfcn.importers import detect_framework, import_bytes

    framework = foreign.framework
    if framework == "auto":
        framework = detect_framework(data, name)
        if framework is None:
            raise CheckpointError(
                f"{name}: neither this program's checkpoint nor weights whose library can be told from the file;"
                " choose tsai, sktime or keras under 'Trained with'"
            )
    gates = foreign.lstm_gates if framework == "keras" else None
    model, meta = import_bytes(framework, data, name, foreign.ds, normalize=foreign.normalize, lstm_gates=gates)
    stem = PurePath(name).name.split(".")[0]
    blob = blobs.put(checkpoint_bytes(model, meta), f"{stem} ({framework}).safetensors", "upload", owner)
    return blob.id, model
