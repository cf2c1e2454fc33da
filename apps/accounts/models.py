"""Organizations (the seller's own and its partners) and the users who belong to them."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .choices import ApiTokenScope, OrganizationKind, Role


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

    Roles: `sales` (seller staff), `manager` (a seller's sales manager: approves discounts
    above a sender's limit, sees every organization's quotes), `partner` (partner staff),
    `admin` (manages its organization; a seller admin sees all organizations).
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
    if role == Role.MANAGER and organization.kind != OrganizationKind.SELLER:
        return {"role": "The sales manager role is only for users of the seller organization."}
    return {}


class ApiToken(models.Model):
    """A partner's key to the REST API (`/api/v1/`), made and revoked in the portal.

    The token (`szp_<prefix>_<secret>`) is shown once, when it is made; only its SHA-256 is
    kept. `prefix` is public (shown in the portal, used to find the row); the hash is compared
    in constant time. Every token expires; `read` tokens may only use safe methods.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="what the token is for")
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        max_length=12, choices=ApiTokenScope.choices, default=ApiTokenScope.READ
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} (szp_{self.prefix}_…)"

    @property
    def can_write(self) -> bool:
        return self.scope == ApiTokenScope.READ_WRITE
