"""Private copies of a model for explaining it, so that the caller's model is never changed.

Gradient methods work on a per-thread copy (:func:`gradient_model`); forward-only methods use the
model itself when it is in eval mode (:func:`inference_model`).
"""

from __future__ import annotations

import copy
import threading
import weakref

from torch import nn

_PRIVATE_FLAG = "_lstmfcn_private_explanation_copy"


def _is_private(model: nn.Module) -> bool:
    return bool(getattr(model, _PRIVATE_FLAG, False))


#: Private copies by model and thread, each with the state it was copied from (see gradient_model).
_twins: weakref.WeakKeyDictionary[nn.Module, dict[int, tuple[tuple, nn.Module]]] = weakref.WeakKeyDictionary()
_twins_lock = threading.Lock()
_TWINS_PER_MODEL = 8


def _copied_state(model: nn.Module) -> tuple:
    """What a copy copies: every parameter's and buffer's storage and version (in-place edits,
    ``load_state_dict``, ``.to(device)`` all change one), and every module's mode."""
    tensors = (*model.parameters(), *model.buffers())
    return tuple((t.data_ptr(), t._version, t.device, t.dtype) for t in tensors), tuple(
        m.training for m in model.modules()
    )


def _hooked(model: nn.Module) -> bool:
    return any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in model.modules())


def gradient_model(model: nn.Module) -> nn.Module:
    """A private copy of ``model`` that can take gradients with respect to its input on any device.

    cuDNN refuses the backward pass of an LSTM in eval mode ("cudnn RNN backward can only be
    called in training mode"). Flipping the shared model to train mode would change BatchNorm and
    dropout, and would race with other threads using the same model (the dashboard shares one
    cached model between sessions). So the copy is in eval mode everywhere except its ``nn.LSTM``
    modules, which are in train mode on a GPU: a single-layer LSTM computes exactly the same in train mode
    (its dropout only acts between stacked layers; it is set to 0 here for stacked ones too).
    cuDNN stays enabled for everything, convolutions included. The copy's parameters do not
    require gradients, so backward passes compute input gradients only.

    Each thread gets its own copy, so hooks that Captum puts on modules (DeepLift, Grad-CAM) never
    meet another thread's forward pass. A thread's copy is kept for its next call while the model
    is unchanged (the same parameter and buffer storage, versions and modes) and the copy carries
    no hooks: copying costs ~2 ms a call (~270k parameters), a tenth of a one-pass DeepLift. A
    model that already is such a copy is returned as is.
    """
    if _is_private(model):
        return model
    state, thread = _copied_state(model), threading.get_ident()
    with _twins_lock:
        kept = _twins.get(model, {}).get(thread)
    if kept is not None and kept[0] == state and not _hooked(kept[1]):
        return kept[1]
    twin = _private_copy(model)
    with _twins_lock:
        kept_here = _twins.setdefault(model, {})
        kept_here[thread] = (state, twin)
        while len(kept_here) > _TWINS_PER_MODEL:  # threads come and go (a dashboard rerun is a new one)
            kept_here.pop(next(iter(kept_here)))
    return twin


def _private_copy(model: nn.Module) -> nn.Module:
    twin = copy.deepcopy(model)
    twin.eval()
    for m in twin.modules():
        # Only cuDNN needs it: the CPU's LSTM runs backward in eval mode (and oneDNN's training
        # forward would keep a workspace for nothing).
        if isinstance(m, nn.RNNBase) and any(p.is_cuda for p in m.parameters()):
            m.dropout = 0.0  # eval semantics in train mode; a no-op for one layer
            m.train()
            m.flatten_parameters()  # a deep copy loses cuDNN's contiguous weight buffer
    for p in twin.parameters():
        p.requires_grad_(False)
    setattr(twin, _PRIVATE_FLAG, True)
    return twin


def inference_model(model: nn.Module) -> nn.Module:
    """``model`` itself when it is in eval mode everywhere, else a private eval-mode copy.

    Forward-only explanations (CAM, attention, perturbation curves) must see the model as it
    predicts; a model left in training mode is explained as if it were in eval mode, without
    touching the caller's object.
    """
    if _is_private(model) or not any(m.training for m in model.modules()):
        return model
    twin = copy.deepcopy(model).eval()
    for p in twin.parameters():
        p.requires_grad_(False)
    return twin
