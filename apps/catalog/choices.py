"""Choices of the catalog: exactly the values allowed by fixtures/catalog/README.md."""

from django.db import models


class PartCategory(models.TextChoices):
    SERVER = "server"
    GPU_BASE = "gpu_base", "GPU base"
    CPU = "cpu", "CPU"
    MEMORY = "memory"
    GPU = "gpu", "GPU"
    GPU_BRIDGE = "gpu_bridge", "GPU bridge"
    NETWORK_ADAPTER = "network_adapter"
    STORAGE = "storage"
    RISER = "riser"
    POWER_SUPPLY = "power_supply"
    POWER_CABLE = "power_cable"
    CABLE = "cable"
    SPLITTER = "splitter"
    SWITCH = "switch"
    RACK_KIT = "rack_kit"
    SOFTWARE = "software"
    SERVICE = "service"
    SETTING = "setting"
    LABEL = "label"
    COMPONENT = "component"


class GpuLink(models.TextChoices):
    NVLINK_BRIDGE = "nvlink_bridge", "NVLink bridge (pairs)"
    NVSWITCH = "nvswitch", "NVSwitch"
    PCIE = "pcie", "PCIe only"


class FormFactor(models.TextChoices):
    PCIE = "pcie", "PCIe"
    SXM = "sxm", "SXM"


class Deployment(models.TextChoices):
    BARE_METAL = "bare_metal", "Bare metal"
    VIRTUAL = "virtual"
    ANY = "any"


class ProfileFabric(models.TextChoices):
    INFINIBAND = "infiniband", "InfiniBand"
    ETHERNET = "ethernet"
    ANY = "any"


class PerUnit(models.TextChoices):
    NODE = "node"
    CPU = "cpu", "CPU"
    GPU = "gpu", "GPU"


class BomSection(models.TextChoices):
    COMPUTE = "compute"
    SERVICES = "services"
    SOFTWARE = "software"


class AdapterKind(models.TextChoices):
    INFINIBAND = "infiniband", "InfiniBand"
    ETHERNET = "ethernet"
    DPU = "dpu", "DPU"
    MANAGEMENT = "management"


class AdapterFabric(models.TextChoices):
    INFINIBAND = "infiniband", "InfiniBand"
    ETHERNET = "ethernet"
    ANY = "any"
    MANAGEMENT = "management"


class SwitchRole(models.TextChoices):
    COMPUTE = "compute"
    MANAGEMENT = "management"


class SwitchFabric(models.TextChoices):
    INFINIBAND = "infiniband", "InfiniBand"
    ETHERNET = "ethernet"
    MANAGEMENT = "management"


class CableKind(models.TextChoices):
    SPLITTER = "splitter"
    ISL = "isl", "Inter-switch link"
    MGMT = "mgmt", "Management (Cat5e)"
    POWER = "power"
    TRANSCEIVER = "transceiver", "Optical transceiver (length = reach)"


class CableFabric(models.TextChoices):
    INFINIBAND = "infiniband", "InfiniBand"
    ETHERNET = "ethernet"
    MANAGEMENT = "management"
    POWER = "power"


class LicenseKind(models.TextChoices):
    SOFTWARE = "software"
    SERVICE = "service"


class LicenseUnit(models.TextChoices):
    PER_GPU = "per_gpu", "per GPU"
    PER_CPU_SOCKET = "per_cpu_socket", "per CPU socket"
    PER_SERVER = "per_server", "per server"
    PER_ENDPOINT = "per_endpoint", "per endpoint"
    PER_4_GPUS = "per_4_gpus", "per 4 GPUs"
    PER_SWITCH = "per_switch", "per switch"
    PER_CLUSTER = "per_cluster", "per cluster"


class AppliesTo(models.TextChoices):
    ALL = "all"
    VIRTUAL = "virtual", "Virtual (VMware)"
    BARE_METAL = "bare_metal", "Bare metal"
