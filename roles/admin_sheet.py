"""The admin's spreadsheet import and export of a role's matrix (:mod:`roles.spreadsheet`).

Import takes two steps: the upload is read and checked — every problem named by its cell — and
what it would change is shown; only the confirmation writes, through
:func:`roles.services.sheet_import`. The checked document travels to the confirmation signed,
so what is confirmed is exactly what was previewed. Mounted by ``RoleAdmin.get_urls``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from roles.document import RoleDocumentError
from roles.models import Framework, Role
from roles.selectors import role_matrix_for, role_state_from_matrix
from roles.services import sheet_import
from roles.spreadsheet import (
    MAX_FILE_BYTES,
    SpreadsheetError,
    spreadsheet_document,
    spreadsheet_read,
    spreadsheet_write,
)

if TYPE_CHECKING:
    from roles.admin import RoleAdmin

_SIGNING_SALT = "roles.admin_sheet"
_CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class SheetImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"), help_text=_("A .xlsx or .csv file laid out as skills × levels.")
    )
    framework_slug = forms.SlugField(label=_("Framework slug"), max_length=100)
    framework_name = forms.CharField(
        label=_("Framework name"),
        max_length=500,
        required=False,
        help_text=_("For a new framework; an existing one keeps its name."),
    )
    role_slug = forms.SlugField(label=_("Role slug"), max_length=100)
    role_title = forms.CharField(label=_("Role title"), max_length=500)
    family_name = forms.CharField(label=_("Family"), max_length=500)
    scale_name = forms.CharField(
        label=_("Scale name"),
        max_length=500,
        required=False,
        help_text=_("For a legend other than A/W/E: the scale's name (its slug follows)."),
    )

    def clean_file(self) -> tuple[bytes, str]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        return upload.read(), upload.name or ""

    def document(self) -> dict[str, Any]:
        """The v2 document of the upload; raises SpreadsheetError naming each bad cell."""
        data, name = self.cleaned_data["file"]
        framework = self.cleaned_data["framework_slug"]
        existing = Framework.objects.filter(slug=framework).first()
        family = self.cleaned_data["family_name"].strip()
        scale = self.cleaned_data["scale_name"].strip()
        return spreadsheet_document(
            spreadsheet_read(data, filename=name),
            framework_slug=framework,
            framework_name=existing.name
            if existing
            else self.cleaned_data["framework_name"] or framework,
            role_slug=self.cleaned_data["role_slug"],
            role_title=self.cleaned_data["role_title"],
            family_slug=slugify(family)[:100] or "roles",
            family_name=family,
            scale_slug=slugify(scale)[:100],
            scale_name=scale,
        )


def _preview(request: HttpRequest, form: SheetImportForm) -> dict[str, Any]:
    """Check the upload and say what it would do; {} (with errors on the form) when refused."""
    try:
        document = form.document()
        preview = sheet_import(document=document)
    except SpreadsheetError as exc:
        for problem in exc.problems:
            form.add_error("file", str(problem))
        return {}
    except RoleDocumentError as exc:
        form.add_error(None, str(exc))
        return {}
    return {
        "preview": preview,
        "signed": signing.dumps(document, salt=_SIGNING_SALT, compress=True),
    }


def _confirm(request: HttpRequest) -> HttpResponse | None:
    try:
        document = signing.loads(request.POST.get("signed", ""), salt=_SIGNING_SALT)
    except signing.BadSignature:
        return None
    try:
        done = sheet_import(document=document, author=request.user, apply=True)  # type: ignore[arg-type]
    except RoleDocumentError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:roles_role_sheet_import"))
    for result in done.results:
        if result.version is not None:
            messages.success(
                request,
                gettext("Imported %(role)s as version %(version)d.")
                % {"role": result.role.title, "version": result.version.number},
            )
    role = Role.objects.get(slug=done.role)
    return HttpResponseRedirect(reverse("admin:roles_role_change", args=[role.pk]))


def sheet_import_view(role_admin: RoleAdmin, request: HttpRequest) -> HttpResponse:
    if not request.user.has_perms(["roles.add_role", "roles.change_role"]):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        answer = _confirm(request)
        if answer is not None:
            return answer
        messages.error(request, gettext("The preview was altered or is too old: upload again."))
    form = SheetImportForm(
        request.POST if "preview" in request.POST else None,
        request.FILES if "preview" in request.POST else None,
    )
    extra: dict[str, Any] = {}
    if "preview" in request.POST and form.is_valid():
        extra = _preview(request, form)
    context = {
        **role_admin.admin_site.each_context(request),
        "opts": role_admin.model._meta,
        "form": form,
        "title": _("Import a spreadsheet"),
        **extra,
    }
    return TemplateResponse(request, "admin/roles/role/sheet_import.html", context)


def sheet_export_view(
    role_admin: RoleAdmin, request: HttpRequest, object_id: str, kind: Literal["xlsx", "csv"]
) -> HttpResponse:
    role = get_object_or_404(Role.objects.select_related("family", "framework"), pk=object_id)
    if not role_admin.has_view_permission(request, role):
        raise PermissionDenied
    state = role_state_from_matrix(role_matrix_for(role))
    try:
        content = spreadsheet_write(state, kind=kind)
    except ValueError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:roles_role_change", args=[role.pk]))
    response = HttpResponse(content, content_type=_CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{role.slug}.{kind}"'
    return response


def sheet_urls(role_admin: RoleAdmin) -> list[URLPattern]:
    """The import (``admin:roles_role_sheet_import``) and the exports
    (``admin:roles_role_sheet_xlsx``, ``admin:roles_role_sheet_csv``)."""
    view = role_admin.admin_site.admin_view

    def importing(request: HttpRequest) -> HttpResponse:
        return sheet_import_view(role_admin, request)

    def xlsx(request: HttpRequest, object_id: str) -> HttpResponse:
        return sheet_export_view(role_admin, request, object_id, "xlsx")

    def csv(request: HttpRequest, object_id: str) -> HttpResponse:
        return sheet_export_view(role_admin, request, object_id, "csv")

    return [
        path("import-spreadsheet/", view(importing), name="roles_role_sheet_import"),
        path("<path:object_id>/matrix.xlsx", view(xlsx), name="roles_role_sheet_xlsx"),
        path("<path:object_id>/matrix.csv", view(csv), name="roles_role_sheet_csv"),
    ]
