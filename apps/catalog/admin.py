"""Django admin for every catalog model: search by part number/description, filters."""

from django.contrib import admin

from . import models

PART_SEARCH = ["part__part_number", "part__description"]


@admin.register(models.Part)
class PartAdmin(admin.ModelAdmin):
    list_display = ["part_number", "description", "category", "orderable"]
    list_filter = ["category", "orderable"]
    search_fields = ["part_number", "description"]


class PartSpecAdmin(admin.ModelAdmin):
    """Specs keyed by a part: search by the part's number and description."""

    search_fields = PART_SEARCH
    list_select_related = ["part"]
    autocomplete_fields = ["part"]


@admin.register(models.Gpu)
class GpuAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "part",
        "memory_gb",
        "memory_bandwidth_gbps",
        "tflops_bf16",
        "tdp_w",
        "link",
        "reference",
    ]
    list_filter = ["link", "form_factor", "reference"]
    search_fields = ["name", "slug", *PART_SEARCH]
    list_select_related = ["part"]
    raw_id_fields = ["part", "bridge"]


@admin.register(models.LlmModel)
class LlmModelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "family",
        "params_b",
        "active_params_b",
        "layers",
        "context_length",
    ]
    list_filter = ["family"]
    search_fields = ["name", "slug", "family"]


@admin.register(models.Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "gpu_base", "gpu_slots", "rack_units", "sockets"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["gpu_base"]


class NodePartInline(admin.TabularInline):
    model = models.NodePart
    extra = 0
    raw_id_fields = ["part"]


@admin.register(models.NodeProfile)
class NodeProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "platform", "deployment", "fabric"]
    list_filter = ["deployment", "fabric", "platform"]
    search_fields = ["name", "slug"]
    raw_id_fields = [
        "server",
        "cpu",
        "psu",
        "psu_power_cable",
        "boot_drive",
        "data_drive",
        "e1s_filler",
        "ocp_adapter",
        "fabric_adapter",
        "dpu",
    ]
    inlines = [NodePartInline]


@admin.register(models.NodePart)
class NodePartAdmin(PartSpecAdmin):
    list_display = ["profile", "part", "quantity", "per", "section"]
    list_filter = ["profile", "per", "section"]
    list_select_related = ["profile", "part"]


@admin.register(models.Cpu)
class CpuAdmin(PartSpecAdmin):
    list_display = ["part", "cores", "base_ghz", "tdp_w"]


@admin.register(models.Dimm)
class DimmAdmin(PartSpecAdmin):
    list_display = ["part", "size_gb", "speed_mts"]
    list_filter = ["size_gb"]


@admin.register(models.NetworkAdapter)
class NetworkAdapterAdmin(PartSpecAdmin):
    list_display = ["part", "kind", "ports", "port_speed_gbps", "fabric"]
    list_filter = ["kind", "fabric"]


@admin.register(models.Switch)
class SwitchAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "role", "fabric", "ports", "port_speed_gbps", "power_w"]
    list_filter = ["role", "fabric"]
    search_fields = ["name", "slug", *PART_SEARCH]
    raw_id_fields = [
        "machine_type",
        "part",
        "rack_kit",
        "power_cord",
        "support",
        "mgmt_uplink",
        "hardware_class",
    ]


@admin.register(models.Cable)
class CableAdmin(PartSpecAdmin):
    list_display = ["part", "kind", "fabric", "length_m", "fanout", "gbps"]
    list_filter = ["kind", "fabric"]


@admin.register(models.License)
class LicenseAdmin(PartSpecAdmin):
    list_display = ["part", "kind", "unit", "term_years", "applies_to"]
    list_filter = ["kind", "unit", "applies_to"]


class PriceInline(admin.TabularInline):
    model = models.Price
    extra = 0
    raw_id_fields = ["part"]


@admin.register(models.PriceBook)
class PriceBookAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "valid_from", "valid_to", "sample"]
    list_filter = ["sample", "currency"]
    search_fields = ["code", "name"]
    inlines = [PriceInline]


@admin.register(models.Price)
class PriceAdmin(PartSpecAdmin):
    list_display = ["book", "part", "unit_price"]
    list_filter = ["book"]
    list_select_related = ["book", "part"]


@admin.register(models.CatalogRevision)
class CatalogRevisionAdmin(admin.ModelAdmin):
    """Read-only: the revision is bumped by imports and edits, never by hand."""

    list_display = ["number", "changed_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
