"""Curators' admin: the registrations of the roles models and the pages of RoleAdmin (import,
export, a version's download). Every change to a role's content goes through roles.services, so
admin edits are versioned exactly like imports and accepted proposals.

The matrix grid editor is :mod:`roles.admin_matrix`, mounted by ``RoleAdmin.get_urls``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from roles.admin_matrix import matrix_urls
from roles.admin_sheet import sheet_urls
from roles.changes.base import Change
from roles.changes.errors import ChangeError
from roles.changes.parts import SetScale, SetTrack
from roles.changes.state import SITE_FRAMEWORK, Cell
from roles.document import RoleDocumentError, dumps_role_document
from roles.errors import RoleChangeError
from roles.forms import (
    FrameworkAdminForm,
    LevelAdminForm,
    RequirementAdminForm,
    RoleAdminForm,
    RoleImportForm,
    ScaleAdminForm,
    SharedPartForm,
    SkillAdminForm,
    TrackAdminForm,
)
from roles.framework_document import document_write
from roles.models import (
    Framework,
    Level,
    Requirement,
    Role,
    RoleFamily,
    RoleSkill,
    RoleVersion,
    Scale,
    Skill,
    SkillDomain,
    Track,
)
from roles.presenters import role_matrix_drops
from roles.selectors import role_document_build, role_matrix_for, version_state
from roles.services import (
    RoleImportResult,
    changes_for_cells,
    document_import,
    global_entry_update,
    role_change_apply,
    role_delete,
    scale_write,
    track_write,
)
from roles.templatetags.roles_tags import cell_change_words, change_words


def _json_download(document: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(dumps_role_document(document), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _curator(request: HttpRequest) -> User:
    """The signed-in staff member acting in the admin (the admin lets no one else in)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    return request.user


def _changed_fields(form: forms.ModelForm[Any]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data}


def _admin_apply(
    request: HttpRequest, role: Role, changes: list[Change], **kwargs: Any
) -> RoleVersion | None:
    """Apply curators' changes to a role as one admin version."""
    return role_change_apply(
        role=role,
        changes=changes,
        author=_curator(request),
        source=RoleVersion.Source.ADMIN,
        **kwargs,
    )


def refusal_messages(exc: RoleChangeError) -> list[str]:
    """Why the domain refused a curator's change, in the curator's language where it has words.

    A :class:`ChangeError` gives one line per problem in the API's words, translated: they name
    the role, skill or level they are about, as an admin message shown above the page needs
    (the members' words lean on a form field beside them: "Required for this change."), and
    they drop the JSON path of a change list the curator never wrote. Other refusals (a slug
    taken, a name without a slug) keep their one English line."""
    if isinstance(exc, ChangeError):
        return [problem.message for problem in exc.problems]
    return [str(exc)]


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Rows written only by services (imports, edits elsewhere): viewable, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GlobalEntryAdmin(admin.ModelAdmin[Any]):
    """Skills, domains and families are shared: a rename versions every role that shows them."""

    search_fields = ("name", "slug")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The slug is the identity roles and ratings share: it never changes once made.
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> dict[str, Sequence[str]]:
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


class LevelInline(admin.TabularInline[Level, Role]):
    model = Level
    fields = readonly_fields = ("order", "code", "name", "short_name", "focus", "stack")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Levels are added and removed by importing the role's document.
        return False


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
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

    def get_fields(self, request: HttpRequest, obj: Role | None = None) -> Any:
        # A v2 role also says how it is shown and how it is graded.
        fields = tuple(super().get_fields(request, obj))
        if obj is not None and obj.markdown:
            at = fields.index("is_published") + 1
            return (*fields[:at], "layout", "grading_rule", *fields[at:])
        return fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return (
            super()
            .get_queryset(request)
            .select_related("family")
            .annotate(skill_count=Count("role_skills"))
        )

    @admin.display(description=_("skills"), ordering="skill_count")
    def skill_count(self, obj: Role) -> int:
        return int(obj.skill_count)  # type: ignore[attr-defined] # annotated by get_queryset

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
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a> · '
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:roles_role_matrix", args=[obj.pk]),
            _("Edit matrix"),
            reverse("admin:roles_role_export", args=[obj.pk]),
            _("Export JSON"),
            reverse("admin:roles_role_sheet_xlsx", args=[obj.pk]),
            _("Export XLSX"),
            reverse("admin:roles_role_sheet_csv", args=[obj.pk]),
            _("Export CSV"),
            reverse("roles:detail", args=[obj.slug]),
            _("View on site"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A role starts from a role file (the import page): the format guarantees it has its
        # levels, which nothing else in the admin can create.
        return False

    def save_model(self, request: HttpRequest, obj: Role, form: Any, change: bool) -> None:
        try:
            version = _admin_apply(request, obj, form.changes())
        except RoleChangeError as exc:
            # The form validated, so this is rare (say, a slug taken meanwhile): say why.
            self.message_refusal(request, exc)
            return
        if version is None:
            self.message_user(request, _("Nothing changed."), level=messages.INFO)

    def apply_changes(
        self, request: HttpRequest, role: Role, changes: list[Change], **kwargs: Any
    ) -> RoleVersion | None:
        """Apply the curator's changes to a role as one admin version (for the matrix editor)."""
        return _admin_apply(request, role, changes, **kwargs)

    def message_refusal(self, request: HttpRequest, exc: RoleChangeError) -> None:
        """Tell the curator why the domain refused a change: one message per reason."""
        for line in refusal_messages(exc):
            self.message_user(request, line, level=messages.ERROR)

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
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

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="roles_role_import"),
            path("<path:object_id>/export/", view(self.export_view), name="roles_role_export"),
            *matrix_urls(self),
            *sheet_urls(self),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        role = get_object_or_404(Role.objects.select_related("family"), pk=object_id)
        if not self.has_view_permission(request, role):
            raise PermissionDenied
        return _json_download(role_document_build(role_matrix_for(role)), f"{role.slug}.json")

    def _say_imported(self, request: HttpRequest, result: RoleImportResult) -> None:
        if result.version is None:
            self.message_user(
                request,
                _("%(role)s already says all this: nothing changed (version %(version)d).")
                % {"role": result.role.title, "version": result.role.current_version},
                level=messages.INFO,
            )
        else:
            self.message_user(
                request,
                _("Imported %(role)s as version %(version)d.")
                % {"role": result.role.title, "version": result.version.number},
                level=messages.SUCCESS,
            )
        for line in result.differences:
            self.message_user(request, line, level=messages.WARNING)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(["roles.add_role", "roles.change_role"]):
            raise PermissionDenied
        form = RoleImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                results = document_import(raw=form.cleaned_data["file"], author=_curator(request))
            except RoleDocumentError as exc:
                form.add_error("file", str(exc))
            else:
                for result in results:
                    self._say_imported(request, result)
                if len(results) != 1:
                    return HttpResponseRedirect(reverse("admin:roles_role_changelist"))
                return HttpResponseRedirect(
                    reverse("admin:roles_role_change", args=[results[0].role.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import a role"),
        }
        return TemplateResponse(request, "admin/roles/role/import.html", context)


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin[Level]):
    form = LevelAdminForm
    list_display = ("role", "order", "code", "name", "short_name")
    list_filter = ("role",)
    list_select_related = ("role",)
    fields = ("role", "code", "order", "name", "short_name", "focus", "stack")
    readonly_fields = ("role", "code", "order")

    def get_fields(self, request: HttpRequest, obj: Level | None = None) -> Any:
        # A v2 level also has its band across roles, its track and its sections.
        if obj is not None and obj.role.markdown:
            return (*self.fields, "rank", "track", "level_sections")
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Level, form: Any, change: bool) -> None:
        if _admin_apply(request, obj.role, form.changes()) is None:
            self.message_user(request, _("Nothing changed."), level=messages.INFO)


@admin.register(SkillDomain)
class SkillDomainAdmin(GlobalEntryAdmin):
    list_display = ("name", "slug", "framework")
    list_filter = ("framework",)
    fields = ("framework", "slug", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["framework", "slug"] if obj is not None else []


def _is_v2_skill(skill: Skill | None) -> bool:
    return skill is not None and skill.framework.slug != SITE_FRAMEWORK


@admin.register(Skill)
class SkillAdmin(GlobalEntryAdmin):
    list_display = ("name", "slug", "framework", "scale")
    list_filter = ("framework",)
    list_select_related = ("framework", "scale")
    fields = ("framework", "slug", "name", "description")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["framework", "slug"] if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Skill | None = None) -> Any:
        # A v2 skill (a framework's own) also has its scale and what it looks like at each step.
        if _is_v2_skill(obj):
            return (*self.fields, "skill_scale", "step_content")
        return self.fields

    def get_form(
        self, request: HttpRequest, obj: Skill | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if _is_v2_skill(obj):
            kwargs["form"] = SkillAdminForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not (change and isinstance(form, SkillAdminForm)):
            super().save_model(request, obj, form, change)
            return
        renamed = {
            n: form.cleaned_data[n] for n in form.changed_data if n in ("name", "description")
        }
        versions = []
        if renamed:
            versions += global_entry_update(entry=obj, author=_curator(request), fields=renamed)
        shared = form.shared_changes()
        if shared:
            # Through one role that shows it; the framework's other roles follow.
            version = _admin_apply(request, form.roles()[0], shared)
            versions += [version] if version is not None else []
        if not versions:
            self.message_user(request, _("Nothing changed."), level=messages.INFO)


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin[Requirement]):
    """Single cells, mainly for their details text; the grid edits many at once."""

    list_display = ("role_skill", "level", "code", "is_mandatory")
    list_filter = ("role_skill__role", "level__code", "code", "is_mandatory")
    list_select_related = ("role_skill__role", "role_skill__skill", "level__role")
    search_fields = ("role_skill__skill__name", "details")
    fields = ("role_skill", "level", "code", "is_mandatory", "details")
    readonly_fields = ("role_skill", "level")
    v2_fields = (
        "role_skill",
        "level",
        "code",
        "is_mandatory",
        "summary",
        "details",
        "examples",
        "cell_links",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Requirement | None = None) -> Any:
        # A v2 cell: a step of its skill's scale or n/a, with its structured words.
        return self.v2_fields if obj is not None and obj.level.role.markdown else self.fields

    def get_form(
        self,
        request: HttpRequest,
        obj: Requirement | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        if obj is not None and obj.level.role.markdown:
            kwargs["form"] = RequirementAdminForm
        return super().get_form(request, obj, change, **kwargs)

    def _apply(self, request: HttpRequest, cells: list[Requirement], *, empty: bool) -> None:
        """Save these cells as edited (or empty them): one version per role touched."""
        by_role: dict[int, list[Requirement]] = defaultdict(list)
        for cell in cells:
            by_role[cell.level.role_id].append(cell)
        for role_cells in by_role.values():
            changes = changes_for_cells(
                (
                    cell.role_skill.skill.slug,
                    cell.level.code,
                    None
                    if empty
                    else Cell(code=cell.code, mandatory=cell.is_mandatory, details=cell.details),
                )
                for cell in role_cells
            )
            _admin_apply(request, role_cells[0].level.role, changes)

    def save_model(self, request: HttpRequest, obj: Requirement, form: Any, change: bool) -> None:
        if isinstance(form, RequirementAdminForm):
            if _admin_apply(request, obj.level.role, [form.cell_change()]) is None:
                self.message_user(request, _("Nothing changed."), level=messages.INFO)
            return
        self._apply(request, [obj], empty=False)

    def delete_model(self, request: HttpRequest, obj: Requirement) -> None:
        self._apply(request, [obj], empty=True)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Requirement]) -> None:
        cells = list(queryset.select_related("role_skill__skill", "level__role"))
        self._apply(request, cells, empty=True)


class SharedPartAdmin(admin.ModelAdmin[Any]):
    """A part a framework shares (a scale, a track, the framework itself): a save is one change
    set through one role that shows it, and the framework's other roles that show it follow
    (one version each); a part no role shows yet is written directly (no role to version)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Parts come and go with the framework's documents, which say where they are used.
        return False

    def write_unused(self, obj: Any, form: SharedPartForm) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        roles = form.roles()
        if not roles:
            self.write_unused(obj, form)
            return
        if _admin_apply(request, roles[0], form.shared_changes()) is None:
            self.message_user(request, _("Nothing changed."), level=messages.INFO)


@admin.register(Scale)
class ScaleAdmin(SharedPartAdmin):
    form = ScaleAdminForm
    list_display = ("name", "slug", "framework")
    list_filter = ("framework",)
    list_select_related = ("framework",)
    fields = ("framework", "slug", "name", "description", "scale_steps")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["framework", "slug"] if obj is not None else []

    def write_unused(self, obj: Scale, form: SharedPartForm) -> None:
        change = cast(SetScale, form.shared_change())
        row = scale_write(
            framework=form.cleaned_data.get("framework") or obj.framework, scale=change.scale
        )
        obj.pk = row.pk  # the admin's messages and log link the saved row


@admin.register(Track)
class TrackAdmin(SharedPartAdmin):
    form = TrackAdminForm
    list_display = ("name", "code", "framework")
    list_filter = ("framework",)
    list_select_related = ("framework",)
    fields = ("framework", "code", "name", "description")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["framework", "code"] if obj is not None else []

    def write_unused(self, obj: Track, form: SharedPartForm) -> None:
        change = cast(SetTrack, form.shared_change())
        row = track_write(
            framework=form.cleaned_data.get("framework") or obj.framework, track=change.track
        )
        obj.pk = row.pk


@admin.register(Framework)
class FrameworkAdmin(SharedPartAdmin):
    form = FrameworkAdminForm
    list_display = ("name", "slug")
    fields = ("slug", "name", "description", "framework_source")
    readonly_fields = ("slug",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A framework comes with its document (the import page).
        return False

    def write_unused(self, obj: Framework, form: SharedPartForm) -> None:
        # No role to version: the framework's own row is all there is.
        obj.source = json.dumps(form.cleaned_data["framework_source"], ensure_ascii=False)
        obj.full_clean()
        obj.save(update_fields=["name", "description", "source"])


@admin.register(RoleSkill)
class RoleSkillAdmin(ReadOnlyAdmin):
    """Read-only: where a skill sits in a role changes through the matrix page or an import."""

    list_display = ("role", "order", "skill", "domain")
    list_filter = ("role", "domain")
    list_select_related = ("role", "skill", "domain")


def _snapshot_document(version: RoleVersion) -> dict[str, Any]:
    """A version's snapshot in the export's key order (a jsonb column keeps its own order)."""
    return document_write(version_state(version))


@admin.register(RoleVersion)
class RoleVersionAdmin(ReadOnlyAdmin):
    list_display = ("role", "number", "source", "author", "message", "created_at", "download")
    list_filter = ("role", "source")
    list_select_related = ("role", "author")
    fields = readonly_fields = (
        "role",
        "number",
        "source",
        "author",
        "proposal_id",
        "message",
        "created_at",
        "change_list",
        "cells_changed",
        "snapshot_text",
        "download",
    )

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("admin/roles/matrix.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleVersion]:
        # The list shows no snapshot: spare loading one per row (a version's page loads its own).
        return super().get_queryset(request).defer("snapshot")

    @admin.display(description=_("changes"))
    def change_list(self, obj: RoleVersion) -> str:
        if not obj.changes:
            return "—"
        return format_html(
            "<ol>{}</ol>",
            format_html_join("", "<li>{}</li>", ((change_words(c),) for c in obj.changes)),
        )

    @admin.display(description=_("changed cells"))
    def cells_changed(self, obj: RoleVersion) -> str:
        if not obj.changed_cells:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>{}</li>", ((cell_change_words(c),) for c in obj.changed_cells)
            ),
        )

    @admin.display(description=_("snapshot"))
    def snapshot_text(self, obj: RoleVersion) -> str:
        return format_html(
            '<pre class="snapshot-text">{}</pre>',
            dumps_role_document(_snapshot_document(obj)),
        )

    @admin.display(description=_("snapshot file"))
    def download(self, obj: RoleVersion) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:roles_roleversion_download", args=[obj.pk]),
            _("Download JSON"),
        )

    def get_urls(self) -> list[URLPattern]:
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
        return _json_download(
            _snapshot_document(version), f"{version.role.slug}-v{version.number}.json"
        )
