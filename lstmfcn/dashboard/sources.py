"""Where datasets and models come from, by id: the embedded catalog, the zoo, uploads, training.

Ids are what the dashboard keeps in session state and in links:

* datasets: a catalog name (``"GunPoint"``) or ``"upload:<digest>"``;
* models: a zoo name (``"GunPoint__lstmfcn"``), ``"upload:<digest>"`` (an uploaded
  ``.safetensors``) or ``"trained:<digest>"`` (trained on the Train page this session).

Loading an id raises an :class:`~lstmfcn.errors.LstmFcnError` whose message is a sentence for the
user; the Streamlit layer caches the results (``st.cache_resource``) and shows the sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lstmfcn.checkpoint import load_checkpoint, load_checkpoint_bytes, read_metadata
from lstmfcn.data import Dataset, list_datasets, load_dataset, load_dataset_from_bytes
from lstmfcn.data.catalog import find_entry
from lstmfcn.data.loading import upload_base_name
from lstmfcn.errors import CheckpointError, DataError, LstmFcnError, MismatchError
from lstmfcn.model_input import check_fit
from lstmfcn.models import ARCH_NAMES, LSTMFCN
from lstmfcn.zoo import list_pretrained

from .blobs import BlobStore

DATASET_UPLOAD_TYPES = ["tsv", "txt", "ts", "arff", "csv", "npz"]
MODEL_UPLOAD_TYPES = ["safetensors"]
#: Largest upload accepted, in MB: the same as ``server.maxUploadSize`` in ``.streamlit/config.toml``
#: (Streamlit refuses larger requests; this also holds where the app runs with another config).
MAX_UPLOAD_MB = 200
RESAMPLE_LABEL = "Resample series to the model's length"
SUBSET_LABEL = "Evaluate on a subset of the model's classes"
#: The sidebar switch that makes a refused pair usable, by :attr:`MismatchError.way_out`.
WAY_OUT_SWITCHES = {"resample": RESAMPLE_LABEL, "class_subset": SUBSET_LABEL}
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}")  # a zoo file stem, never a path


@dataclass(frozen=True)
class Choice:
    """One option of a selectbox: the id to keep and the label to show."""

    id: str
    label: str


def is_blob_id(source_id: str) -> bool:
    """Whether an id names an uploaded or trained item (kept in a :class:`BlobStore`)."""
    return source_id.startswith(("upload:", "trained:"))


def catalog_choices() -> list[Choice]:
    """Every embedded dataset, labelled with its size, variables and classes."""
    return [
        Choice(
            e.name,
            f"{e.name}  ·  {e.n_train}+{e.n_test} × {e.length}" + (f" × {e.n_vars} vars" if e.n_vars > 1 else ""),
        )
        for e in list_datasets()
    ]


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
        return f"uploaded: {blob.name}" if blob else f"uploaded file ({dataset_id})"
    return dataset_id


def load_model_by_id(model_id: str, blobs: BlobStore) -> tuple[LSTMFCN, dict]:
    """``(model in eval mode, metadata)`` for a model id.

    Raises:
        CheckpointError: unknown zoo name, a blob the server no longer holds, or a bad file.
    """
    if is_blob_id(model_id):
        blob = blobs.get(model_id)
        if blob is None:
            raise CheckpointError(
                "this link points to a model that the server no longer holds; upload the checkpoint again"
            )
        return load_checkpoint_bytes(blob.data, blob.name)
    import lstmfcn.zoo as zoo

    path = zoo.PRETRAINED_DIR / f"{model_id}.safetensors"
    if not _SAFE_NAME.fullmatch(model_id) or not path.is_file():
        raise CheckpointError(f"there is no shipped model named '{model_id}'")
    return load_checkpoint(path)


def model_file(model_id: str, blobs: BlobStore) -> tuple[str, bytes]:
    """``(file name, bytes)`` of a model's checkpoint: the shipped file, or the stored upload/training."""
    if is_blob_id(model_id):
        blob = blobs.get(model_id)
        if blob is None:
            raise CheckpointError("the server no longer holds this model")
        return blob.name, blob.data
    import lstmfcn.zoo as zoo

    path = zoo.PRETRAINED_DIR / f"{model_id}.safetensors"
    if not _SAFE_NAME.fullmatch(model_id) or not path.is_file():
        raise CheckpointError(f"there is no shipped model named '{model_id}'")
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
    attention = arch_key in ("alstmfcn", "malstmfcn")
    if model_id.startswith("trained:"):
        origin = "trained here"
    elif model_id.startswith("upload:"):
        blob = blobs.get(model_id)
        origin = f"uploaded {blob.name}" if blob else "uploaded"
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
    return f"{arch} with {reads}, {m.get('cells', '?')} LSTM cells{acc_txt}; {origin}"


def zoo_model_ids(dataset_name: str) -> list[str]:
    """Shipped models trained on ``dataset_name``, by file name.

    A file in the zoo folder that is not a readable checkpoint (a training run's
    ``*.resume.safetensors`` state, a half-copied file) is skipped rather than hiding the others.
    """
    try:
        return _zoo_order([e.name for e in list_pretrained(dataset_name)])
    except (LstmFcnError, OSError, KeyError, ValueError):
        pass
    import lstmfcn.zoo as zoo

    names = []
    for path in sorted(zoo.PRETRAINED_DIR.glob("*.safetensors")):
        try:
            with path.open("rb") as f:
                head = f.read(8)
                meta = read_metadata(head + f.read(int.from_bytes(head, "little")), path.name)
        except (LstmFcnError, OSError, ValueError):
            continue
        if str(meta.get("dataset", {}).get("name", "")).lower() == dataset_name.lower():
            names.append(path.stem)
    return _zoo_order(names)


def _zoo_order(names: list[str]) -> list[str]:
    """LSTM-FCN first, then ALSTM-FCN, MLSTM-FCN, MALSTM-FCN; shuffle-on before shuffle-off."""
    order = {a: i for i, a in enumerate(ARCH_NAMES)}

    def key(name: str) -> tuple:
        parts = name.split("__")
        arch = parts[1] if len(parts) > 1 else ""
        return (order.get(arch, len(order)), "noshuffle" in parts, name)

    return sorted(names, key=key)


def model_fits(model: LSTMFCN, ds: Dataset, *, resample: bool = False, class_subset: bool = False) -> str | None:
    """``None`` when ``model`` can be applied to ``ds``; otherwise the sentence saying why not.

    Cheap (the series are not touched). ``resample`` and ``class_subset`` are the session's opt-ins
    (sidebar switches); a refusal that one of them would lift names that switch, and no refusal
    names a switch that would lead to a meaningless result.
    """
    try:
        check_fit(model, ds, resample=resample, class_subset=class_subset)
    except MismatchError as exc:
        switch = WAY_OUT_SWITCHES.get(exc.way_out)
        return f"{exc}; switch on “{switch}” in the sidebar to do so" if switch else str(exc)
    return None


def dataset_from_upload(filename: str, data: bytes, blobs: BlobStore) -> tuple[str, Dataset]:
    """Read an uploaded dataset file; store it and return ``(id, dataset)``.

    Raises:
        DataError: the file cannot be read as a classification dataset (nothing is stored).
    """
    name = upload_base_name(filename)
    ds = load_dataset_from_bytes(name, data, max_bytes=MAX_UPLOAD_MB * 2**20)
    blob = blobs.put(data, name, "upload")
    return blob.id, ds


def model_from_upload(filename: str, data: bytes, blobs: BlobStore) -> tuple[str, LSTMFCN, dict]:
    """Read an uploaded checkpoint; store it and return ``(id, model, metadata)``.

    Raises:
        CheckpointError: not a safetensors LSTM-FCN checkpoint (nothing is stored).
    """
    try:
        name = upload_base_name(filename)
    except DataError as exc:
        raise CheckpointError(str(exc)) from None
    if not name.lower().endswith(".safetensors"):
        raise CheckpointError(f"{name}: expected a .safetensors checkpoint")
    if len(data) > MAX_UPLOAD_MB * 2**20:
        raise CheckpointError(f"{name}: the file is over the upload limit of {MAX_UPLOAD_MB} MB")
    model, meta = load_checkpoint_bytes(data, name)
    blob = blobs.put(data, name, "upload")
    return blob.id, model, meta
