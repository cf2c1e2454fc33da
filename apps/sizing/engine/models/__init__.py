"""Model architectures: the description (``arch``) and the config.json import (``hf_config``)."""

from .arch import ModelArch, estimate_params, simple_arch
from .hf_config import ImportedModel, import_config, import_config_text, parse_config_text

__all__ = [
    "ImportedModel",
    "ModelArch",
    "estimate_params",
    "import_config",
    "import_config_text",
    "parse_config_text",
    "simple_arch",
]
