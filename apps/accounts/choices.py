"""Choices of the accounts app."""
from django.db import models


class OrganizationKind(models.TextChoices):
    SELLER = "seller", "Seller"
    PARTNER = "partner", "Partner"


class Role(models.TextChoices):
    SALES = "sales", "Sales"
    PARTNER = "partner", "Partner"
    ADMIN = "admin", "Admin"
