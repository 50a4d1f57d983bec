"""Checkpoints whose metadata lies about their weights (issue #31): the bytes of a real checkpoint
with one field of the model configuration in its metadata changed, the weights untouched."""

from __future__ import annotations

import json
import struct


def with_model_field(data: bytes, **changes) -> bytes:
    """``data`` (safetensors checkpoint bytes) with ``changes`` applied to ``metadata["model"]``.

    The header is rewritten and padded to 8 bytes as safetensors writes it; the tensors' offsets are
    relative to the header's end, so the weights stay valid.
    """
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = json.loads(header["__metadata__"]["lstmfcn"])
    meta["model"].update(changes)
    header["__metadata__"]["lstmfcn"] = json.dumps(meta)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + n :]
