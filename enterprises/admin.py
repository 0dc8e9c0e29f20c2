from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError

from .models import (
    Department,
    DishonestEntity,
    Document,
    Enterprise,
    EnterpriseClaim,
    GenAIFiling,
    InvestmentDeclaration,
    Invitation,
    Membership,
    Offering,
    Provider,
    Region,
)
from .services import dishonest_list_import, filing_list_import
from .services.credit import ImportResult


class ReadOnlyAdmin(admin.ModelAdmin):
    """Register records change only through the site's audited services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "name_en", "level"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["name_zh", "region"]
    search_fields = ["name_zh", "name_en"]


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ["name", "uscc", "region"]
    search_fields = ["name", "uscc"]


@admin.register(Provider)
class ProviderAdmin(ReadOnlyAdmin):
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


class ListUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file (UTF-8)"))


class ImportedListAdmin(admin.ModelAdmin):
    """A list whose entries come only from imports (the management command
    or this admin's upload page): read only, with an upload page that runs
    ``import_list`` (all or nothing) and says what it did. Templates:
    ``admin/enterprises/<model>/change_list.html`` and ``upload.html``."""

    import_list: Callable[..., ImportResult]
    upload_title = ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _name(self, suffix: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}_{meta.model_name}_{suffix}"

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name=self._name("upload"),
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        form = ListUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = self.import_list(
                    content=upload.read(), actor=request.user, source=upload.name
                )
            except ApplicationError as exc:
                for line in exc.message.splitlines():
                    form.add_error("file", line)
            else:
                self.message_user(
                    request,
                    _("Imported: %(c)d new, %(u)d updated, %(n)d unchanged.")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                    messages.SUCCESS,
                )
                return redirect(f"admin:{self._name('changelist')}")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": self.upload_title,
            "opts": self.model._meta,
        }
        meta = self.model._meta
        return render(
            request, f"admin/{meta.app_label}/{meta.model_name}/upload.html", context
        )


@admin.register(DishonestEntity)
class DishonestEntityAdmin(ImportedListAdmin):
    list_display = ["uscc", "name", "listed_on", "removed_on", "authority"]
    search_fields = ["uscc", "name"]
    change_list_template = "admin/enterprises/dishonestentity/change_list.html"
    import_list = staticmethod(dishonest_list_import)
    upload_title = _("Upload the dishonesty list")


@admin.register(GenAIFiling)
class GenAIFilingAdmin(ImportedListAdmin):
    list_display = [
        "filing_number",
        "model_name",
        "filer_name",
        "filed_on",
        "revoked_on",
    ]
    search_fields = ["filing_number", "model_name", "filer_name"]
    list_filter = ["region"]
    change_list_template = "admin/enterprises/genaifiling/change_list.html"
    import_list = staticmethod(filing_list_import)
    upload_title = _("Upload the generative-AI filing list")


@admin.register(EnterpriseClaim)
class EnterpriseClaimAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "claimant", "status", "created_at", "decided_at"]
    list_filter = ["status"]


@admin.register(InvestmentDeclaration)
class InvestmentDeclarationAdmin(ReadOnlyAdmin):
    list_display = [
        "enterprise",
        "year",
        "version",
        "it_amount",
        "ai_amount",
        "superseded_at",
    ]


@admin.register(Offering)
class OfferingAdmin(ReadOnlyAdmin):
    list_display = ["provider", "kind", "name", "unit", "list_price", "is_active"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "content_type", "size", "uploaded_at"]
