"""Forms of the catalog pages."""

from django import forms

from .choices import PartCategory


class PartFilterForm(forms.Form):
    """Search and category filter of the part browser (GET parameters)."""

    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="Part number or description"
    )
    category = forms.ChoiceField(
        required=False, choices=[("", "All categories"), *PartCategory.choices]
    )
    page = forms.IntegerField(required=False, min_value=1)
