"""Quotes, their lines, their PDF document, and the requests that create and send them.
Money is a decimal string in the quote's currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.quotes.choices import PdfJobStatus, QuoteStatus
from apps.quotes.models import PdfJob, Quote, QuoteLine
from apps.quotes.services.discounts import effective_discount

from .representation import FlatRepresentation
from .sizing import WorkloadField


# A quote answer carries ~70 lines: DRF's generic attribute walk for each field of each line was
# a third of the CPU of creating or sending a quote (bench/load_mixed.py), hence
# FlatRepresentation (the docstrings are the OpenAPI schema's descriptions).
class QuoteLineSerializer(FlatRepresentation, serializers.ModelSerializer):
    """One line; a part to be confirmed has `to_be_confirmed` true and null prices."""

    to_be_confirmed = serializers.BooleanField(read_only=True)

    class Meta:
        model = QuoteLine
        fields = [
            "id",
            "position",
            "section",
            "part_number",
            "description",
            "quantity",
            "unit_price",
            "discount_percent",
            "line_total",
            "to_be_confirmed",
            "reason",
        ]


# A list answers up to 200 quotes: DRF's generic attribute walk was over a third of its CPU
# (bench/bench_lists.py); the detail form inherits FlatRepresentation too.
class QuoteSerializer(FlatRepresentation, serializers.ModelSerializer):
    """One revision of a quote (list form: no lines, terms or notes)."""

    owner = serializers.CharField(source="owner.username", read_only=True)
    price_book = serializers.CharField(source="price_book.code", read_only=True)
    scenario = serializers.IntegerField(source="scenario_id", read_only=True)
    previous = serializers.IntegerField(source="previous_id", read_only=True, allow_null=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "revision",
            "reference",
            "status",
            "scenario",
            "previous",
            "customer_company",
            "customer_contact",
            "customer_email",
            "price_book",
            "currency",
            "is_sample",
            "valid_until",
            "discount_percent",
            "subtotal",
            "discount_amount",
            "total",
            "engine_version",
            "approval_requested_at",
            "owner",
            "created_at",
            "updated_at",
            "sent_at",
            "decided_at",
        ]


class DiscountApprovalSerializer(serializers.Serializer):
    """The sales manager's approval covering this revision at its total (null if none)."""

    approved_by = serializers.CharField(source="decided_by.username")
    approved_at = serializers.DateTimeField(source="decided_at")
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    note = serializers.CharField()


class ApprovalRequestSerializer(serializers.Serializer):
    """The sender's request for a discount approval, waiting for a sales manager."""

    requested_by = serializers.CharField(
        source="approval_requested_by.username", default=None, allow_null=True
    )
    requested_at = serializers.DateTimeField(source="approval_requested_at")
    note = serializers.CharField(source="approval_request_note")


class QuoteDetailSerializer(QuoteSerializer):
    lines = QuoteLineSerializer(many=True, read_only=True)
    pdf_status = serializers.SerializerMethodField(
        help_text="status of the PDF document, null until requested (POST …/pdf/)"
    )
    effective_discount_percent = serializers.SerializerMethodField(
        help_text="discount off list price, lines and overall together (%); above the "
        "sender's limit a sales manager must approve it before it is sent"
    )
    discount_approval = DiscountApprovalSerializer(read_only=True, allow_null=True)
    approval_request = serializers.SerializerMethodField(
        help_text="the sender's request for a discount approval while it waits for a sales "
        "manager's decision (POST …/discount/request/), else null"
    )

    class Meta(QuoteSerializer.Meta):
        fields = [
            *QuoteSerializer.Meta.fields,
            "terms",
            "notes",
            "effective_discount_percent",
            "discount_approval",
            "approval_request",
            "pdf_status",
            "lines",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2))
    def get_effective_discount_percent(self, obj: Quote) -> str:
        return str(effective_discount(obj))

    @extend_schema_field(ApprovalRequestSerializer(allow_null=True))
    def get_approval_request(self, obj: Quote) -> dict[str, Any] | None:
        if obj.approval_requested_at is None:
            return None
        return dict(ApprovalRequestSerializer(obj).data)

    @extend_schema_field(serializers.ChoiceField(choices=PdfJobStatus.choices, allow_null=True))
    def get_pdf_status(self, obj: Quote) -> str | None:
        try:
            return str(obj.pdf_job.status)
        except PdfJob.DoesNotExist:
            return None


class DiscountDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class QuoteFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=QuoteStatus.choices, required=False)
    customer = serializers.CharField(
        required=False, max_length=100, help_text="substring of the customer company or contact"
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="only quotes the caller owns"
    )
    awaiting_approval = serializers.BooleanField(
        required=False,
        default=False,
        help_text="only drafts whose discount waits for the caller's approval (a seller's "
        "sales manager; empty for anyone else)",
    )


class QuoteCreateSerializer(serializers.Serializer):
    """Give `scenario` (the id of a saved scenario) or `workload` (sized and saved as a new
    scenario named `scenario_name`, then quoted), not both."""

    scenario = serializers.IntegerField(required=False, min_value=1)
    workload = WorkloadField(required=False)
    scenario_name = serializers.CharField(
        required=False, max_length=200, help_text="for a workload; default 'API quote'"
    )
    customer_company = serializers.CharField(max_length=200)
    customer_contact = serializers.CharField(max_length=200)
    customer_email = serializers.EmailField(max_length=254)
    price_book = serializers.CharField(
        required=False,
        max_length=40,
        help_text="price book code (see /api/v1/catalog/price-books/); default your "
        "organization's default price book (GET /api/v1/me/), or the only valid one; with "
        "several valid and no default, 400 asks you to name one",
    )
    valid_until = serializers.DateField(
        required=False, help_text="default 30 days ahead; at most 365"
    )
    discount_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
    )
    terms = serializers.CharField(required=False, max_length=10000, allow_blank=True)
    notes = serializers.CharField(required=False, max_length=5000, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        if ("scenario" in attrs) == ("workload" in attrs):
            raise serializers.ValidationError(
                {"scenario": ["Give either scenario or workload, not both."]}
            )
        return attrs


class QuoteLinePatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, help_text="the line's id (see `lines`)")
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class QuotePatchSerializer(serializers.Serializer):
    """The editable fields of a draft, all optional: only those given change. Values are
    checked by the portal's own quote form (same limits, same messages)."""

    customer_company = serializers.CharField(required=False, max_length=200, allow_blank=True)
    customer_contact = serializers.CharField(required=False, max_length=200, allow_blank=True)
    customer_email = serializers.CharField(required=False, max_length=254, allow_blank=True)
    price_book = serializers.CharField(
        required=False, max_length=40, help_text="price book code, valid today"
    )
    valid_until = serializers.CharField(
        required=False, max_length=10, help_text="YYYY-MM-DD, today to 365 days ahead"
    )
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    terms = serializers.CharField(required=False, max_length=10000, allow_blank=True)
    notes = serializers.CharField(required=False, max_length=5000, allow_blank=True)
    lines = QuoteLinePatchSerializer(
        many=True, required=False, help_text="per-line discounts, by line id"
    )


class SendResultSerializer(serializers.Serializer):
    quote = QuoteDetailSerializer()
    share_url = serializers.URLField(
        help_text="the customer's link; shown only in this answer (only its hash is kept)"
    )


class PdfJobSerializer(serializers.ModelSerializer):
    quote = serializers.IntegerField(source="quote_id", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = PdfJob
        fields = [
            "quote",
            "status",
            "attempts",
            "error",
            "pages",
            "file_size",
            "sha256",
            "requested_at",
            "finished_at",
            "download_url",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, obj: PdfJob) -> str | None:
        if obj.status != PdfJobStatus.READY:
            return None
        request = self.context.get("request")
        path = f"/api/v1/quotes/{obj.quote_id}/pdf/download/"
        return request.build_absolute_uri(path) if request is not None else path
