"""Resumable training: the whole training state in one ``.safetensors`` file, never a pickle.

Tensors (model, best weights, Adam moments, RNG states) are stored as tensors; everything else
(epoch, history, optimiser hyperparameters, scheduler counters) as JSON in the metadata.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .errors import CheckpointError

_KIND = "lstmfcn-training-state"


def save_training_state(
    path: str | os.PathLike,
    *,
    model: torch.nn.Module,
    best_state: dict[str, torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau,
    shuffle_rng: torch.Generator,
    info: dict,
) -> None:
    """Write everything needed to continue training after ``info["epoch"]`` epochs.

    The file is written next to its destination and renamed, so an interrupted save never
    leaves a truncated state behind.
    """
    tensors: dict[str, torch.Tensor] = {}
    for k, v in model.state_dict().items():
        tensors[f"model.{k}"] = v.detach().cpu().contiguous()
    for k, v in best_state.items():
        tensors[f"best.{k}"] = v.detach().cpu().contiguous()
    opt = optimizer.state_dict()
    for idx, st in opt["state"].items():
        for name, value in st.items():
            tensors[f"opt.{idx}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    tensors["rng.shuffle"] = shuffle_rng.get_state()
    if torch.cuda.is_available():
        tensors["rng.cuda"] = torch.cuda.get_rng_state()
    meta = {
        "kind": _KIND,
        "info": info,
        "param_groups": opt["param_groups"],
        "scheduler": {k: v for k, v in scheduler.state_dict().items() if _jsonable(v)},
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={"lstmfcn": json.dumps(meta)})
    os.replace(tmp, path)


def load_training_state(
    path: str | os.PathLike,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau,
    shuffle_rng: torch.Generator,
) -> tuple[dict[str, torch.Tensor], dict]:
    """Restore what :func:`save_training_state` wrote; returns ``(best_state, info)``."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("lstmfcn", "{}"))
        tensors = load_file(str(path))
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a state file"
        raise CheckpointError(f"{path}: not a readable training state ({exc})") from exc
    if meta.get("kind") != _KIND:
        raise CheckpointError(f"{path}: not an LSTM-FCN training state (no '{_KIND}' metadata)")
    device = next(model.parameters()).device
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    best = {k[5:]: v.to(device) for k, v in tensors.items() if k.startswith("best.")}
    state: dict[int, dict] = {}
    for k, v in tensors.items():
        if k.startswith("opt."):
            _, idx, name = k.split(".", 2)
            state.setdefault(int(idx), {})[name] = v.to(device) if v.dim() > 0 else v
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    sched = scheduler.state_dict()
    sched.update(meta["scheduler"])
    scheduler.load_state_dict(sched)
    torch.set_rng_state(tensors["rng.torch"])
    shuffle_rng.set_state(tensors["rng.shuffle"])
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    return best, meta["info"]


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True
