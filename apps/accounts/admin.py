from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "organization", "role", "is_active", "is_staff"]
    list_filter = ["role", "organization", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "email", "first_name", "last_name", "organization__name"]
    list_select_related = ["organization"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Organization", {"fields": ("organization", "role")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Organization", {"fields": ("organization", "role")}),
    )
