"""The torch device a model runs on: a spec's or caller's device name checked against the
devices this machine has."""

from __future__ import annotations

import torch
from torch import nn

from workbench._errors import ModelLoadError
from workbench.spec import DEVICE_AUTO

MSG_DEVICE_UNAVAILABLE = (
    "model {model!r} asks for device {requested!r}, which this machine does not have; it has "
    "{available}. Use one of those, or auto (--device on the command line, 'device' in the "
    "model spec)"
)


def available_devices() -> tuple[str, ...]:
    """The devices torch sees on this machine: cpu, then each CUDA GPU, then mps."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names.extend(f"cuda:{number}" for number in range(torch.cuda.device_count()))
    if torch.backends.mps.is_available():
        names.append("mps")
    return tuple(names)


def resolve_device(requested: str, *, model: str) -> torch.device:
    """The device ``requested`` names (auto: a CUDA GPU, else mps, else the CPU); a device
    this machine lacks is a :class:`ModelLoadError` naming the ones it has."""
    available = available_devices()
    if requested == DEVICE_AUTO:
        chosen = next((name for name in available if name != "cpu"), "cpu")
        return torch.device("cuda" if chosen.startswith("cuda") else chosen)
    wanted = "cuda:0" if requested == "cuda" else requested
    if wanted not in available:
        raise ModelLoadError(
            MSG_DEVICE_UNAVAILABLE.format(
                model=model, requested=requested, available=", ".join(available)
            )
        )
    return torch.device(requested)


def module_device(module: nn.Module) -> torch.device:
    """The device of the module's first parameter (or buffer); the CPU for a module of none."""
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")
