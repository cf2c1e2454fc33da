"""Training from first principles: memory (memory.py), step time (step.py), layout search
(search.py), the GPU plan (plan.py) and what it reports (report.py)."""

from .memory import Layout, TrainingMemory, memory
from .plan import (
    Faster,
    TrainingOutcome,
    min_gpus_for_memory,
    no_slower,
    outcome,
    refusal,
    required,
    share_model,
)
from .search import Candidate, SearchResult, search
from .setup import Knobs, TrainingSetup, lora_parameters, setup
from .step import Context, StepTime, step_time

__all__ = [
    "Candidate",
    "Context",
    "Faster",
    "Knobs",
    "Layout",
    "SearchResult",
    "StepTime",
    "TrainingMemory",
    "TrainingOutcome",
    "TrainingSetup",
    "lora_parameters",
    "memory",
    "min_gpus_for_memory",
    "no_slower",
    "outcome",
    "refusal",
    "required",
    "search",
    "setup",
    "share_model",
    "step_time",
]
