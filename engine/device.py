"""The one place that decides which device the engine computes on.

Order: the ``GP_DEVICE`` environment variable when set (``cpu``, ``cuda``, ``cuda:1``, ``mps``),
else CUDA, else Apple's MPS, else the CPU.
"""

from __future__ import annotations

import os

import torch

DEVICE_ENV_VAR = "GP_DEVICE"


def get_device() -> torch.device:
    """The device models are built on and trained on."""
    requested = os.environ.get(DEVICE_ENV_VAR, "").strip()
    if requested:
        try:
            return torch.device(requested)
        except RuntimeError as error:
            raise ValueError(
                f"{DEVICE_ENV_VAR}={requested!r} is not a device torch knows; use cpu, cuda or mps."
            ) from error
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device: torch.device | None = None) -> str:
    """A one-line human description, e.g. ``"CPU (2 threads)"`` or ``"CUDA: NVIDIA H100"``."""
    device = device or get_device()
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"
