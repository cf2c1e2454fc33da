"""Forms of saved scenarios: the name of a new scenario, and a rename."""

from __future__ import annotations

from django import forms


class ScenarioSaveForm(forms.Form):
    """Name of a new scenario; the sizing itself comes from the wizard's query."""

    name = forms.CharField(
        label="Scenario name",
        max_length=200,
        help_text="e.g. ACME chat assistant, 2,000 users",
        error_messages={"required": "Give the scenario a name."},
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)


class ScenarioRenameForm(forms.Form):
    name = forms.CharField(
        label="New name", max_length=200, error_messages={"required": "Give the scenario a name."}
    )
