"""Mixed precision: bf16 autocast on GPUs, the one place that decides where it applies.

Autocast runs matrix multiplications in bf16 and keeps reductions and losses in fp32. On CUDA it
roughly doubles throughput. CPUs without bf16 units run it slower than fp32, so it is off there,
unless ``AUTOCAST_DEVICES`` says otherwise (the tests run the GPU path on the CPU that way).
"""

from __future__ import annotations

from contextlib import nullcontext

import torch

AUTOCAST_DEVICES = {"cuda"}


def autocast(device, bf16: bool):
    """bf16 autocast for ``device`` where ``bf16`` is asked for and the device is one that gains from it."""
    device_type = torch.device(device).type
    if bf16 and device_type in AUTOCAST_DEVICES:
        return torch.autocast(device_type, dtype=torch.bfloat16)
    return nullcontext()
