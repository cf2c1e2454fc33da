"""Which precisions a GPU runs, for a kind of workload: the one rule used by the engine's
check and by every door that offers a precision (the wizard's list, the API's errors)."""

from __future__ import annotations

from .catalog import Gpu
from .errors import SizingInputError
from .hardware import peak_flops
from .spec import BY_PATH


def supported_precisions(gpu: Gpu | None, kind: str | None = None) -> tuple[str, ...]:
    """The precisions the workload kind allows (training: bf16, fp16, fp8) that the GPU's
    tensor cores run: a peak TFLOPS figure in the catalog for the precision the math uses
    (int4 is weight-only and computes in bf16). Without a GPU (auto), every allowed one."""
    allowed = BY_PATH["precision"].choices_for(kind)
    if gpu is None:
        return allowed
    return tuple(p for p in allowed if peak_flops(gpu, p) is not None)


def check_precision(precision: str, gpu: Gpu) -> None:
    """Refuse a precision the GPU's tensor cores do not run (e.g. fp8 on A100)."""
    if peak_flops(gpu, precision) is None:
        raise SizingInputError.single(
            "precision",
            f"{gpu.name} has no {precision} tensor-core support; choose one of "
            f"{', '.join(supported_precisions(gpu))}",
        )
