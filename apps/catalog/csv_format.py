"""The catalog CSV schema (fixtures/catalog/README.md) as data: ONE definition of every file,
used by the import, the export and `selectors.catalog_rows`.

(A little over 400 lines: the one definition of every catalog file, kept together.)

A `Table` is a file (`name` = file stem) mapped to a model; a `Column` maps a CSV column to a
model field. How a cell parses and validates is derived from that model field (choices,
max_length, decimal places, minimum, whether it may be empty), so the rules live only in
`models.py`. Columns with `ref` hold the natural key of another table (a part number, a
platform or profile slug) and become foreign keys.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from apps.sizing.engine.models.arch import ARCH_VARIANT_FIELDS

from .models import (
    Cable,
    Cpu,
    Dimm,
    Gpu,
    License,
    LlmModel,
    NetworkAdapter,
    NodePart,
    NodeProfile,
    Part,
    Platform,
    Price,
    PriceBook,
    Switch,
)

_INT_RE = re.compile(r"^-?[0-9]+$")
_DECIMAL_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class CellError(ValueError):
    """A cell that does not parse or validate; the message says what is allowed."""


@dataclass(frozen=True)
class Column:
    """One CSV column: its header `name`, the model `field` it fills, and for a reference
    column the table (`ref`) whose natural key it holds. `fixed_places` writes decimals with
    all their places (money) instead of without trailing zeros."""

    name: str
    field: str
    ref: str | None = None
    fixed_places: bool = False


@dataclass(frozen=True)
class Table:
    """One file of the schema: `name` is the file stem and the key in `catalog_rows()`."""

    name: str
    model: type[models.Model]
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def model_field(self, column: Column) -> Any:
        return self.model._meta.get_field(column.field)


def _col(name: str, field: str | None = None) -> Column:
    return Column(name, field or name)


def _part_col(name: str = "part_number") -> Column:
    field = "part" if name == "part_number" else name.removesuffix("_part_number")
    return Column(name, field, ref="parts")


def _cols(*names: str) -> tuple[Column, ...]:
    return tuple(_part_col(n) if n.endswith("part_number") else _col(n) for n in names)


PARTS = Table(
    "parts",
    Part,
    ("part_number",),
    (
        _col("part_number"),
        *_cols("description", "category", "orderable", "source"),
    ),
)
GPUS = Table(
    "gpus",
    Gpu,
    ("slug",),
    _cols(
        "slug",
        "name",
        "part_number",
        "memory_gb",
        "memory_mib",
        "memory_mib_source",
        "memory_type",
        "memory_bandwidth_gbps",
        "tflops_bf16",
        "tflops_fp16",
        "tflops_fp8",
        "tflops_int8",
        "tdp_w",
        "link",
        "link_domain",
        "link_bandwidth_gbps",
        "slot_width",
        "form_factor",
        "bridge_part_number",
        "bridges_per_pair",
        "reference",
        "source",
    ),
)
LLM_MODELS = Table(
    "llm_models",
    LlmModel,
    ("slug",),
    _cols(
        "slug",
        "name",
        "family",
        "layers",
        "hidden_size",
        "heads",
        "kv_heads",
        "ffn_size",
        "vocab_size",
        "context_length",
        "params_b",
        "active_params_b",
        "experts",
        "experts_per_token",
        "head_dim",
        "mlp_matrices",
        "tied_embeddings",
        *ARCH_VARIANT_FIELDS,
        "vision_params_b",
        "config",
        "source",
    ),
)
PLATFORMS = Table(
    "platforms",
    Platform,
    ("slug",),
    _cols(
        "slug",
        "name",
        "gpu_base_part_number",
        "rack_units",
        "gpu_slots",
        "sockets",
        "dimm_slots",
        "memory_channels",
        "psu_count",
        "pcie_slots_for_adapters",
        "platform_overhead_w",
        "source",
    ),
)
NODE_PROFILES = Table(
    "node_profiles",
    NodeProfile,
    ("slug",),
    (
        *_cols("slug", "name"),
        Column("platform", "platform", ref="platforms"),
        *_cols(
            "server_part_number",
            "cpu_part_number",
            "psu_part_number",
            "psu_power_cable_part_number",
            "boot_drive_part_number",
            "boot_drive_count",
            "data_drive_part_number",
            "data_drive_count",
            "e1s_bays",
            "e1s_filler_part_number",
            "ocp_adapter_part_number",
            "mgmt_cables_per_node",
            "deployment",
            "fabric",
            "source",
            "fabric_adapter_part_number",
            "storage_adapter_count",
            "dpu_part_number",
            "dpu_count",
        ),
    ),
)
NODE_PARTS = Table(
    "node_parts",
    NodePart,
    ("profile", "part_number"),
    (
        Column("profile", "profile", ref="node_profiles"),
        *_cols("part_number", "quantity", "per", "section", "rule", "source"),
    ),
)
CPUS = Table(
    "cpus", Cpu, ("part_number",), _cols("part_number", "cores", "base_ghz", "tdp_w", "source")
)
DIMMS = Table(
    "dimms", Dimm, ("part_number",), _cols("part_number", "size_gb", "speed_mts", "source")
)
NETWORK_ADAPTERS = Table(
    "network_adapters",
    NetworkAdapter,
    ("part_number",),
    _cols("part_number", "kind", "ports", "port_speed_gbps", "fabric", "source"),
)
SWITCHES = Table(
    "switches",
    Switch,
    ("slug",),
    _cols(
        "slug",
        "name",
        "role",
        "fabric",
        "machine_type_part_number",
        "part_number",
        "ports",
        "port_speed_gbps",
        "cages",
        "rack_units",
        "power_w",
        "rack_kit_part_number",
        "power_cord_part_number",
        "power_cords",
        "support_part_number",
        "mgmt_uplink_part_number",
        "source",
        "hardware_class_part_number",
    ),
)
CABLES = Table(
    "cables",
    Cable,
    ("part_number",),
    _cols("part_number", "kind", "fabric", "length_m", "fanout", "gbps", "colour", "source"),
)
LICENSES = Table(
    "licenses",
    License,
    ("part_number",),
    _cols("part_number", "kind", "unit", "term_years", "applies_to", "source"),
)
PRICE_BOOKS = Table(
    "price_books",
    PriceBook,
    ("code",),
    _cols("code", "name", "currency", "valid_from", "valid_to", "sample"),
)
# prices/CODE.csv: the book is the file name, not a column.
# A part the architecture needs whose number is in neither the seed nor a cited Lenovo or NVIDIA
# document has a placeholder key with this prefix: counted, shown "to be confirmed", never
# priced. The engine reads the same rule from the rows (apps/sizing/engine/catalog.py, which may
# import nothing of the portal); tests/sizing_engine/test_catalog_sources.py checks they agree.
TBC_PREFIX = "TBC-"


def to_be_confirmed(part_number: str) -> bool:
    """True for a placeholder key of a part to be confirmed."""
    return part_number.startswith(TBC_PREFIX)


PRICES = Table(
    "prices",
    Price,
    ("part_number",),
    (
        _part_col(),
        Column("unit_price", "unit_price", fixed_places=True),
    ),
)

# Dependency order: a table only refers to tables before it. PRICES comes after all of them.
TABLES: tuple[Table, ...] = (
    PARTS,
    GPUS,
    LLM_MODELS,
    PLATFORMS,
    NODE_PROFILES,
    NODE_PARTS,
    CPUS,
    DIMMS,
    NETWORK_ADAPTERS,
    SWITCHES,
    CABLES,
    LICENSES,
    PRICE_BOOKS,
)
TABLES_BY_NAME = {t.name: t for t in (*TABLES, PRICES)}
# The natural-key column (= model field) of every table that other tables refer to.
REF_KEYS = {
    "parts": "part_number",
    "platforms": "slug",
    "node_profiles": "slug",
    "price_books": "code",
}


def column_path(column: Column) -> str:
    """The ORM lookup that yields the column's CSV value (the referenced natural key)."""
    return f"{column.field}__{REF_KEYS[column.ref]}" if column.ref else column.field


def parse_cell(table: Table, column: Column, raw: str) -> Any:
    """Turn a CSV cell into the field's Python value, or raise CellError saying why not.

    Reference cells are returned as the key string; `services` checks that the key exists.
    """
    field = table.model_field(column)
    if raw == "":
        if field.null:
            return None
        if field.blank:
            return ""
        raise CellError("required, but the cell is empty")
    if column.ref:
        return raw
    value = _convert(field, raw)
    try:
        field.run_validators(value)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from exc
    return value


def _convert(field: Any, raw: str) -> Any:
    if isinstance(field, models.BooleanField):
        return _parse_bool(raw)
    if isinstance(field, models.DecimalField):
        if not _DECIMAL_RE.match(raw):
            raise CellError(
                f"{raw!r} is not a decimal number (digits with '.' as decimal "
                "separator, no thousands separators)"
            )
        return Decimal(raw)
    if isinstance(field, models.IntegerField):
        if not _INT_RE.match(raw):
            raise CellError(f"{raw!r} is not a whole number")
        return int(raw)
    if isinstance(field, models.DateField):
        return _parse_date(raw)
    if field.choices and raw not in {value for value, _ in field.choices}:
        allowed = ", ".join(value for value, _ in field.choices)
        raise CellError(f"{raw!r} is not allowed; use one of: {allowed}")
    return raw


def _parse_bool(raw: str) -> bool:
    if raw in ("true", "false"):
        return raw == "true"
    raise CellError(f"{raw!r} is not a boolean; use true or false")


def _parse_date(raw: str) -> date:
    try:
        if _DATE_RE.match(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise CellError(f"{raw!r} is not a date; use YYYY-MM-DD")


def format_cell(column: Column, value: Any) -> str:
    """The CSV text of a value (the inverse of `parse_cell`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}" if column.fixed_places else plain_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plain_decimal(value: Decimal) -> str:
    """`80.000` → `80`, `2.250` → `2.25` (never an exponent)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
