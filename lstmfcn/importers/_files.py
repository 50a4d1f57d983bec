"""Reading a foreign weights file without running anything in it.

A PyTorch state dict comes as safetensors, or as a ``.pt``/``.pth`` read with
``torch.load(weights_only=True)``: PyTorch's restricted unpickler, which builds tensors, numbers,
strings and containers and refuses every other global, so a pickled Learner, estimator or payload
never runs. What such a refusal means is said in one sentence, with how to save a state dict.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile

import torch

from ..errors import CheckpointError

#: How users of each PyTorch library save what this program can read (for refusals).
HOW_TO_SAVE = {
    "tsai": "torch.save(learn.model.state_dict(), 'model.pth') or safetensors.torch.save_model(learn.model, 'model.safetensors')",
    "sktime": "safetensors.torch.save_model(clf.network, 'model.safetensors') or torch.save(clf.network.state_dict(), 'model.pth')",
}


def is_safetensors(data: bytes) -> bool:
    """Whether ``data`` starts like a safetensors file (an 8-byte length, then a JSON object)."""
    if len(data) < 10:
        return False
    (n,) = struct.unpack("<Q", data[:8])
    return 2 <= n <= len(data) - 8 and data[8:9] == b"{"


def read_state_dict(data: bytes, name: str, framework: str) -> dict[str, torch.Tensor]:
    """The tensors of a PyTorch weights file: safetensors, or a state dict saved with ``torch.save``.

    A fastai ``learn.save`` file (``{"model": state dict, "opt": ...}``) gives its ``"model"``;
    a ``module.`` prefix (``nn.DataParallel``) is removed.

    Raises:
        CheckpointError: the file is neither, or holds something other than tensors.
    """
    how = HOW_TO_SAVE.get(framework, "save the network's state dict")
    if is_safetensors(data):
        from safetensors.torch import load

        try:
            tensors = dict(load(data))
        except Exception as exc:  # noqa: BLE001 - safetensors raises its own error types
            raise CheckpointError(f"{name}: a safetensors file whose tensors cannot be read ({exc})") from exc
        _check_not_our_checkpoint(data, name)
    elif zipfile.is_zipfile(io.BytesIO(data)) or data[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
        _check_unpacked_size(data, name)
        try:
            loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - the restricted unpickler raises several types
            raise CheckpointError(
                f"{name}: not a plain state dict (it pickles objects, such as a whole Learner, estimator or"
                f" model, which are never unpickled here); save the weights alone: {how}"
            ) from exc
        tensors = _state_dict_of(loaded, name, how)
    else:
        raise CheckpointError(
            f"{name}: not a PyTorch weights file (neither safetensors nor a torch.save file); save it with {how}"
        )
    if not tensors:
        raise CheckpointError(f"{name}: the file holds no weights")
    return {k.removeprefix("module."): v for k, v in tensors.items()}


#: A torch.save zip may not unpack to more than this (a compressed bomb is refused before it inflates).
MAX_UNPACKED = 1 << 30


def _check_unpacked_size(data: bytes, name: str) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return
    try:
        total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"{name}: a damaged torch.save archive ({exc})") from exc
    if total > MAX_UNPACKED:
        raise CheckpointError(f"{name}: the archive unpacks to more than {MAX_UNPACKED >> 20} MiB")


def _state_dict_of(loaded: object, name: str, how: str) -> dict[str, torch.Tensor]:
    """The state dict in what ``torch.load(weights_only=True)`` returned (fastai nests it under "model")."""
    if isinstance(loaded, dict) and isinstance(loaded.get("model"), dict):
        loaded = loaded["model"]
    if isinstance(loaded, dict) and loaded and all(isinstance(v, torch.Tensor) for v in loaded.values()):
        return {str(k): v for k, v in loaded.items()}
    raise CheckpointError(f"{name}: the file holds a {type(loaded).__name__}, not a state dict of tensors; {how}")


def _check_not_our_checkpoint(data: bytes, name: str) -> None:
    (n,) = struct.unpack("<Q", data[:8])
    try:
        meta = json.loads(data[8 : 8 + n]).get("__metadata__") or {}
    except (ValueError, AttributeError):
        return
    if "lstmfcn" in meta:
        raise CheckpointError(f"{name}: already an LSTM-FCN Explorer checkpoint; open it as it is, no import needed")
