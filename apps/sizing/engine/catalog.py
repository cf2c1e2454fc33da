"""The catalog snapshot the engine sizes against: frozen dataclasses built from CSV-shaped rows.

(Longer than ~400 lines on purpose: one frozen dataclass and row reader per catalog table,
mirroring the CSV schema.)

Tables and columns are those of ``fixtures/catalog/README.md``. Prices are not part of the
snapshot: the engine never prices.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from .models.arch import ARCH_INT_FIELDS, ModelArch, simple_arch

Row = Mapping[str, str]
T = TypeVar("T")


class CatalogError(ValueError):
    """A catalog table is missing, or a row of it is malformed."""


def _text(row: Row, key: str) -> str:
    return (row.get(key) or "").strip()


def _int(row: Row, key: str, default: int | None = None) -> int:
    raw = _text(row, key)
    if raw == "" and default is not None:
        return default
    try:
        return int(float(raw))
    except ValueError as exc:
        raise CatalogError(f"column {key!r}: {raw!r} is not a number") from exc


def _float(row: Row, key: str, default: float | None = None) -> float:
    raw = _text(row, key)
    if raw == "" and default is not None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise CatalogError(f"column {key!r}: {raw!r} is not a number") from exc


def _opt_float(row: Row, key: str) -> float | None:
    return None if _text(row, key) == "" else _float(row, key)


def _bool(row: Row, key: str) -> bool:
    return _text(row, key).lower() == "true"


TBC_PREFIX = "TBC-"


def to_be_confirmed(part_number: str) -> bool:
    """True for a placeholder key (``TBC-…``): a part the architecture needs whose number is in
    neither the seed nor a cited Lenovo or NVIDIA document. It is counted, shown as "to be
    confirmed" and never priced (fixtures/catalog/README.md)."""
    return part_number.startswith(TBC_PREFIX)


@dataclass(frozen=True)
class Part:
    """A part number with its catalog description."""

    part_number: str
    description: str
    category: str
    orderable: bool
    source: str
    order: int


@dataclass(frozen=True, kw_only=True)
class Gpu:
    """A GPU model with its dense performance figures."""

    slug: str
    name: str
    part_number: str
    memory_gb: float
    memory_type: str
    memory_bandwidth_gbps: float
    tflops: Mapping[str, float | None]
    tdp_w: float
    link: str
    link_domain: int
    link_bandwidth_gbps: float
    form_factor: str
    bridge_part_number: str
    bridges_per_pair: int
    reference: bool
    source: str
    # The memory the GPU exposes (nvidia-smi's total, MiB) and where that figure comes from;
    # None when the catalog has none: hardware.device_memory_bytes then takes memory_gb x 1e9.
    memory_mib: int | None = None
    memory_mib_source: str = ""


@dataclass(frozen=True, kw_only=True)
class LlmModel:
    """Architecture facts of a language model."""

    slug: str
    name: str
    family: str
    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    ffn_size: int
    vocab_size: int
    context_length: int
    params_b: float
    active_params_b: float
    experts: int
    experts_per_token: int
    source: str
    arch: ModelArch | None = None

    @property
    def architecture(self) -> ModelArch:
        """The full architecture (head size, MLA, experts, windows); a Llama-shaped one built
        from the shape fields when the row gives no architecture columns."""
        if self.arch is not None:
            return self.arch
        kept: ModelArch | None = self.__dict__.get("_architecture")
        if kept is not None:  # built once per model: every sizing of it reads it
            return kept
        kept = self.__dict__["_architecture"] = simple_arch(
            self.layers,
            self.hidden_size,
            self.heads,
            self.kv_heads,
            self.ffn_size,
            self.vocab_size,
            self.context_length,
            self.experts,
            self.experts_per_token,
        )
        return kept

    @property
    def head_dim(self) -> float:
        """Size of one attention head (from the architecture, not hidden ÷ heads)."""
        return float(self.architecture.head_dim)


@dataclass(frozen=True, kw_only=True)
class Platform:
    """A server platform (chassis and GPU base)."""

    slug: str
    name: str
    gpu_base_part_number: str
    rack_units: int
    gpu_slots: int
    sockets: int
    dimm_slots: int
    memory_channels: int
    psu_count: int
    pcie_slots_for_adapters: int
    platform_overhead_w: float
    source: str


@dataclass(frozen=True, kw_only=True)
class NodeProfile:
    """How a node is built for a deployment and fabric."""

    slug: str
    name: str
    platform: str
    server_part_number: str
    cpu_part_number: str
    psu_part_number: str
    psu_power_cable_part_number: str
    boot_drive_part_number: str
    boot_drive_count: int
    data_drive_part_number: str
    data_drive_count: int
    e1s_bays: int
    e1s_filler_part_number: str
    ocp_adapter_part_number: str
    mgmt_cables_per_node: int
    deployment: str
    fabric: str
    fabric_adapter_part_number: str
    storage_adapter_count: int
    dpu_part_number: str
    dpu_count: int
    source: str


@dataclass(frozen=True)
class NodePart:
    """A fixed per-node part of a profile."""

    profile: str
    part_number: str
    quantity: int
    per: str
    section: str
    rule: str
    source: str


@dataclass(frozen=True)
class Cpu:
    """A processor."""

    part_number: str
    cores: int
    base_ghz: float
    tdp_w: float


@dataclass(frozen=True)
class Dimm:
    """A memory module."""

    part_number: str
    size_gb: int
    speed_mts: int


@dataclass(frozen=True)
class NetworkAdapter:
    """A network adapter or DPU."""

    part_number: str
    kind: str
    ports: int
    port_speed_gbps: float
    fabric: str


@dataclass(frozen=True, kw_only=True)
class Switch:
    """A compute or management switch and its accessory parts."""

    slug: str
    name: str
    role: str
    fabric: str
    machine_type_part_number: str
    part_number: str
    ports: int
    port_speed_gbps: float
    cages: int
    rack_units: int
    power_w: float
    rack_kit_part_number: str
    power_cord_part_number: str
    power_cords: int
    support_part_number: str
    mgmt_uplink_part_number: str
    hardware_class_part_number: str

    @property
    def cage_gbps(self) -> float:
        """Bandwidth of one physical cage."""
        return self.ports * self.port_speed_gbps / self.cages


@dataclass(frozen=True)
class Cable:
    """A cable: splitter, inter-switch link, management or power."""

    part_number: str
    kind: str
    fabric: str
    length_m: float
    fanout: int
    gbps: float | None
    colour: str


@dataclass(frozen=True)
class License:
    """A software licence or service and its counting unit."""

    part_number: str
    kind: str
    unit: str
    term_years: int | None
    applies_to: str


@dataclass(frozen=True, kw_only=True)
class CatalogSnapshot:
    """Everything the engine knows about orderable hardware, software and models."""

    parts: Mapping[str, Part]
    gpus: Mapping[str, Gpu]
    models: Mapping[str, LlmModel]
    platforms: Mapping[str, Platform]
    profiles: Sequence[NodeProfile]
    node_parts: Sequence[NodePart]
    cpus: Mapping[str, Cpu]
    dimms: Sequence[Dimm]
    adapters: Mapping[str, NetworkAdapter]
    switches: Sequence[Switch]
    cables: Sequence[Cable]
    licenses: Sequence[License]

    def part(self, part_number: str) -> Part:
        """Return the part, or raise CatalogError naming the missing part number."""
        try:
            return self.parts[part_number]
        except KeyError as exc:
            raise CatalogError(f"part {part_number!r} is not in parts") from exc

    def node_parts_of(self, profile: str) -> tuple[NodePart, ...]:
        """The fixed parts of one node profile, in table order (grouped once per snapshot:
        every sizing asks for its profile's)."""
        kept: dict[str, tuple[NodePart, ...]] | None = self.__dict__.get("_node_parts_of")
        if kept is None:
            groups: dict[str, list[NodePart]] = {}
            for part in self.node_parts:
                groups.setdefault(part.profile, []).append(part)
            kept = {slug: tuple(parts) for slug, parts in groups.items()}
            self.__dict__["_node_parts_of"] = kept
        return kept.get(profile, ())

    def profile(self, slug: str) -> NodeProfile:
        """Return the node profile with this slug."""
        for profile in self.profiles:
            if profile.slug == slug:
                return profile
        raise CatalogError(f"node profile {slug!r} is not in node_profiles")

    def compute_switch(self, fabric: str) -> Switch:
        """Return the compute switch of a fabric."""
        return self._switch("compute", fabric)

    def management_switch(self) -> Switch:
        """Return the management switch."""
        return self._switch("management", "management")

    def _switch(self, role: str, fabric: str) -> Switch:
        for switch in self.switches:
            if switch.role == role and switch.fabric == fabric:
                return switch
        raise CatalogError(f"no {role} switch for fabric {fabric!r}")

    def cable(self, kind: str, fabric: str) -> Cable:
        """Return the first cable of a kind on a fabric."""
        for cable in self.cables:
            if cable.kind == kind and cable.fabric == fabric:
                return cable
        raise CatalogError(f"no {kind} cable for fabric {fabric!r}")


def _parts(rows: Sequence[Row]) -> dict[str, Part]:
    return {
        _text(r, "part_number"): Part(
            _text(r, "part_number"),
            _text(r, "description"),
            _text(r, "category"),
            _bool(r, "orderable"),
            _text(r, "source"),
            index,
        )
        for index, r in enumerate(rows)
    }


def _gpu(r: Row) -> Gpu:
    tflops = {p: _opt_float(r, f"tflops_{p}") for p in ("bf16", "fp16", "fp8", "int8")}
    return Gpu(
        slug=_text(r, "slug"),
        name=_text(r, "name"),
        part_number=_text(r, "part_number"),
        memory_gb=_float(r, "memory_gb"),
        memory_mib=_int(r, "memory_mib") if _text(r, "memory_mib") else None,
        memory_mib_source=_text(r, "memory_mib_source"),
        memory_type=_text(r, "memory_type"),
        memory_bandwidth_gbps=_float(r, "memory_bandwidth_gbps"),
        tflops=tflops,
        tdp_w=_float(r, "tdp_w"),
        link=_text(r, "link"),
        link_domain=_int(r, "link_domain", 1),
        link_bandwidth_gbps=_float(r, "link_bandwidth_gbps", 0.0),
        form_factor=_text(r, "form_factor"),
        bridge_part_number=_text(r, "bridge_part_number"),
        bridges_per_pair=_int(r, "bridges_per_pair", 0),
        reference=_bool(r, "reference"),
        source=_text(r, "source"),
    )


def _model_arch(r: Row) -> ModelArch | None:
    """The architecture columns of an llm_models row (None when all are empty)."""
    extra: dict[str, Any] = {k: _int(r, k) for k in ARCH_INT_FIELDS if _text(r, k)}
    tied, matrices, vision = (
        _text(r, "tied_embeddings"),
        _text(r, "mlp_matrices"),
        _text(r, "vision_params_b"),
    )
    if not extra and not tied and not matrices and not vision:
        return None
    base = simple_arch(
        _int(r, "layers"),
        _int(r, "hidden_size"),
        _int(r, "heads"),
        _int(r, "kv_heads"),
        _int(r, "ffn_size"),
        _int(r, "vocab_size"),
        _int(r, "context_length"),
        _int(r, "experts", 1),
        _int(r, "experts_per_token", 1),
    )
    return replace(
        base,
        **extra,
        tied_embeddings=tied.lower() == "true",
        mlp_matrices=_int(r, "mlp_matrices", base.mlp_matrices),
        vision_params=_float(r, "vision_params_b", 0.0) * 1e9,
    )


def _model(r: Row) -> LlmModel:
    params = _float(r, "params_b")
    return LlmModel(
        slug=_text(r, "slug"),
        name=_text(r, "name"),
        family=_text(r, "family"),
        layers=_int(r, "layers"),
        hidden_size=_int(r, "hidden_size"),
        heads=_int(r, "heads"),
        kv_heads=_int(r, "kv_heads"),
        ffn_size=_int(r, "ffn_size"),
        vocab_size=_int(r, "vocab_size"),
        context_length=_int(r, "context_length"),
        params_b=params,
        active_params_b=_float(r, "active_params_b", params),
        experts=_int(r, "experts", 1),
        experts_per_token=_int(r, "experts_per_token", 1),
        source=_text(r, "source"),
        arch=_model_arch(r),
    )


def _platform(r: Row) -> Platform:
    return Platform(
        slug=_text(r, "slug"),
        name=_text(r, "name"),
        gpu_base_part_number=_text(r, "gpu_base_part_number"),
        rack_units=_int(r, "rack_units"),
        gpu_slots=_int(r, "gpu_slots"),
        sockets=_int(r, "sockets"),
        dimm_slots=_int(r, "dimm_slots"),
        memory_channels=_int(r, "memory_channels"),
        psu_count=_int(r, "psu_count"),
        pcie_slots_for_adapters=_int(r, "pcie_slots_for_adapters"),
        platform_overhead_w=_float(r, "platform_overhead_w"),
        source=_text(r, "source"),
    )


def _profile(r: Row) -> NodeProfile:
    return NodeProfile(
        slug=_text(r, "slug"),
        name=_text(r, "name"),
        platform=_text(r, "platform"),
        server_part_number=_text(r, "server_part_number"),
        cpu_part_number=_text(r, "cpu_part_number"),
        psu_part_number=_text(r, "psu_part_number"),
        psu_power_cable_part_number=_text(r, "psu_power_cable_part_number"),
        boot_drive_part_number=_text(r, "boot_drive_part_number"),
        boot_drive_count=_int(r, "boot_drive_count", 0),
        data_drive_part_number=_text(r, "data_drive_part_number"),
        data_drive_count=_int(r, "data_drive_count", 0),
        e1s_bays=_int(r, "e1s_bays", 0),
        e1s_filler_part_number=_text(r, "e1s_filler_part_number"),
        ocp_adapter_part_number=_text(r, "ocp_adapter_part_number"),
        mgmt_cables_per_node=_int(r, "mgmt_cables_per_node", 0),
        deployment=_text(r, "deployment") or "any",
        fabric=_text(r, "fabric") or "any",
        fabric_adapter_part_number=_text(r, "fabric_adapter_part_number"),
        storage_adapter_count=_int(r, "storage_adapter_count", 0),
        dpu_part_number=_text(r, "dpu_part_number"),
        dpu_count=_int(r, "dpu_count", 0),
        source=_text(r, "source"),
    )


def _node_part(r: Row) -> NodePart:
    return NodePart(
        _text(r, "profile"),
        _text(r, "part_number"),
        _int(r, "quantity"),
        _text(r, "per"),
        _text(r, "section"),
        _text(r, "rule"),
        _text(r, "source"),
    )


def _switch(r: Row) -> Switch:
    return Switch(
        slug=_text(r, "slug"),
        name=_text(r, "name"),
        role=_text(r, "role"),
        fabric=_text(r, "fabric"),
        machine_type_part_number=_text(r, "machine_type_part_number"),
        part_number=_text(r, "part_number"),
        ports=_int(r, "ports"),
        port_speed_gbps=_float(r, "port_speed_gbps"),
        cages=_int(r, "cages"),
        rack_units=_int(r, "rack_units"),
        power_w=_float(r, "power_w"),
        rack_kit_part_number=_text(r, "rack_kit_part_number"),
        power_cord_part_number=_text(r, "power_cord_part_number"),
        power_cords=_int(r, "power_cords", 0),
        support_part_number=_text(r, "support_part_number"),
        mgmt_uplink_part_number=_text(r, "mgmt_uplink_part_number"),
        hardware_class_part_number=_text(r, "hardware_class_part_number"),
    )


def _cable(r: Row) -> Cable:
    return Cable(
        _text(r, "part_number"),
        _text(r, "kind"),
        _text(r, "fabric"),
        _float(r, "length_m", 0.0),
        _int(r, "fanout", 1),
        _opt_float(r, "gbps"),
        _text(r, "colour"),
    )


def _license(r: Row) -> License:
    term = _text(r, "term_years")
    return License(
        _text(r, "part_number"),
        _text(r, "kind"),
        _text(r, "unit"),
        int(term) if term else None,
        _text(r, "applies_to") or "all",
    )


def _table(tables: Mapping[str, Sequence[Row]], name: str) -> Sequence[Row]:
    if name not in tables:
        raise CatalogError(f"catalog table {name!r} is missing")
    return tables[name]


def _each(tables: Mapping[str, Sequence[Row]], name: str, build: Callable[[Row], T]) -> list[T]:
    out: list[T] = []
    for line, row in enumerate(_table(tables, name), start=2):
        try:
            out.append(build(row))
        except CatalogError as exc:
            raise CatalogError(f"{name}:{line}: {exc}") from exc
    return out


def snapshot_from_rows(tables: Mapping[str, Sequence[Mapping[str, str]]]) -> CatalogSnapshot:
    """Build the frozen catalog snapshot from tables of CSV-shaped rows (column -> string)."""
    cpus = _each(
        tables,
        "cpus",
        lambda r: Cpu(
            _text(r, "part_number"), _int(r, "cores"), _float(r, "base_ghz"), _float(r, "tdp_w")
        ),
    )
    dimms = _each(
        tables,
        "dimms",
        lambda r: Dimm(_text(r, "part_number"), _int(r, "size_gb"), _int(r, "speed_mts", 0)),
    )
    adapters = _each(
        tables,
        "network_adapters",
        lambda r: NetworkAdapter(
            _text(r, "part_number"),
            _text(r, "kind"),
            _int(r, "ports"),
            _float(r, "port_speed_gbps"),
            _text(r, "fabric"),
        ),
    )
    snapshot = CatalogSnapshot(
        parts=_parts(_table(tables, "parts")),
        gpus={g.slug: g for g in _each(tables, "gpus", _gpu)},
        models={m.slug: m for m in _each(tables, "llm_models", _model)},
        platforms={p.slug: p for p in _each(tables, "platforms", _platform)},
        profiles=tuple(_each(tables, "node_profiles", _profile)),
        node_parts=tuple(_each(tables, "node_parts", _node_part)),
        cpus={c.part_number: c for c in cpus},
        dimms=tuple(sorted(dimms, key=lambda d: d.size_gb)),
        adapters={a.part_number: a for a in adapters},
        switches=tuple(_each(tables, "switches", _switch)),
        cables=tuple(_each(tables, "cables", _cable)),
        licenses=tuple(_each(tables, "licenses", _license)),
    )
    _check_references(snapshot)
    return snapshot


def _check_references(snapshot: CatalogSnapshot) -> None:
    refs = [np.part_number for np in snapshot.node_parts]
    refs += [g.part_number for g in snapshot.gpus.values()] + list(snapshot.cpus)
    refs += [d.part_number for d in snapshot.dimms] + [lic.part_number for lic in snapshot.licenses]
    missing = sorted({ref for ref in refs if ref and ref not in snapshot.parts})
    if missing:
        raise CatalogError(f"parts referenced but not in parts: {', '.join(missing)}")


def snapshot_from_csv_dir(path: str | Path) -> CatalogSnapshot:
    """Read every catalog CSV of a directory (file stem = table name) into a snapshot."""
    tables: dict[str, list[dict[str, str]]] = {}
    for file in sorted(Path(path).glob("*.csv")):
        with file.open(newline="", encoding="utf-8") as handle:
            tables[file.stem] = [dict(row) for row in csv.DictReader(handle)]
    return snapshot_from_rows(tables)
