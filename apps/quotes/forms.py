"""Forms of the quotes app: they parse and validate input; services decide."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone

from apps.core.exceptions import ApplicationError

from . import selectors, services
from .choices import QuoteStatus
from .models import PERCENT_VALIDATORS, Quote


def _percent_field(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=5,
        decimal_places=2,
        initial=Decimal("0"),
        validators=PERCENT_VALIDATORS,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


class _PriceBookField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        sample = " · SAMPLE prices" if obj.sample else ""
        return f"{obj.code} · {obj.name} ({obj.currency}){sample}"


class QuoteForm(forms.ModelForm):
    """Customer, price book, validity, overall discount, terms and notes."""

    discount_percent = _percent_field("Overall discount (%)")

    class Meta:
        model = Quote
        fields = [
            "customer_company",
            "customer_contact",
            "customer_email",
            "price_book",
            "valid_until",
            "discount_percent",
            "terms",
            "notes",
        ]
        widgets = {
            "valid_until": forms.DateInput(attrs={"type": "date"}),
            "terms": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"price_book": _PriceBookField}
        labels = {
            "customer_company": "Customer company",
            "customer_contact": "Contact name",
            "customer_email": "Contact email",
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        books = selectors.price_books_available()
        price_book = cast(forms.ModelChoiceField, self.fields["price_book"])
        price_book.queryset = books
        if not self.instance.pk:
            self.initial.setdefault(
                "valid_until", timezone.localdate() + timedelta(days=services.DEFAULT_VALIDITY_DAYS)
            )
            self.initial.setdefault("terms", services.DEFAULT_TERMS)
            self.initial.setdefault("discount_percent", Decimal("0"))
            # The organization's default price book (or the one valid book) is preselected;
            # otherwise the seller chooses (the empty choice stays so nothing is picked by
            # accident).
            default = selectors.default_price_book(user)
            if default is not None:
                self.initial.setdefault("price_book", default.pk)
                if len(books[:2]) == 1:
                    price_book.empty_label = None
        for line in self.instance.lines.all() if self.instance.pk else []:
            field = _percent_field(f"Discount on {line.part_number} (%)")
            field.initial = line.discount_percent
            self.fields[f"line_{line.pk}"] = field

    def clean_valid_until(self) -> Any:
        value = self.cleaned_data.get("valid_until")
        today = timezone.localdate()
        if value and not today <= value <= today + timedelta(days=services.MAX_VALIDITY_DAYS):
            raise forms.ValidationError(
                f"Choose a date between today and {services.MAX_VALIDITY_DAYS} days ahead."
            )
        return value

    def clean_discount_percent(self) -> Decimal:
        return self.cleaned_data.get("discount_percent") or Decimal("0")

    def line_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("line_")]

    def line_discounts(self) -> dict[int, Decimal]:
        return {
            int(name[5:]): (value or Decimal("0"))
            for name, value in self.cleaned_data.items()
            if name.startswith("line_")
        }

    def quote_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def add_application_error(self, exc: ApplicationError) -> None:
        """Show a service's refusal as field errors (or a form error)."""
        if not exc.field_errors:
            self.add_error(None, exc.message)
        for name, messages in exc.field_errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


SCOPES = [("org", "My organization's quotes"), ("mine", "My quotes")]


class QuoteFilterForm(forms.Form):
    scope = forms.ChoiceField(choices=SCOPES, required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *QuoteStatus.choices], required=False)
    customer = forms.CharField(max_length=100, required=False, label="Customer")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and selectors.is_seller_manager(user):  # they approve discounts
            scope = cast(forms.ChoiceField, self.fields["scope"])
            scope.choices = [*SCOPES, ("awaiting", "Awaiting my approval")]


class AcceptForm(forms.Form):
    name = forms.CharField(max_length=200, label="Type your full name to accept")


class RejectForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, label="Your name (optional)")
    reason = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason (optional)",
    )
