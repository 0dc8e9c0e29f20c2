from django.contrib import admin

from .models import Department, Enterprise, Invitation, Membership, Provider, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "region"]
    search_fields = ["name_zh", "name_en"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "region"]
    search_fields = ["name", "uscc"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "status"]
    search_fields = ["name", "uscc"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only here: roles change through the site's audited services."""

    list_display = ["user", "role", "enterprise", "provider", "department", "is_owner"]
    list_filter = ["role"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "enterprise", "created_at", "accepted_at", "revoked_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
