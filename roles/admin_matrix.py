"""The roles admin's matrix editor, at ``admin/roles/role/<id>/matrix/``: a role's whole matrix
(or one domain of it) as a grid of cells to edit at once, and the form that adds a skill.

:class:`~roles.admin.RoleAdmin` mounts it (:func:`matrix_urls`, from its ``get_urls``) and is its
host: the editor asks it for permissions, messages, the admin's page context and to apply the
curator's changes, so an edit made here is an admin version like every other admin edit.

Saving compares the posted grid with the role as it was at the version the grid was opened at,
so a stale grid neither reverts a colleague's later edits nor reports them; when a colleague
changed the cells the curator edited, nothing is saved and the grid comes back at the current
version with those cells marked (⚠) and named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BoundField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from roles.changes.base import Change
from roles.changes.state import RoleState
from roles.changes.types import AddSkill, RemoveSkill, SetRequirement
from roles.errors import ChangeConflict, RoleChangeError
from roles.models import Role, Skill, SkillDomain
from roles.presenters import MatrixCell, MatrixDomain, MatrixRow, RoleMatrix, role_matrix_drops
from roles.scale import CODES
from roles.selectors import role_matrix_for, role_state_from_matrix, role_version_state
from roles.services import slug_for_name

if TYPE_CHECKING:
    # Only for the annotations: roles.admin imports this module to mount the editor.
    from roles.admin import RoleAdmin


# A grid cell: the matrix cell, its code select and its "mandatory" box; a row: the matrix row,
# its cells and its "remove" box.
GridCell = tuple[MatrixCell, BoundField, BoundField]
GridRow = tuple[MatrixRow, list[GridCell], BoundField]


class MatrixGridForm(forms.Form):
    """One select and one "mandatory" box per cell of the role's matrix (or of one domain),
    a "remove" box per skill, and the version the grid was opened at.

    Only what the curator changed becomes a change: the posted grid is compared with the role
    as it was at that version, so a colleague's later edits are neither reverted nor reported
    as conflicts unless the curator touched the same cells."""

    CODE_CHOICES = (("", "—"), *((code, code) for code in CODES))

    base_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, matrix: RoleMatrix, domain_slug: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        self.fields["base_version"].initial = matrix.role.current_version
        self.grid: list[tuple[MatrixDomain, list[GridRow]]] = []
        for group in matrix.domains:
            if domain_slug and group.domain.slug != domain_slug:
                continue
            rows = []
            for row in group.rows:
                cells = []
                for cell in row.cells:
                    cells.append(self._cell_fields(row, cell))
                self.fields[f"remove__{row.skill.slug}"] = forms.BooleanField(
                    required=False, label=_("remove")
                )
                rows.append((row, cells, self[f"remove__{row.skill.slug}"]))
            self.grid.append((group, rows))

    def _cell_fields(self, row: MatrixRow, cell: MatrixCell) -> GridCell:
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
        return cell, self[f"code__{key}"], self[f"mandatory__{key}"]

    def changes(self, before: RoleState) -> list[Change]:
        """What the curator changed relative to ``before`` (the role at the form's base
        version): cells whose code or mandatory flag differ (details stay), and removals."""
        changes: list[Change] = []
        for _group, rows in self.grid:
            for row, cells, remove in rows:
                skill = row.skill.slug
                if self.cleaned_data[remove.name]:
                    if before.skill(skill) is not None:
                        changes.append(RemoveSkill(skill=skill))
                    continue
                for cell, code_field, mandatory_field in cells:
                    code = self.cleaned_data[code_field.name] or None
                    mandatory = self.cleaned_data[mandatory_field.name]
                    old = before.cell(skill, cell.level.code)
                    was = (old.code, old.mandatory) if old else None
                    now = (code, mandatory) if code else None
                    if was != now and before.skill(skill) is not None:
                        changes.append(
                            SetRequirement(
                                skill=skill, level=cell.level.code, code=code, mandatory=mandatory
                            )
                        )
        return changes + self._edits_of_vanished_skills(before)

    def _edits_of_vanished_skills(self, before: RoleState) -> list[Change]:
        """Edits posted for skills the grid no longer shows (removed by someone else since the
        form's version). They become changes too, so they are reported as conflicts rather than
        silently dropped."""
        shown = {row.skill.slug for _group, rows in self.grid for row, _cells, _remove in rows}
        changes: list[Change] = []
        for skill in before.skills:
            if skill.slug in shown:
                continue
            if self.data.get(f"remove__{skill.slug}"):
                changes.append(RemoveSkill(skill=skill.slug))
                continue
            for level in before.levels:
                posted = self.data.get(f"code__{skill.slug}__{level.code}")
                if posted is None or (posted and posted not in CODES):
                    continue
                old = skill.cells.get(level.code)
                mandatory = bool(self.data.get(f"mandatory__{skill.slug}__{level.code}"))
                was = (old.code, old.mandatory) if old else None
                now = (posted, mandatory) if posted else None
                if was != now:
                    changes.append(
                        SetRequirement(
                            skill=skill.slug,
                            level=level.code,
                            code=posted or None,
                            mandatory=mandatory,
                        )
                    )
        return changes


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
        for field in ("new_skill_name", "new_domain_name"):
            name = data.get(field, "").strip()
            if name and not slug_for_name_or_none(name):
                self.add_error(
                    field,
                    _("“%(name)s” gives an empty slug: use letters or digits.") % {"name": name},
                )
        return data

    def changes(self) -> list[Change]:
        data = self.cleaned_data
        skill: Skill | None = data["skill"]
        domain: SkillDomain | None = data["domain"]
        name = data["new_skill_name"].strip()
        domain_name = data["new_domain_name"].strip()
        return [
            AddSkill(
                skill=skill.slug if skill else slug_for_name(name),
                name=skill.name if skill else name,
                description=skill.description if skill else "",
                domain=domain.slug if domain else slug_for_name(domain_name),
                domain_name=domain.name if domain else domain_name,
            )
        ]


def slug_for_name_or_none(name: str) -> str | None:
    try:
        return slug_for_name(name)
    except ValueError:
        return None


def matrix_urls(role_admin: RoleAdmin) -> list[URLPattern]:
    """The editor's address among the role admin's (``admin:roles_role_matrix``)."""

    def view(request: HttpRequest, object_id: str) -> HttpResponse:
        return matrix_view(role_admin, request, object_id)

    return [
        path(
            "<path:object_id>/matrix/",
            role_admin.admin_site.admin_view(view),
            name="roles_role_matrix",
        )
    ]


def matrix_view(role_admin: RoleAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """The grid and the add-a-skill form; a POST saves one of them as one version."""
    role = get_object_or_404(Role.objects.select_related("family"), pk=object_id)
    if not role_admin.has_change_permission(request, role):
        raise PermissionDenied
    domain_slug = request.GET.get("domain", "")
    matrix = role_matrix_for(role)
    posted_grid = request.method == "POST" and "save_grid" in request.POST
    grid = MatrixGridForm(
        request.POST if posted_grid else None, matrix=matrix, domain_slug=domain_slug
    )
    add_form = AddSkillForm(request.POST if "add_skill" in request.POST else None)
    conflicts: list[str] = []
    if request.method == "POST":
        done = False
        try:
            if posted_grid and grid.is_valid():
                done = _save_grid(role_admin, request, role, matrix, grid)
            elif "add_skill" in request.POST and add_form.is_valid():
                done = _add_skill(role_admin, request, role, add_form)
        except ChangeConflict as exc:
            conflicts = exc.places
            role_admin.message_user(
                request,
                _(
                    "Nothing was saved: since you opened the grid (version %(base)d), "
                    "others changed what you edited. The grid now shows version "
                    "%(version)d; the cells marked ⚠ changed. Check them and make your "
                    "edits again."
                )
                % {"base": exc.base_version, "version": role.current_version},
                level=messages.ERROR,
            )
            # A fresh grid at the current version: re-posting the old one would revert.
            role.refresh_from_db()
            matrix = role_matrix_for(role)
            grid = MatrixGridForm(matrix=matrix, domain_slug=domain_slug)
        except RoleChangeError as exc:
            role_admin.message_refusal(request, exc)
        if done:
            return HttpResponseRedirect(request.get_full_path())
    context = {
        **role_admin.admin_site.each_context(request),
        "opts": role_admin.model._meta,
        "original": role,
        "role": role,
        "matrix": matrix,
        "grid": grid,
        "add_form": add_form,
        "conflicts": {p.removeprefix("cell:").replace(":", "__") for p in conflicts},
        "conflict_words": [_place_words(place) for place in conflicts],
        "drops": role_matrix_drops(matrix),
        "domain_slug": domain_slug,
        "title": _("Matrix of %(role)s") % {"role": role.title},
    }
    return TemplateResponse(request, "admin/roles/role/matrix.html", context)


def _save_grid(
    role_admin: RoleAdmin,
    request: HttpRequest,
    role: Role,
    matrix: RoleMatrix,
    grid: MatrixGridForm,
) -> bool:
    base = grid.cleaned_data["base_version"]
    before = (
        role_state_from_matrix(matrix)
        if base == role.current_version
        else role_version_state(role=role, number=base)
    )
    version = role_admin.apply_changes(request, role, grid.changes(before), base_version=base)
    if version is None:
        role_admin.message_user(request, _("Nothing changed."), level=messages.INFO)
    else:
        role_admin.message_user(
            request,
            _("Saved: version %(version)d.") % {"version": version.number},
            level=messages.SUCCESS,
        )
    return True


def _add_skill(role_admin: RoleAdmin, request: HttpRequest, role: Role, form: AddSkillForm) -> bool:
    version = role_admin.apply_changes(request, role, form.changes())
    if version is not None:
        role_admin.message_user(
            request,
            _("Added a skill: version %(version)d.") % {"version": version.number},
            level=messages.SUCCESS,
        )
    return True


def _place_words(place: str) -> str:
    """A conflicting place as curators read it: "docker / senior", "skill docker"."""
    kind, _sep, rest = place.partition(":")
    if kind == "cell":
        return rest.replace(":", " / ")
    return f"{kind} {rest}".strip()
