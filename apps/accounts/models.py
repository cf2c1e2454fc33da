"""Organizations (the seller's own and its partners) and the users who belong to them."""
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .choices import OrganizationKind, Role


class Organization(models.Model):
    """A tenant: the seller itself (kind `seller`) or one of its partners (kind `partner`).

    Everything a user creates later (scenarios, quotes) belongs to an organization; who sees
    what is decided in one place, `apps.accounts.selectors`.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=OrganizationKind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A portal user. Every user belongs to an organization, except superusers (so that
    `createsuperuser` can bootstrap an empty installation); the database enforces this.

    Roles: `sales` (seller staff), `partner` (partner staff), `admin` (manages its organization;
    a seller admin sees all organizations).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.SALES)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(is_superuser=True),
                name="accounts_user_organization_required_unless_superuser",
            )
        ]

    def clean(self) -> None:
        super().clean()
        errors = role_errors(self.role, self.organization, is_superuser=self.is_superuser)
        if errors:
            raise ValidationError(errors)


def role_errors(
    role: str, organization: Organization | None, *, is_superuser: bool
) -> dict[str, str]:
    """Why a role/organization combination is not allowed (empty dict if it is)."""
    if organization is None:
        if is_superuser:
            return {}
        return {"organization": "Every user except a superuser needs an organization."}
    if role == Role.PARTNER and organization.kind != OrganizationKind.PARTNER:
        return {"role": "The partner role is only for users of a partner organization."}
    if role == Role.SALES and organization.kind != OrganizationKind.SELLER:
        return {"role": "The sales role is only for users of the seller organization."}
    return {}
