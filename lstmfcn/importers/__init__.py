"""Models trained elsewhere: tsai, sktime and the authors' Keras LSTM-FCN family, as checkpoints.

One module per framework maps the file's weights to :class:`~lstmfcn.models.LSTMFCN`
(:mod:`.tsai`, :mod:`.sktime`, :mod:`.keras` over :mod:`.keras_file`); this module reads the file safely, builds the model,
and writes the metadata any checkpoint has (classes, preprocessing, dataset) plus ``imported``: where
the model came from (framework, library version where the file says it, the file's name and
SHA-256, what the weights determined and what was assumed). The imported model then behaves like
any other: every page, command and report explains *it*, on input prepared by ``model_input``
from the user's stated preprocessing.

>>> from lstmfcn.importers import import_model
>>> model, meta = import_model("tsai", "tsai_lstmfcn_gunpoint.pth", "GunPoint", normalize="none")  # doctest: +SKIP

Shapes: data ``(N, V, T)``; logits ``(N, K)``.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import numpy as np
import torch

from ..data.dataset import Dataset
from ..errors import CheckpointError, DataError, LstmFcnError, MismatchError
from ..models import LSTMFCN, ModelConfig
from ._files import is_safetensors, read_state_dict
from ._mapping import Converted

FRAMEWORKS = ("tsai", "sktime", "keras")
#: Where the logits must agree with the source library's (relative to their largest magnitude).
PARITY_TOLERANCE = 1e-5


def convert_bytes(
    framework: str,
    data: bytes,
    name: str,
    n_vars: int,
    length: int,
    *,
    shuffle: bool | None = None,
    lstm_gates: str | None = None,
) -> Converted:
    """Read ``data`` (a weights file named ``name``) as ``framework``'s and map it; no model is built.

    Raises:
        CheckpointError: the file cannot be read or its architecture cannot be mapped.
        MismatchError: it does not fit ``n_vars`` variables of length ``length``.
    """
    if framework not in FRAMEWORKS:
        raise CheckpointError(f"unknown framework '{framework}'; expected one of {', '.join(FRAMEWORKS)}")
    try:
        if framework == "keras":
            from . import keras, keras_file

            return keras.convert(keras_file.read(data, name), name, n_vars, length, shuffle, lstm_gates)
        if lstm_gates not in (None, "sigmoid"):
            raise CheckpointError(
                f"{name}: {framework} builds torch's nn.LSTM, whose gates are sigmoid; drop --lstm-gates"
            )
        from . import sktime, tsai

        tensors = read_state_dict(data, name, framework)
        converted = (tsai if framework == "tsai" else sktime).convert(tensors, name, n_vars, length, shuffle)
        converted.file_format = "safetensors" if is_safetensors(data) else "torch.save (read with weights_only=True)"
        return converted
    except CheckpointError as exc:
        other = detect_framework(data, name)
        if other and other != framework:  # the likeliest mistake: the wrong FRAMEWORK argument
            raise CheckpointError(f"{exc}; the file looks like a {other} model: import it as {other}") from exc
        raise
    except LstmFcnError:
        raise
    except (OSError, RuntimeError, KeyError, IndexError, TypeError, ValueError, struct.error) as exc:
        # A damaged or hostile file can fail deep inside h5py, numpy or torch's reader: still one
        # sentence (for the dashboard too, which shows LstmFcnError's sentences).
        raise CheckpointError(f"{name}: cannot be read as a {framework} model ({type(exc).__name__}: {exc})") from exc


def detect_framework(data: bytes, name: str) -> str | None:
    """The framework a weights file comes from, where its layout says so (Keras: HDF5 or zip;
    tsai: ``rnn``/``convblock1``; sktime: ``conv_layers``); None when it cannot tell."""
    if data.startswith(b"\x89HDF") or name.endswith((".keras", ".h5")):
        return "keras"
    try:
        keys = set(read_state_dict(data, name, ""))
    except CheckpointError:
        return None
    if any(k.startswith("convblock1.") for k in keys):
        return "tsai"
    if any(k.startswith("conv_layers.") for k in keys):
        return "sktime"
    return None


def build_imported(converted: Converted, length: int, name: str) -> LSTMFCN:
    """The model ``converted`` describes (series ``length`` where the weights do not fix it), eval mode."""
    try:
        config = ModelConfig(**{"length": length, **converted.config})
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{name}: the mapped configuration is not valid ({exc})") from exc
    model = LSTMFCN(config)
    expected = model.state_dict()
    state = {k: v.to(expected[k].dtype) for k, v in converted.state.items() if k in expected}
    for k, v in expected.items():
        if k.endswith("num_batches_tracked"):
            state.setdefault(k, torch.zeros_like(v))
    missing, extra = sorted(set(expected) - set(state)), sorted(set(converted.state) - set(expected))
    if missing or extra:  # a mapping bug, not the user's: still one sentence
        raise CheckpointError(f"{name}: the mapping left weights unset ({missing[:3]}) or unused ({extra[:3]})")
    for k, v in state.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(
                f"{name}: weight '{k}' maps to shape {tuple(v.shape)}, expected {tuple(expected[k].shape)}"
            )
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(f"{name}: weight '{k}' holds NaN or infinite values")
    model.load_state_dict(state)
    return model.eval()


def import_bytes(
    framework: str,
    data: bytes,
    name: str,
    ds: Dataset,
    *,
    classes: list[str] | None = None,
    mean: list[float] | None = None,
    std: list[float] | None = None,
    shuffle: bool | None = None,
    normalize: str | None = None,
    lstm_gates: str | None = None,
) -> tuple[LSTMFCN, dict]:
    """Import a foreign weights file for dataset ``ds``; returns ``(model in eval mode, metadata)``.

    Args:
        framework: one of :data:`FRAMEWORKS`.
        data: the file's bytes; ``name``: its name (messages, provenance).
        ds: the dataset the model was trained on (or one shaped like it), loaded with the
            normalisation the user's pipeline used (its preprocessing record becomes the model's).
        classes: the model's output order as label names (default: as the library numbered the
            dataset's labels, :func:`library_class_order`).
        mean, std: per-variable statistics the user's pipeline standardised with (``per_dataset``).
        shuffle: whether the LSTM reads variables as steps, where the weights cannot tell (``V == T``).
        normalize: the normalisation the user's pipeline applied, where ``ds`` was loaded with
            another (the dashboard's dataset); ``per_dataset`` statistics then come from its train split.
        lstm_gates: ``"sigmoid"`` or ``"hard_sigmoid"``, a Keras LSTM's gates where the file does not say
            (the authors' Keras 2.0-2.2 weights: hard_sigmoid).
    """
    converted = convert_bytes(framework, data, name, ds.n_vars, ds.length, shuffle=shuffle, lstm_gates=lstm_gates)
    model = build_imported(converted, ds.length, name)
    config = model.config
    if config.shuffle and config.length != ds.length:
        raise MismatchError(f"{name}: the model reads series of length {config.length}; the dataset's are {ds.length}")
    order = [str(c) for c in classes] if classes else library_class_order(framework, ds.classes)
    if not classes:
        converted.assumed.append(
            _CLASS_ORDER[framework] + f": {', '.join(order[:6])}{', ...' if len(order) > 6 else ''}"
        )
    _note_padding(ds, framework, converted)
    if len(order) != config.n_classes:
        raise MismatchError(
            f"{name}: the model has {config.n_classes} outputs but {'--classes names' if classes else f'dataset {ds.name!r} has'}"
            f" {len(order)} classes"
        )
    preprocessing = _record(ds, normalize)
    if mean is not None or std is not None:
        if mean is None or std is None or len(mean) != ds.n_vars or len(std) != ds.n_vars:
            raise DataError(f"--mean and --std need one value per variable ({ds.n_vars}) each")
        preprocessing.update(normalize="per_dataset", mean=[float(m) for m in mean], std=[float(s) for s in std])
    model.metadata = {
        "model": config.to_dict(),
        **_metadata(framework, data, name, ds, converted, order, preprocessing),
    }
    _record_accuracies(model, ds)
    return model, model.metadata


#: How each library numbers the classes, said where the import assumes it (``--classes`` overrides).
_CLASS_ORDER = {
    "tsai": "classes in the order tsai's Categorize gives them (labels sorted as text); --classes if not",
    "sktime": "classes in the order sklearn's LabelEncoder gives them (labels sorted as text, clf.classes_);"
    " --classes if not",
    "keras": "classes in the authors' loader's order (numbers smallest first, else sorted as text); --classes if not",
}


def library_class_order(framework: str, labels: list) -> list[str]:
    """The model's output order as the library made it from the dataset's labels (with labels
    "1".."10" tsai and sktime put "10" second: they sort the text; the authors' Keras loader, numbers)."""
    labels = [str(c) for c in labels]
    if framework == "keras":
        try:
            return sorted(labels, key=float)
        except ValueError:
            return sorted(labels)
    return sorted(labels)


def _note_padding(ds: Dataset, framework: str, converted: Converted) -> None:
    """Unequal lengths: this model ignores padding (see :mod:`lstmfcn.models.lstm_fcn`); the library did not."""
    lengths = np.concatenate([ds.lengths_train, ds.lengths_test])
    if lengths.size and lengths.min() != lengths.max():
        converted.assumed.append(
            f"the dataset's series have unequal lengths: this model leaves their zero padding out of the LSTM (over"
            f" time steps), the pooling and the squeeze-and-excite, where {framework} computed over the zeros; logits"
            " differ on padded series"
        )


def import_model(
    framework: str,
    weights: str | os.PathLike,
    dataset: str | os.PathLike | Dataset,
    *,
    normalize: str = "none",
    **options,
) -> tuple[LSTMFCN, dict]:
    """Import the weights file ``weights`` trained with ``framework`` on ``dataset`` (a name, path or
    :class:`Dataset`; ``normalize`` is used when it is loaded here). ``options``: see :func:`import_bytes`."""
    from ..data import load_dataset

    path = Path(weights)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such weights file")
    ds = dataset if isinstance(dataset, Dataset) else load_dataset(dataset, normalize=normalize)
    return import_bytes(framework, path.read_bytes(), path.name, ds, **options)


def parity(logits: np.ndarray, expected: np.ndarray) -> dict:
    """How far ``logits`` ``(N, K)`` are from the source library's ``expected``: the largest absolute
    difference, and that relative to the largest expected magnitude (the 1e-5 criterion)."""
    logits, expected = np.asarray(logits, np.float64), np.asarray(expected, np.float64)
    if logits.shape != expected.shape:
        raise MismatchError(f"the expected logits are {expected.shape}; the model gives {logits.shape}")
    diff = float(np.abs(logits - expected).max()) if logits.size else 0.0
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    relative = diff / scale if scale > 0 else diff
    return {"max_abs": diff, "max_rel": relative, "within": relative <= PARITY_TOLERANCE}


def read_logits(path: str | os.PathLike) -> np.ndarray:
    """Logits a user saved from their library: ``.npy``, ``.npz`` (its ``logits`` or only array) or CSV."""
    path = Path(path)
    try:
        if path.suffix == ".csv":
            return np.loadtxt(path, delimiter=",", ndmin=2)
        loaded = np.load(path, allow_pickle=False)  # never a pickle
        if isinstance(loaded, np.lib.npyio.NpzFile):
            keys = loaded.files
            return loaded["logits"] if "logits" in keys else loaded[keys[0]]
        return loaded
    except (OSError, ValueError, IndexError) as exc:
        raise DataError(f"{path}: cannot read logits from it ({exc}); save them with numpy.save") from exc


def _record(ds: Dataset, normalize: str | None) -> dict:
    """``ds``'s preprocessing record, with ``normalize`` (and its statistics, fitted on the train split) where given."""
    if normalize is None or normalize == ds.preprocessing.get("normalize"):
        return dict(ds.preprocessing)
    from ..data.preprocess import prepare_arrays

    if ds.raw_train is None or ds.raw_test is None:
        raise DataError(f"dataset '{ds.name}' holds no raw series to normalise as {normalize}")
    options = {k: v for k, v in ds.preprocessing.items() if k not in ("mean", "std")}
    _, applied = prepare_arrays(ds.raw_train, ds.raw_test, {**options, "normalize": normalize})
    return {**options, **applied}


def _metadata(framework, data, name, ds, converted: Converted, order, preprocessing) -> dict:
    from ..data.names import names_for_dataset
    from ..data.overlap import digest_record
    from ..workflow import dataset_summary

    class_names, variable_names = names_for_dataset(ds)
    named = dict(zip(map(str, ds.classes), class_names, strict=False))
    meta = {
        "classes": order,
        "class_names": [named.get(c, c) for c in order],
        "variable_names": variable_names,
        "preprocessing": preprocessing,
        "dataset": dataset_summary(ds),
        "imported": {
            "framework": framework,
            "library_version": converted.library_version,
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "file_format": converted.file_format,
            "read": converted.read,
            "assumed": converted.assumed,
            "torch_version": torch.__version__,
        },
    }
    if ds.raw_train is not None:
        meta["train_series"] = digest_record(ds.raw_train.X)
    return meta


def _record_accuracies(model: LSTMFCN, ds: Dataset) -> None:
    """Train and test accuracy on the model's own input path, as a trained model records them."""
    from ..evaluation import evaluate
    from ..inputs import model_inputs

    inputs = model_inputs(model, ds)
    acc = {
        f"{split}_accuracy": (evaluate(model, s.X, s.y, s.lengths).accuracy if len(s.y) else None)
        for split, s in inputs.items()
    }
    model.metadata["training"] = {**acc, "imported": True}


def provenance_line(meta: dict) -> str | None:
    """One line saying where an imported model came from, or None for a model trained here."""
    imp = meta.get("imported")
    if not isinstance(imp, dict):
        return None
    version = f" {imp['library_version']}" if imp.get("library_version") else ""
    digest = str(imp.get("sha256", ""))[:12]
    return f"imported from {imp.get('framework', '?')}{version}: {imp.get('file', '?')} (sha256 {digest}…)"
