"""Tiny untrained models of every variant, and a snapshot of everything a computation could
disturb on a model that sessions share."""

from __future__ import annotations

import torch
from torch import nn

from lstmfcn.models import ARCHITECTURES, ModelConfig, build_model

T_TINY = 24
K_TINY = 3

VARIANTS = [(arch, shuffle, v) for arch in ARCHITECTURES for shuffle in (True, False) for v in (1, 3)]
"""Every architecture × dimension shuffle on/off × univariate/multivariate."""


def tiny_model(arch: str, shuffle: bool = True, n_vars: int = 1, length: int = T_TINY, n_classes: int = K_TINY):
    """A small untrained model in eval mode, with non-trivial BatchNorm statistics.

    Fresh BatchNorm layers (mean 0, var 1, γ 1, β 0) make DeepLift's references collapse onto
    zero and would hide a division by a zero variance; random statistics keep every code path honest.
    """
    torch.manual_seed(0)
    cfg = ModelConfig(
        arch, n_vars=n_vars, length=length, n_classes=n_classes, cells=4, shuffle=shuffle, filters=(8, 16, 8)
    )
    model = build_model(cfg)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.2)
    return model.eval()


def snapshot(model: nn.Module) -> dict:
    """Everything a computation could disturb on a shared model: values, modes, grad flags, grads, hooks."""
    return {
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "training": {name: m.training for name, m in model.named_modules()},
        "requires_grad": {k: p.requires_grad for k, p in model.named_parameters()},
        "grads": {k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None},
        "hooks": {
            name: (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
            for name, m in model.named_modules()
        },
    }


def assert_unchanged(before: dict, after: dict) -> None:
    """Two :func:`snapshot` s of one model are the same, bit for bit."""
    assert after["training"] == before["training"]
    assert after["requires_grad"] == before["requires_grad"]
    assert after["hooks"] == before["hooks"]
    assert after["grads"].keys() == before["grads"].keys()
    for k, g in before["grads"].items():
        assert torch.equal(g, after["grads"][k]), k
    assert after["state"].keys() == before["state"].keys()
    for k, v in before["state"].items():
        assert torch.equal(v, after["state"][k]), k
