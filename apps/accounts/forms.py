"""Forms of the accounts app."""

from django import forms

from .choices import ApiTokenScope
from .services import API_TOKEN_EXPIRY_DAYS


class ApiTokenForm(forms.Form):
    """A new partner API token: what it is for, what it may do, how long it lives."""

    name = forms.CharField(max_length=100, help_text="e.g. the tool that will use it")
    scope = forms.ChoiceField(
        choices=ApiTokenScope.choices, initial=ApiTokenScope.READ, widget=forms.RadioSelect
    )
    expires_in_days = forms.TypedChoiceField(
        coerce=int,
        initial=90,
        label="Expires after",
        choices=[(days, f"{days} days") for days in API_TOKEN_EXPIRY_DAYS],
    )

    def add_application_error(self, exc: Exception) -> None:
        for field, messages in getattr(exc, "field_errors", {}).items():
            for message in messages:
                self.add_error(
                    None if field == "__all__" or field not in self.fields else field, message
                )
