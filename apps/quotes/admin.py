"""Admin: read-mostly views for support. Quotes change only through services (status changes
must be recorded), so the admin does not edit them."""

from django.contrib import admin

from .models import (
    DiscountLimit,
    OrganizationPriceBook,
    PdfJob,
    Quote,
    QuoteApproval,
    QuoteLine,
    QuoteNumberCounter,
    QuoteStatusChange,
    ShareLink,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class LineInline(ReadOnlyInline):
    model = QuoteLine


class StatusChangeInline(ReadOnlyInline):
    model = QuoteStatusChange


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "revision",
        "status",
        "customer_company",
        "organization",
        "total",
        "currency",
        "is_sample",
        "updated_at",
    ]
    list_filter = ["status", "is_sample", "organization"]
    search_fields = ["number", "customer_company", "customer_contact", "customer_email"]
    inlines = [LineInline, StatusChangeInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PdfJob)
class PdfJobAdmin(admin.ModelAdmin):
    list_display = [
        "quote",
        "status",
        "attempts",
        "pages",
        "render_seconds",
        "requested_at",
        "finished_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in PdfJob._meta.fields]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["quote", "created_by", "created_at", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["token_hash"]
    readonly_fields = ["quote", "created_by", "expires_at", "last_used_at"]


admin.site.register(QuoteNumberCounter)


@admin.register(DiscountLimit)
class DiscountLimitAdmin(admin.ModelAdmin):
    """The discount policy is configured here (defaults: settings.QUOTES_DISCOUNT_LIMITS)."""

    list_display = ["organization", "role", "max_percent"]
    list_filter = ["role"]


@admin.register(QuoteApproval)
class QuoteApprovalAdmin(admin.ModelAdmin):
    list_display = ["quote", "decision", "decided_by", "decided_at", "discount_percent", "total"]
    readonly_fields = [f.name for f in QuoteApproval._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(OrganizationPriceBook)
class OrganizationPriceBookAdmin(admin.ModelAdmin):
    """Each organization's default price book (and currency) for new quotes."""

    list_display = ["organization", "price_book"]
