"""The sizing wizard: a GET form whose fields, defaults, URL names, limits and messages are
derived from the engine's workload specification (apps/sizing/engine/spec.py).

Modules, one job each:

* ``fields``  — Django form fields built from the specification's inputs;
* ``codec``   — the URL: defaults per kind, form values -> engine workload, workload -> URL;
* ``errors``  — the engine's field errors beside their fields, limits in the field's own units;
* ``htmx``    — every htmx attribute of the wizard, in one place;
* ``choices`` — options drawn from the catalog snapshot (models, GPUs, precisions per GPU);
* ``form``    — ``WizardForm``, which composes them;
* ``config_upload`` — the Hugging Face config.json upload, read by the engine's one
  config.json parser (engine/models/hf_config.py) and mapped onto the custom-model fields;
* ``scenario_forms`` — the small forms of saved scenarios.

A new input declared in the specification with a ``group`` appears in the wizard (in its step,
or under "More options" for ``group="advanced"``) with no edit here.
"""

from apps.sizing.engine.models import estimate_params

from .choices import gpu_choices, model_choices
from .codec import query_from_workload
from .config_upload import HfConfigForm, custom_fields, custom_keys
from .form import WizardForm
from .scenario_forms import ScenarioRenameForm, ScenarioSaveForm

__all__ = [
    "HfConfigForm",
    "ScenarioRenameForm",
    "ScenarioSaveForm",
    "WizardForm",
    "custom_fields",
    "custom_keys",
    "estimate_params",
    "gpu_choices",
    "model_choices",
    "query_from_workload",
]
