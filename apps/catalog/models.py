"""The catalog of the reference architecture: parts and their typed specs, price books.

(A little over 400 lines: one model per catalog file, kept together like the CSV schema.)

Every model mirrors one file of the CSV schema (fixtures/catalog/README.md): one field per
column, same names, except that a `…part_number` (or `platform`/`profile`) column becomes a
foreign key named without the suffix. Validation rules (choices, lengths, decimal places,
minimums, which cells may be empty) are declared here once; `csv_format` derives the CSV
parsing from these fields.
"""

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from . import choices

SOURCE_HELP = "Where the fact comes from (seed table, datasheet, or `estimate`)."


def _dec(*, null: bool = False, places: int = 3) -> Any:
    """A non-negative decimal spec (memory, bandwidth, TFLOPS, …)."""
    return models.DecimalField(
        max_digits=12,
        decimal_places=places,
        null=null,
        blank=null,
        validators=[MinValueValidator(Decimal(0))],
    )


def _count(*, minimum: int = 0, null: bool = False) -> Any:
    """A whole number with a lower bound (counts, watts, sizes)."""
    return models.PositiveIntegerField(
        null=null, blank=null, validators=[MinValueValidator(minimum)]
    )


def _part(*, null: bool = False) -> Any:
    """A reference to a row of parts.csv by part number."""
    return models.ForeignKey(
        "Part", on_delete=models.PROTECT, null=null, blank=null, related_name="+"
    )


SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9._-]*$",
    "Use lowercase letters, digits, '.', '-' and '_', starting with a letter or digit.",
)


def _slug() -> Any:
    """A catalog id such as `h100-pcie-80gb` or `llama-3.1-8b` (dots allowed, unlike SlugField)."""
    return models.CharField(max_length=60, unique=True, validators=[SLUG_VALIDATOR])


def _source() -> Any:
    return models.CharField(max_length=300, blank=True, help_text=SOURCE_HELP)


def _choice(choice_class: type[models.TextChoices]) -> Any:
    return models.CharField(max_length=20, choices=choice_class.choices)


class Part(models.Model):
    """An orderable (or reference-only) item, identified by its Lenovo part number / feature
    code, with the exact description the seed uses."""

    part_number = models.CharField(max_length=40, unique=True)
    description = models.CharField(max_length=300)
    category = _choice(choices.PartCategory)
    orderable = models.BooleanField(default=True)
    source = _source()

    class Meta:
        ordering = ["part_number"]

    def __str__(self) -> str:
        return f"{self.part_number} {self.description}"


class Gpu(models.Model):
    """A GPU model with the facts the sizing engine needs. Reference GPUs (`reference=True`)
    have no part here and are kept for comparison with published results."""

    slug = _slug()
    name = models.CharField(max_length=100)
    part = _part(null=True)
    memory_gb = _dec()
    # The memory the GPU exposes, MiB, as nvidia-smi reports its total ("80 GB" HBM is sold by
    # binary capacity, less what the driver keeps): what training and serving fit into. Empty:
    # the engine takes memory_gb x 1e9 (fixtures/catalog/README.md).
    memory_mib = _count(minimum=1, null=True)
    memory_mib_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where memory_mib comes from (the nvidia-smi output it was read from).",
    )
    memory_type = models.CharField(max_length=20)
    memory_bandwidth_gbps = _dec()
    tflops_bf16 = _dec(null=True)
    tflops_fp16 = _dec(null=True)
    tflops_fp8 = _dec(null=True)
    tflops_int8 = _dec(null=True)
    tdp_w = _count(minimum=1)
    link = _choice(choices.GpuLink)
    link_domain = _count(minimum=1)
    link_bandwidth_gbps = _dec(null=True)
    slot_width = _count(minimum=1, null=True)
    form_factor = _choice(choices.FormFactor)
    bridge = _part(null=True)
    bridges_per_pair = _count(minimum=1, null=True)
    reference = models.BooleanField(default=False)
    source = _source()

    class Meta:
        verbose_name = "GPU"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class LlmModel(models.Model):
    """A large language model of the model library (architecture facts from its paper/card)."""

    slug = _slug()
    name = models.CharField(max_length=100)
    family = models.CharField(max_length=60)
    layers = _count(minimum=1)
    hidden_size = _count(minimum=1)
    heads = _count(minimum=1)
    kv_heads = _count(minimum=1)
    ffn_size = _count(minimum=1)
    vocab_size = _count(minimum=1)
    context_length = _count(minimum=1)
    params_b = _dec()
    active_params_b = _dec()
    experts = _count(minimum=1)
    experts_per_token = _count(minimum=1)
    # Architecture columns (empty = the Llama-shaped default; see fixtures/catalog/README.md)
    head_dim = _count(minimum=1, null=True)
    mlp_matrices = _count(minimum=2, null=True)
    tied_embeddings = models.BooleanField(null=True, blank=True)
    kv_lora_rank = _count(null=True)
    q_lora_rank = _count(null=True)
    qk_rope_head_dim = _count(null=True)
    qk_nope_head_dim = _count(null=True)
    v_head_dim = _count(null=True)
    shared_experts = _count(null=True)
    moe_ffn_size = _count(null=True)
    shared_ffn_size = _count(null=True)
    dense_layers = _count(null=True)
    moe_layer_step = _count(minimum=1, null=True)
    sliding_window = _count(null=True)
    window_layers = _count(null=True)
    vision_params_b = _dec(null=True)
    config = models.CharField(max_length=200, blank=True)
    source = _source()

    class Meta:
        verbose_name = "LLM"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Platform(models.Model):
    """A server platform (SR675 V3 with an 8DW or 4DW GPU base)."""

    slug = _slug()
    name = models.CharField(max_length=100)
    gpu_base = _part()
    rack_units = _count(minimum=1)
    gpu_slots = _count(minimum=1)
    sockets = _count(minimum=1)
    dimm_slots = _count(minimum=1)
    memory_channels = _count(minimum=1)
    psu_count = _count(minimum=1)
    pcie_slots_for_adapters = _count()
    platform_overhead_w = _count()
    source = _source()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class NodeProfile(models.Model):
    """How a node is built for a deployment (the seed's HPC&AI InfiniBand node of Tables 1-3,
    or the repeatable Ethernet node of Table 4)."""

    slug = _slug()
    name = models.CharField(max_length=100)
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="profiles")
    server = _part()
    cpu = _part()
    psu = _part()
    psu_power_cable = _part()
    boot_drive = _part()
    boot_drive_count = _count()
    data_drive = _part(null=True)
    data_drive_count = _count()
    e1s_bays = _count()
    e1s_filler = _part(null=True)
    ocp_adapter = _part()
    mgmt_cables_per_node = _count()
    deployment = _choice(choices.Deployment)
    fabric = _choice(choices.ProfileFabric)
    source = _source()
    fabric_adapter = _part(null=True)
    storage_adapter_count = _count()
    dpu = _part(null=True)
    dpu_count = _count()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class NodePart(models.Model):
    """A part whose per-node quantity follows a fixed rule (`quantity` per node/CPU/GPU)."""

    profile = models.ForeignKey(NodeProfile, on_delete=models.CASCADE, related_name="parts")
    part = _part()
    quantity = _count(minimum=1)
    per = _choice(choices.PerUnit)
    section = _choice(choices.BomSection)
    rule = models.CharField(max_length=300)
    source = _source()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "part"], name="catalog_nodepart_unique")
        ]

    def __str__(self) -> str:
        return f"{self.profile.slug}: {self.quantity}× {self.part.part_number} per {self.per}"


class Cpu(models.Model):
    """Processor specs."""

    part = models.OneToOneField(Part, on_delete=models.PROTECT, related_name="cpu_spec")
    cores = _count(minimum=1)
    base_ghz = _dec()
    tdp_w = _count(minimum=1)
    source = _source()

    class Meta:
        verbose_name = "CPU"
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.part)


class Dimm(models.Model):
    """Memory module specs."""

    part = models.OneToOneField(Part, on_delete=models.PROTECT, related_name="dimm_spec")
    size_gb = _count(minimum=1)
    speed_mts = _count(minimum=1)
    source = _source()

    class Meta:
        verbose_name = "DIMM"
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.part)


class NetworkAdapter(models.Model):
    """Network adapter specs: ports × speed and the fabric it serves."""

    part = models.OneToOneField(Part, on_delete=models.PROTECT, related_name="adapter_spec")
    kind = _choice(choices.AdapterKind)
    ports = _count(minimum=1)
    port_speed_gbps = _dec()
    fabric = _choice(choices.AdapterFabric)
    source = _source()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.part)


class Switch(models.Model):
    """A compute-fabric or management switch with what a switch always brings along."""

    slug = _slug()
    name = models.CharField(max_length=100)
    role = _choice(choices.SwitchRole)
    fabric = _choice(choices.SwitchFabric)
    machine_type = _part(null=True)
    part = _part()
    ports = _count(minimum=1)
    port_speed_gbps = _dec()
    cages = _count(minimum=1)
    rack_units = _count(minimum=1)
    power_w = _count(minimum=1)
    rack_kit = _part(null=True)
    power_cord = _part(null=True)
    power_cords = _count()
    support = _part(null=True)
    mgmt_uplink = _part(null=True)
    source = _source()
    hardware_class = _part(null=True)

    class Meta:
        verbose_name_plural = "switches"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Cable(models.Model):
    """Cables and splitters: what they join (`kind`, `fabric`) and their fan-out."""

    part = models.OneToOneField(Part, on_delete=models.PROTECT, related_name="cable_spec")
    kind = _choice(choices.CableKind)
    fabric = _choice(choices.CableFabric)
    length_m = _dec(null=True)
    fanout = _count(minimum=1)
    gbps = _dec(null=True)
    colour = models.CharField(max_length=20, blank=True)
    source = _source()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.part)


class License(models.Model):
    """A software license or service, counted per `unit`, for `term_years`."""

    part = models.OneToOneField(Part, on_delete=models.PROTECT, related_name="license_spec")
    kind = _choice(choices.LicenseKind)
    unit = _choice(choices.LicenseUnit)
    term_years = _count(minimum=1, null=True)
    applies_to = _choice(choices.AppliesTo)
    source = _source()

    class Meta:
        verbose_name = "license or service"
        verbose_name_plural = "licenses and services"
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.part)


class PriceBook(models.Model):
    """A price list in one currency, valid from/to. `sample=True` marks invented, plausible
    prices (not Lenovo's): every page that shows them must say so."""

    code = models.CharField(
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", "Use letters, digits, - and _ only.")],
    )
    name = models.CharField(max_length=200)
    currency = models.CharField(
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO code such as USD.")],
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["-valid_from", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="catalog_pricebook_valid_to_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.currency})"


class Price(models.Model):
    """The unit price of a part in a price book, in the book's currency."""

    book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="prices")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="prices")
    unit_price = _dec(places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["book", "part"], name="catalog_price_unique")
        ]

    def __str__(self) -> str:
        return f"{self.book.code} {self.part.part_number} {self.unit_price}"


class CatalogRevision(models.Model):
    """A single row whose `number` goes up whenever the catalog changes (import, admin edit),
    so caches built from the catalog (the sizing engine's snapshot) know when to rebuild."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"catalog revision {self.number}"
