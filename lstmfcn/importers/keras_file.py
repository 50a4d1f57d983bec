"""Reading a Keras file as arrays: its layers, their classes, configurations and weights.

Three layouts, all read with h5py as arrays, never as Keras objects (no layer code, ``Lambda`` or
custom object runs; the model's JSON configuration is read as text, where the file has one):

* ``.keras`` (Keras 3): a zip of ``config.json`` and ``model.weights.h5`` (``layers/<name>/vars/<i>``);
* ``.weights.h5`` (Keras 3 ``save_weights``): the same arrays without a configuration, so layer
  kinds come from the arrays' shapes and their order from the layers' names (Keras numbers them
  in the order they were made: ``conv1d``, ``conv1d_1``, ...);
* ``.h5`` (Keras 2, and Keras 3's legacy ``save``): ``model_weights/<layer>/<weight name>``, the
  layers in the ``layer_names`` order, with the configuration in ``model_config`` for whole models.

Nothing outside the file is followed (external and soft links, virtual datasets are refused), and a
zip bomb or an array too big to hold is refused before it inflates. :mod:`.keras` maps what
:func:`read` gives onto the library's model.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from ..errors import CheckpointError
from ._mapping import refuse

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: A ``.keras`` zip may not unpack to more than this (a zip bomb is refused before it inflates).
MAX_UNPACKED = 1 << 30
#: Most elements one array may hold (256 MiB of float32; an LSTM over 17,984 features with 128
#: cells holds 9 M): a compressed dataset cannot claim more than this and inflate.
MAX_ELEMENTS = 1 << 26


@dataclass
class Layer:
    """One Keras layer as stored: its name, class (from the configuration, else inferred), config
    (``{}`` without one) and weights ``[(name or None, array)]`` in the layer's order."""

    name: str
    cls: str | None
    config: dict = field(default_factory=dict)
    weights: list[tuple[str | None, np.ndarray]] = field(default_factory=list)


@dataclass
class KerasFile:
    layers: list[Layer]
    file_format: str
    version: str | None
    has_config: bool


def read(data: bytes, name: str) -> KerasFile:
    """The layers of a Keras ``.keras``, ``.h5`` or ``.weights.h5`` file, as arrays.

    Raises:
        CheckpointError: not such a file, or it links outside itself or stores non-numbers.
    """
    try:
        import h5py
    except ImportError:
        raise CheckpointError(f"{name}: reading Keras files needs h5py (pip install h5py)") from None
    if zipfile.is_zipfile(io.BytesIO(data)):
        return _read_keras_zip(data, name, h5py)
    if not data.startswith(_HDF5_SIGNATURE):
        raise CheckpointError(f"{name}: not a Keras file (a .keras zip, or an HDF5 .h5 / .weights.h5 file)")
    try:
        h5 = h5py.File(io.BytesIO(data), "r")
    except Exception as exc:  # noqa: BLE001 - h5py raises OSError and others on broken files
        raise CheckpointError(f"{name}: an HDF5 file that cannot be read ({exc})") from exc
    with h5:
        if "model_weights" in h5 or "layer_names" in h5.attrs:
            return _read_legacy(h5, name)
        if "layers" in h5:
            return KerasFile(_read_v3_layers(h5["layers"], None, name), "Keras 3 .weights.h5", None, False)
    raise CheckpointError(f"{name}: an HDF5 file without Keras weights (no 'layers' or 'model_weights')")


def _read_keras_zip(data: bytes, name: str, h5py) -> KerasFile:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        names = set(z.namelist())
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"{name}: a damaged .keras archive ({exc})") from exc
    if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
        raise CheckpointError(f"{name}: the .keras archive unpacks to more than {MAX_UNPACKED >> 20} MiB")
    if "config.json" not in names or "model.weights.h5" not in names:
        raise CheckpointError(f"{name}: a zip, but not a .keras model (no config.json and model.weights.h5)")
    try:
        config = json.loads(z.read("config.json"))
        meta = json.loads(z.read("metadata.json")) if "metadata.json" in names else {}
        weights = z.read("model.weights.h5")
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{name}: a damaged .keras archive ({exc})") from exc
    try:
        h5 = h5py.File(io.BytesIO(weights), "r")
    except Exception as exc:  # noqa: BLE001
        raise CheckpointError(f"{name}: its model.weights.h5 cannot be read ({exc})") from exc
    with h5:
        if "layers" not in h5:
            raise CheckpointError(f"{name}: its model.weights.h5 holds no layers")
        layers = _read_v3_layers(h5["layers"], _config_layers(config, name), name)
    return KerasFile(layers, "Keras 3 .keras", str(meta.get("keras_version") or "") or None, True)


def _config_layers(config: object, name: str) -> list[dict]:
    """The layer list of a model's JSON configuration (Functional or Sequential)."""
    layers = config.get("config", {}).get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise CheckpointError(f"{name}: the model configuration lists no layers")
    return layers


def _read_v3_layers(group, config_layers: list[dict] | None, name: str) -> list[Layer]:
    """Keras 3's ``layers/<name>/.../vars/<i>``: in the configuration's order, else by name."""
    stored = _natural(list(group.keys()))
    if config_layers is None:
        return [Layer(n, None, {}, _v3_arrays(_child(group, n, name), name)) for n in stored]
    # Keras 3 stores a model's i-th layer of a class under its class name in snake case, numbered
    # from the second on (conv1d, conv1d_1, ...), in the configuration's order; not under the
    # layer's own name (conv1d_9 when other models were built before it in the session).
    out, seen = [], {}
    for entry in config_layers:
        cls = str(entry.get("class_name") or "")
        snake = _snake_case(cls)
        seen[snake] = seen.get(snake, -1) + 1
        stored_name = snake if seen[snake] == 0 else f"{snake}_{seen[snake]}"
        weights = _v3_arrays(_child(group, stored_name, name), name) if stored_name in stored else []
        layer_name = str(entry.get("config", {}).get("name") or entry.get("name") or stored_name)
        out.append(Layer(layer_name, cls, entry.get("config") or {}, weights))
    return out


def _snake_case(cls: str) -> str:
    """Keras' ``naming.to_snake_case``: ``AttentionLSTM`` → ``attention_lstm``, ``Conv1D`` → ``conv1d``."""
    cls = re.sub(r"\W+", "", cls)
    cls = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", cls)
    return re.sub("([a-z])([A-Z])", r"\1_\2", cls).lower()


def _v3_arrays(group, name: str) -> list[tuple[str | None, np.ndarray]]:
    """Every array under a layer's group, ``vars/0, vars/1, ...`` (nested ``cell/vars`` too), in order."""
    found: list[tuple[str, np.ndarray]] = []

    def walk(g, prefix: str) -> None:
        for key in _natural(list(g.keys())):
            item = _child(g, key, name)
            if hasattr(item, "keys"):
                walk(item, f"{prefix}{key}/")
            else:
                found.append((f"{prefix}{key}", _array(item, name)))

    walk(group, "")
    if any(p.startswith(("forward_layer", "backward_layer")) for p, _ in found):
        raise refuse(name, "a Bidirectional Keras layer")
    return [(None, a) for _, a in found]


def _read_legacy(h5, name: str) -> KerasFile:
    """Keras 2's layout: ``layer_names``, then each layer's ``weight_names`` in order."""
    root = h5["model_weights"] if "model_weights" in h5 else h5
    raw_config = h5.attrs.get("model_config")
    by_name: dict[str, dict] = {}
    if raw_config is not None:
        text = raw_config.decode("utf-8") if isinstance(raw_config, bytes) else str(raw_config)
        try:
            layers_config = _config_layers(json.loads(text), name)
        except ValueError as exc:
            raise CheckpointError(f"{name}: its model_config is not JSON ({exc})") from exc
        by_name = {str(e.get("config", {}).get("name") or e.get("name")): e for e in layers_config}
    version = root.attrs.get("keras_version") or h5.attrs.get("keras_version")
    stored = [_text(n) for n in root.attrs.get("layer_names", [])]
    # The configuration's layers in its order (a layer without weights, a Lambda included, is in
    # it), each with its weights; then any weighted layer the configuration does not list.
    order = [*by_name, *(n for n in stored if n not in by_name)]
    layers = []
    for layer_name in order:
        weights = _legacy_weights(_child(root, layer_name, name), name) if layer_name in stored else []
        entry = by_name.get(layer_name, {})
        layers.append(Layer(layer_name, entry.get("class_name"), entry.get("config") or {}, weights))
    fmt = "Keras legacy HDF5 (.h5, whole model)" if by_name else "Keras legacy HDF5 (.h5, weights only)"
    return KerasFile(layers, fmt, _text(version) if version is not None else None, bool(by_name))


def _legacy_weights(group, name: str) -> list[tuple[str, np.ndarray]]:
    """A legacy layer group's arrays in its ``weight_names`` order, named (``kernel:0`` → ``kernel``)."""
    weights = []
    for wn in (_text(w) for w in group.attrs.get("weight_names", [])):
        item = group
        for part in wn.split("/"):
            item = _child(item, part, name)
        weights.append((wn.split("/")[-1].split(":")[0], _array(item, name)))
    return weights


def _child(group, key: str, name: str):
    """``group[key]`` only through a hard link: an external or soft link could reach other files."""
    import h5py

    link = group.get(key, getlink=True)
    if link is None:
        raise CheckpointError(f"{name}: the file names '{key}' but does not hold it")
    if not isinstance(link, h5py.HardLink):
        raise CheckpointError(f"{name}: '{key}' is a link to somewhere else, which is never followed")
    return group[key]


def _array(dataset, name: str) -> np.ndarray:
    """A dataset's values, refused unless stored in the file itself as real numbers."""
    if dataset.is_virtual or dataset.external:
        raise CheckpointError(f"{name}: the array '{dataset.name}' is stored outside the file, which is never read")
    if dataset.dtype.kind not in "fiu" or dataset.size > MAX_ELEMENTS:
        raise CheckpointError(f"{name}: '{dataset.name}' is not an array of numbers this program reads")
    return np.asarray(dataset[()], dtype=np.float32)


def _text(v) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _natural(names: list[str]) -> list[str]:
    """``conv1d, conv1d_1, conv1d_2, conv1d_10``: the order Keras made the layers in."""
    return sorted(names, key=lambda s: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)])
