"""Curators' admin. Every change to a role's content goes through roles.services, so admin
edits are versioned exactly like imports and accepted proposals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from roles.document import CODES, RoleDocumentError, dumps_role_document
from roles.models import (
    Level,
    Requirement,
    Role,
    RoleFamily,
    RoleSkill,
    RoleVersion,
    Skill,
    SkillDomain,
)
from roles.selectors import role_document_build, role_matrix_drops, role_matrix_for
from roles.services import (
    CellChange,
    RoleChangeError,
    global_entry_update,
    level_update,
    role_cells_update,
    role_delete,
    role_import,
    role_skill_add,
    role_skill_remove,
    role_update,
)


def _json_download(document: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(dumps_role_document(document), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _curator(request: HttpRequest) -> User:
    """The signed-in staff member acting in the admin (the admin lets no one else in)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return request.user


def _changed_fields(form: forms.ModelForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data}


class LinesField(forms.Field):
    """A list of strings edited one per line (key domains, a level's stack)."""

    widget = forms.Textarea(attrs={"rows": 6, "cols": 40})

    def prepare_value(self, value: Any) -> str:
        return "\n".join(value) if isinstance(value, list) else (value or "")

    def to_python(self, value: Any) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class RoleAdminForm(forms.ModelForm):
    key_domains = LinesField(required=False, help_text=_("One domain name per line."))

    class Meta:
        model = Role
        fields = "__all__"  # noqa: DJ007 - the admin's own fieldset lists what is shown


class LevelAdminForm(forms.ModelForm):
    stack = LinesField(required=False, help_text=_("One technology per line, in order."))

    class Meta:
        model = Level
        fields = ("name", "short_name", "focus", "stack")


class RoleImportForm(forms.Form):
    file = forms.FileField(
        label=_("Role file"), help_text=_("A skillsmatrix.role/v1 JSON document.")
    )

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."))
        return upload.read()


class AddSkillForm(forms.Form):
    skill = forms.ModelChoiceField(
        queryset=Skill.objects.all(), required=False, label=_("Existing skill")
    )
    new_skill_name = forms.CharField(max_length=200, required=False, label=_("or a new skill"))
    domain = forms.ModelChoiceField(
        queryset=SkillDomain.objects.all(), required=False, label=_("Existing domain")
    )
    new_domain_name = forms.CharField(max_length=200, required=False, label=_("or a new domain"))

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        if bool(data.get("skill")) == bool(data.get("new_skill_name")):
            raise ValidationError(_("Choose an existing skill or name a new one (not both)."))
        if bool(data.get("domain")) == bool(data.get("new_domain_name")):
            raise ValidationError(_("Choose an existing domain or name a new one (not both)."))
        return data


class MatrixGridForm(forms.Form):
    """One select and one "mandatory" box per cell of the role's matrix (or of one domain)."""

    CODE_CHOICES = (("", "—"), *((code, code) for code in CODES))

    def __init__(self, *args: Any, matrix: Any, domain_slug: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        self.grid: list[tuple[Any, list[tuple[Any, Any, Any]]]] = []
        for group in matrix.domains:
            if domain_slug and group.domain.slug != domain_slug:
                continue
            rows = []
            for row in group.rows:
                cells = []
                for cell in row.cells:
                    key = f"{row.skill.slug}__{cell.level.code}"
                    requirement = cell.requirement
                    self.fields[f"code__{key}"] = forms.ChoiceField(
                        choices=self.CODE_CHOICES,
                        required=False,
                        initial=requirement.code if requirement else "",
                        label=f"{row.skill.name} · {cell.level.name}",
                    )
                    self.fields[f"mandatory__{key}"] = forms.BooleanField(
                        required=False,
                        initial=requirement.is_mandatory if requirement else True,
                        label=_("mandatory"),
                    )
                    cells.append((cell, self[f"code__{key}"], self[f"mandatory__{key}"]))
                self.fields[f"remove__{row.skill.slug}"] = forms.BooleanField(
                    required=False, label=_("remove")
                )
                rows.append((row, cells, self[f"remove__{row.skill.slug}"]))
            self.grid.append((group, rows))

    def changes(self) -> tuple[list[CellChange], list[Skill]]:
        """The cells whose code or mandatory flag changed (details are kept), and the skills
        ticked for removal."""
        changes: list[CellChange] = []
        removed: list[Skill] = []
        for _group, rows in self.grid:
            for row, cells, remove in rows:
                if self.cleaned_data[remove.name]:
                    removed.append(row.skill)
                    continue
                for cell, code_field, mandatory_field in cells:
                    code = self.cleaned_data[code_field.name] or None
                    mandatory = self.cleaned_data[mandatory_field.name]
                    requirement = cell.requirement
                    before = (requirement.code, requirement.is_mandatory) if requirement else None
                    after = (code, mandatory) if code else None
                    if before != after:
                        changes.append(
                            CellChange(
                                row.skill.slug,
                                cell.level.code,
                                code,
                                mandatory,
                                requirement.details if requirement else "",
                            )
                        )
        return changes, removed


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (imports, edits elsewhere): viewable, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GlobalEntryAdmin(admin.ModelAdmin):
    """Skills, domains and families are shared: a rename versions every role that shows them."""

    search_fields = ("name", "slug")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The slug is the identity roles and ratings share: it never changes once made.
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict:
        return {} if obj is not None else {"slug": ["name"]}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            global_entry_update(entry=obj, author=_curator(request), fields=_changed_fields(form))
        else:
            obj.full_clean()
            obj.save()


@admin.register(RoleFamily)
class RoleFamilyAdmin(GlobalEntryAdmin):
    list_display = ("name", "slug")


class LevelInline(admin.TabularInline):
    model = Level
    fields = readonly_fields = ("order", "code", "name", "short_name", "focus", "stack")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Levels are added and removed by importing the role's document.
        return False


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleAdminForm
    list_display = (
        "title",
        "family",
        "is_published",
        "current_version",
        "skill_count",
        "links",
    )
    list_filter = ("family", "is_published")
    search_fields = ("title", "slug", "tagline")
    prepopulated_fields: ClassVar[dict[str, Sequence[str]]] = {"slug": ("title",)}
    readonly_fields = ("current_version", "updated_at", "health", "links")
    fields = (
        "family",
        "title",
        "slug",
        "tagline",
        "description",
        "key_domains",
        "is_published",
        "current_version",
        "updated_at",
        "health",
        "links",
    )
    inlines = (LevelInline,)
    actions = ("export_selected",)
    change_list_template = "admin/roles/role/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return (
            super()
            .get_queryset(request)
            .select_related("family")
            .annotate(skill_count=Count("role_skills"))
        )

    @admin.display(description=_("skills"), ordering="skill_count")
    def skill_count(self, obj: Role) -> int:
        return obj.skill_count  # type: ignore[attr-defined] # annotated by get_queryset

    @admin.display(description=_("matrix health"))
    def health(self, obj: Role) -> str:
        drops = role_matrix_drops(role_matrix_for(obj))
        if not drops:
            return format_html('<span title="{}">✓</span>', _("No requirement drops"))
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:roles_role_matrix", args=[obj.pk]),
            ngettext(
                "%(count)d requirement drops from one level to the next",
                "%(count)d requirements drop from one level to the next",
                len(drops),
            )
            % {"count": len(drops)},
        )

    @admin.display(description=_("tools"))
    def links(self, obj: Role) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:roles_role_matrix", args=[obj.pk]),
            _("Edit matrix"),
            reverse("admin:roles_role_export", args=[obj.pk]),
            _("Export JSON"),
            reverse("roles:detail", args=[obj.slug]),
            _("View on site"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A role starts from a role file (the import page): the format guarantees it has its
        # levels, which nothing else in the admin can create.
        return False

    def save_model(self, request: HttpRequest, obj: Role, form: Any, change: bool) -> None:
        role_update(role=obj, author=_curator(request), fields=_changed_fields(form))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        # Levels, versions and skill placements belong to the role and are never deleted on
        # their own (their admins refuse it); that must not stop the role itself being deleted.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        owned = {model._meta.verbose_name for model in (Level, RoleSkill, RoleVersion)}
        return deleted, model_count, perms_needed - owned, protected

    def delete_model(self, request: HttpRequest, obj: Role) -> None:
        role_delete(role=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Role]) -> None:
        for role in queryset:
            role_delete(role=role)

    @admin.action(description=_("Export selected roles as JSON"))
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Role]) -> HttpResponse:
        if queryset.count() != 1:
            self.message_user(request, _("Export one role at a time."), level=messages.WARNING)
            return HttpResponseRedirect(request.get_full_path())
        role = queryset.get()
        return self.export_view(request, str(role.pk))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="roles_role_import"),
            path("<path:object_id>/export/", view(self.export_view), name="roles_role_export"),
            path("<path:object_id>/matrix/", view(self.matrix_view), name="roles_role_matrix"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        role = get_object_or_404(Role.objects.select_related("family"), pk=object_id)
        if not self.has_view_permission(request, role):
            raise PermissionDenied
        return _json_download(role_document_build(role_matrix_for(role)), f"{role.slug}.json")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(["roles.add_role", "roles.change_role"]):
            raise PermissionDenied
        form = RoleImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = role_import(raw=form.cleaned_data["file"], author=_curator(request))
            except RoleDocumentError as exc:
                form.add_error("file", str(exc))
            else:
                self.message_user(
                    request,
                    _("Imported %(role)s as version %(version)d.")
                    % {"role": result.role.title, "version": result.version.number},
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:roles_role_change", args=[result.role.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import a role"),
        }
        return TemplateResponse(request, "admin/roles/role/import.html", context)

    def matrix_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        role = get_object_or_404(Role.objects.select_related("family"), pk=object_id)
        if not self.has_change_permission(request, role):
            raise PermissionDenied
        domain_slug = request.GET.get("domain", "")
        matrix = role_matrix_for(role)
        grid = MatrixGridForm(
            request.POST if "save_grid" in request.POST else None,
            matrix=matrix,
            domain_slug=domain_slug,
        )
        add_form = AddSkillForm(request.POST if "add_skill" in request.POST else None)
        if request.method == "POST":
            done = False
            try:
                if "save_grid" in request.POST and grid.is_valid():
                    done = self._save_grid(request, role, grid)
                elif "add_skill" in request.POST and add_form.is_valid():
                    done = self._add_skill(request, role, add_form.cleaned_data)
            except RoleChangeError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            if done:
                return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": role,
            "role": role,
            "matrix": matrix,
            "grid": grid,
            "add_form": add_form,
            "drops": role_matrix_drops(matrix),
            "domain_slug": domain_slug,
            "title": _("Matrix of %(role)s") % {"role": role.title},
        }
        return TemplateResponse(request, "admin/roles/role/matrix.html", context)

    def _save_grid(self, request: HttpRequest, role: Role, grid: MatrixGridForm) -> bool:
        changes, removed = grid.changes()
        version = role_cells_update(role=role, changes=changes, author=_curator(request))
        for skill in removed:
            version = role_skill_remove(role=role, skill=skill, author=_curator(request))
        if version is None:
            self.message_user(request, _("Nothing changed."), level=messages.INFO)
        else:
            self.message_user(
                request,
                _("Saved: version %(version)d.") % {"version": version.number},
                level=messages.SUCCESS,
            )
        return True

    def _add_skill(self, request: HttpRequest, role: Role, data: dict[str, Any]) -> bool:
        skill = data["skill"] or data["new_skill_name"]
        domain = data["domain"] or data["new_domain_name"]
        version = role_skill_add(role=role, skill=skill, domain=domain, author=_curator(request))
        self.message_user(
            request,
            _("Added %(skill)s: version %(version)d.")
            % {"skill": str(skill), "version": version.number},
            level=messages.SUCCESS,
        )
        return True


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    form = LevelAdminForm
    list_display = ("role", "order", "code", "name", "short_name")
    list_filter = ("role",)
    list_select_related = ("role",)
    fields = ("role", "code", "order", "name", "short_name", "focus", "stack")
    readonly_fields = ("role", "code", "order")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Level, form: Any, change: bool) -> None:
        level_update(level=obj, author=_curator(request), fields=_changed_fields(form))


@admin.register(SkillDomain)
class SkillDomainAdmin(GlobalEntryAdmin):
    list_display = ("name", "slug")


@admin.register(Skill)
class SkillAdmin(GlobalEntryAdmin):
    list_display = ("name", "slug")


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    """Single cells, mainly for their details text; the grid edits many at once."""

    list_display = ("role_skill", "level", "code", "is_mandatory")
    list_filter = ("role_skill__role", "level__code", "code", "is_mandatory")
    list_select_related = ("role_skill__role", "role_skill__skill", "level__role")
    search_fields = ("role_skill__skill__name", "details")
    fields = ("role_skill", "level", "code", "is_mandatory", "details")
    readonly_fields = ("role_skill", "level")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def _apply(self, request: HttpRequest, cells: list[Requirement], *, empty: bool) -> None:
        """Save these cells as edited (or empty them): one version per role touched."""
        by_role: dict[int, list[Requirement]] = defaultdict(list)
        for cell in cells:
            by_role[cell.level.role_id].append(cell)
        for role_cells in by_role.values():
            role_cells_update(
                role=role_cells[0].level.role,
                author=_curator(request),
                changes=[
                    CellChange(
                        cell.role_skill.skill.slug,
                        cell.level.code,
                        None if empty else cell.code,
                        cell.is_mandatory,
                        cell.details,
                    )
                    for cell in role_cells
                ],
            )

    def save_model(self, request: HttpRequest, obj: Requirement, form: Any, change: bool) -> None:
        self._apply(request, [obj], empty=False)

    def delete_model(self, request: HttpRequest, obj: Requirement) -> None:
        self._apply(request, [obj], empty=True)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Requirement]) -> None:
        cells = list(queryset.select_related("role_skill__skill", "level__role"))
        self._apply(request, cells, empty=True)


@admin.register(RoleSkill)
class RoleSkillAdmin(ReadOnlyAdmin):
    """Read-only: where a skill sits in a role changes through the matrix page or an import."""

    list_display = ("role", "order", "skill", "domain")
    list_filter = ("role", "domain")
    list_select_related = ("role", "skill", "domain")


@admin.register(RoleVersion)
class RoleVersionAdmin(ReadOnlyAdmin):
    list_display = ("role", "number", "source", "author", "message", "created_at", "download")
    list_filter = ("role", "source")
    list_select_related = ("role", "author")
    readonly_fields = ("role", "number", "source", "author", "message", "created_at", "snapshot")

    @admin.display(description=_("snapshot"))
    def download(self, obj: RoleVersion) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:roles_roleversion_download", args=[obj.pk]),
            _("Download JSON"),
        )

    def get_urls(self) -> list:
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="roles_roleversion_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        version = get_object_or_404(RoleVersion.objects.select_related("role"), pk=object_id)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        return _json_download(version.snapshot, f"{version.role.slug}-v{version.number}.json")
