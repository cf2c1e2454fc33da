"""Choices of the accounts app."""

from django.db import models


class OrganizationKind(models.TextChoices):
    SELLER = "seller", "Seller"
    PARTNER = "partner", "Partner"


class Role(models.TextChoices):
    SALES = "sales", "Sales"
    # A seller's sales manager: approves discounts above a seller's or partner's limit.
    MANAGER = "manager", "Sales manager"
    PARTNER = "partner", "Partner"
    ADMIN = "admin", "Admin"


class ApiTokenScope(models.TextChoices):
    """What an API token may do: `read` allows only safe methods (GET, HEAD, OPTIONS)."""

    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"
