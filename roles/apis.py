"""Public read API of the roles domain (DESIGN §7): roles, their export, versions, skills."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from roles.changes.state import (
    AWE,
    LAYOUTS,
    Cell,
    LevelState,
    RoleState,
    ScaleState,
    TrackState,
)
from roles.models import Framework
from roles.presenters import RoleMatrix
from roles.selectors import (
    domain_list,
    framework_document_public,
    framework_list,
    framework_page_get,
    framework_source,
    role_compare,
    role_document_build,
    role_get,
    role_list,
    role_matrix_for,
    role_state_from_matrix,
    role_v2_document_build,
    role_version_get,
    role_version_list,
    skill_list,
)
from skillsmatrix.api import ListApi

# What the documentation shows of each operation: made-up data in the shape of the worked
# example (roles/data/harbour-works.framework.json), trimmed to one of each part.
_EXAMPLE_SOURCE = {
    "url": "https://example.org/harbour-works/framework",
    "licence": "CC BY 4.0",
    "attribution": "Harbour Works (an example organisation)",
    "version": "2026.2",
}
_EXAMPLE_SCALE = {
    "slug": "proficiency",
    "name": "Proficiency",
    "description": "How much of a skill someone shows.",
    "steps": [
        {"code": "P1", "name": "Learning", "description": "Does it with help.", "points": None},
        {"code": "P2", "name": "Practising", "description": "Does it alone.", "points": None},
    ],
}
# The frameworks a fresh site has (its own) and the worked example, for the slug of each
# framework operation.
FRAMEWORK_SLUG = OpenApiParameter(
    "slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    examples=[
        OpenApiExample("The worked example", value="harbour-works"),
        OpenApiExample("The site's own framework", value="skillsmatrix"),
    ],
)
_EXAMPLE_TRACK = {"code": "ic", "name": "Individual contributor", "description": ""}
FRAMEWORK_LIST_EXAMPLE = OpenApiExample(
    "A framework",
    value={
        "slug": "harbour-works",
        "name": "Harbour Works engineering framework",
        "description": "An example framework that uses every part of format v2.",
        "source": _EXAMPLE_SOURCE,
        "role_count": 4,
        "url": "https://skills.example.org/api/v1/frameworks/harbour-works/",
    },
    response_only=True,
)
FRAMEWORK_DETAIL_EXAMPLE = OpenApiExample(
    "A framework with its parts",
    value={
        **FRAMEWORK_LIST_EXAMPLE.value,
        "scales": [_EXAMPLE_SCALE],
        "tracks": [_EXAMPLE_TRACK],
        "domains": [{"slug": "delivery", "name": "Delivery", "description": ""}],
        "roles": [
            {
                "slug": "hw-software-engineer",
                "title": "Software Engineer",
                "layout": "matrix",
                "url": "https://skills.example.org/api/v1/roles/hw-software-engineer/",
            }
        ],
    },
    response_only=True,
)
FRAMEWORK_EXPORT_EXAMPLE = OpenApiExample(
    "A v2 document",
    value={
        "format": "skillsmatrix.framework/v2",
        "framework": {"slug": "harbour-works", "name": "Harbour Works engineering framework"},
        "scales": [{key: _EXAMPLE_SCALE[key] for key in ("slug", "name")}],
        "roles": [{"slug": "hw-software-engineer", "title": "Software Engineer"}],
    },
    response_only=True,
)
ROLE_EXPORT_EXAMPLE = OpenApiExample(
    "A v1 document",
    value={
        "format": "skillsmatrix.role/v1",
        "role": {"slug": "mlops-engineer", "title": "MLOps Engineer"},
        "levels": [{"code": "junior", "name": "Junior", "short": "Jun"}],
        "domains": [],
    },
    response_only=True,
)
ROLE_DETAIL_EXAMPLE = OpenApiExample(
    "A v2 role",
    value={
        "slug": "hw-software-engineer",
        "title": "Software Engineer",
        "tagline": "Builds and runs the software.",
        "description": "Software engineers at **Harbour Works**.",
        "family": {"slug": "engineering", "name": "Engineering"},
        "key_domains": ["delivery"],
        "version": 1,
        "levels": [
            {
                "code": "staff",
                "name": "Staff Engineer",
                "short": "Staff",
                "focus": "",
                "stack": [],
                "rank": 4,
                "track": "ic",
                "sections": [{"title": "Scope", "text": "", "items": ["Several teams"]}],
            }
        ],
        "domains": [
            {
                "slug": "delivery",
                "name": "Delivery",
                "skills": [
                    {
                        "slug": "hw-testing",
                        "name": "Testing",
                        "description": "",
                        "scale": "proficiency",
                        "requirements": {
                            "staff": {
                                "code": "P2",
                                "mandatory": True,
                                "details": "",
                                "summary": "Designs the test strategy.",
                                "examples": ["Introduced contract tests"],
                                "links": [{"title": "Guide", "url": "https://example.org/t"}],
                            }
                        },
                    }
                ],
            }
        ],
        "framework": {"slug": "harbour-works", "name": "Harbour Works", "licence": "CC BY 4.0"},
        "layout": "matrix",
        "markdown": True,
        "scales": [_EXAMPLE_SCALE],
        "tracks": [_EXAMPLE_TRACK],
    },
    response_only=True,
)


@extend_schema_serializer(component_name="Family")
class FamilySerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="Link")
class LinkSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(required=False)
    url = serializers.URLField()


@extend_schema_serializer(component_name="CellContent")
class CellSerializer(serializers.Serializer[Any]):
    # A step code of the skill's scale: which codes a scale has is data, so the schema cannot
    # list them (A, W and E on the built-in scale, where v1 roles have all their cells).
    code = serializers.CharField(
        allow_blank=True,
        help_text="A step code of the skill's scale (A, W or E on the built-in A/W/E); n/a: "
        "the skill does not apply at this level (never counted); empty: a cell with content "
        "only.",
    )
    mandatory = serializers.BooleanField()
    details = serializers.CharField(allow_blank=True)
    # Format v2's structured content: only in cells that have some, so a v1 cell is unchanged.
    summary = serializers.CharField(required=False)
    examples = serializers.ListField(child=serializers.CharField(), required=False)
    links = LinkSerializer(many=True, required=False)


@extend_schema_serializer(component_name="RoleCell")
class RoleCellSerializer(CellSerializer):
    pass


def _cell_data(cell: Cell | None) -> dict[str, Any] | None:
    return cell.as_json() if cell is not None else None


@extend_schema_serializer(component_name="LevelSection")
class SectionSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    items = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="ScaleStep")
class StepSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    points = serializers.FloatField(allow_null=True, help_text="null: the step gives no points.")


@extend_schema_serializer(component_name="Scale")
class ScaleSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    steps = StepSerializer(many=True, help_text="Lowest first.")


@extend_schema_serializer(component_name="Track")
class TrackSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="RoleFramework")
class RoleFrameworkSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    licence = serializers.CharField(allow_blank=True)


def _scale_data(scale: ScaleState) -> dict[str, Any]:
    return {
        "slug": scale.slug,
        "name": scale.name,
        "description": scale.description,
        "steps": [
            {
                "code": step.code,
                "name": step.name,
                "description": step.description,
                "points": step.points,
            }
            for step in scale.steps
        ],
    }


def _track_data(track: TrackState) -> dict[str, Any]:
    return {"code": track.code, "name": track.name, "description": track.description}


def _level_data(level: LevelState) -> dict[str, Any]:
    return {
        "code": level.code,
        "name": level.name,
        "focus": level.focus,
        "stack": list(level.stack),
        "rank": level.rank,
        "track": level.track,
        "sections": [
            {"title": section.title, "text": section.text, "items": list(section.items)}
            for section in level.sections
        ],
    }


def _role_scales(state: RoleState) -> list[dict[str, Any]]:
    """The scales a role's skills use, in the order of first use (awe: with its own names)."""
    slugs = dict.fromkeys(skill.scale or AWE for skill in state.skills)
    return [_scale_data(state.scale(slug)) for slug in slugs]


class RoleListApi(ListApi):
    @extend_schema_serializer(component_name="RoleSummary")
    class OutputSerializer(serializers.Serializer[Any]):
        slug = serializers.CharField()
        title = serializers.CharField()
        tagline = serializers.CharField()
        family = FamilySerializer()
        version = serializers.IntegerField(source="current_version")
        skill_count = serializers.IntegerField()
        level_count = serializers.IntegerField()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description="words of the title, tagline, description, family, a skill, "
                "a level name or a stack item",
            ),
            OpenApiParameter("family", OpenApiTypes.STR, description="family slug"),
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        roles = role_list(
            search=request.query_params.get("search", "").strip()[:100],
            family_slug=request.query_params.get("family", "").strip()[:100],
        )
        return self.paginate(request, roles, self.OutputSerializer)


class RoleDetailApi(APIView):
    @extend_schema_serializer(component_name="RoleDetail")
    class OutputSerializer(serializers.Serializer[Any]):
        @extend_schema_serializer(component_name="RoleLevel")
        class LevelSerializer(serializers.Serializer[Any]):
            code = serializers.CharField()
            name = serializers.CharField()
            short = serializers.CharField(source="short_name")
            focus = serializers.CharField()
            stack = serializers.ListField(child=serializers.CharField())
            rank = serializers.IntegerField(
                allow_null=True,
                help_text="The band the level sits on across the framework's roles; null: none.",
            )
            track = serializers.CharField(
                allow_blank=True,
                help_text="The code of the level's track; empty: on every path.",
            )
            sections = SectionSerializer(many=True)

        @extend_schema_serializer(component_name="RoleDomain")
        class DomainSerializer(serializers.Serializer[Any]):
            @extend_schema_serializer(component_name="RoleSkill")
            class SkillSerializer(serializers.Serializer[Any]):
                slug = serializers.CharField()
                name = serializers.CharField()
                description = serializers.CharField(allow_blank=True)
                scale = serializers.CharField(
                    help_text="The slug of the skill's scale (awe: the built-in A/W/E), whose "
                    "step codes its cells use."
                )
                requirements = serializers.DictField(
                    child=RoleCellSerializer(allow_null=True),
                    help_text="Each level's cell by level code; null for an empty cell.",
                )

            slug = serializers.CharField()
            name = serializers.CharField()
            skills = SkillSerializer(many=True)

        slug = serializers.CharField()
        title = serializers.CharField()
        tagline = serializers.CharField()
        description = serializers.CharField()
        family = FamilySerializer()
        key_domains = serializers.ListField(child=serializers.CharField())
        version = serializers.IntegerField()
        levels = LevelSerializer(many=True)
        domains = DomainSerializer(many=True)
        framework = RoleFrameworkSerializer()
        layout = serializers.ChoiceField(choices=list(LAYOUTS))
        markdown = serializers.BooleanField(
            help_text="Whether the long texts (descriptions, focus, details) are Markdown "
            "(format v2) or plain text (format v1)."
        )
        scales = ScaleSerializer(
            many=True, help_text="The scales the role's skills use, A/W/E (awe) included."
        )
        tracks = TrackSerializer(many=True, help_text="The tracks the role's levels are on.")

    @staticmethod
    def _data(matrix: RoleMatrix) -> dict[str, Any]:
        role = matrix.role
        state = role_state_from_matrix(matrix)
        skills = {skill.slug: skill for skill in state.skills}
        return {
            "slug": role.slug,
            "title": role.title,
            "tagline": role.tagline,
            "description": role.description,
            "family": role.family,
            "key_domains": role.key_domains,
            "version": role.current_version,
            "levels": [{**_level_data(level), "short_name": level.short} for level in state.levels],
            "domains": [
                {
                    "slug": group.domain.slug,
                    "name": group.domain.name,
                    "skills": [
                        {
                            "slug": row.skill.slug,
                            "name": row.skill.name,
                            "description": row.skill.description,
                            "scale": skills[row.skill.slug].scale or AWE,
                            "requirements": {
                                cell.level.code: _cell_data(
                                    skills[row.skill.slug].cells.get(cell.level.code)
                                )
                                for cell in row.cells
                            },
                        }
                        for row in group.rows
                    ],
                }
                for group in matrix.domains
            ],
            "framework": {
                "slug": role.framework.slug,
                "name": role.framework.name,
                "licence": framework_source(role.framework).get("licence", ""),
            },
            "layout": state.layout_kind,
            "markdown": state.markdown,
            "scales": _role_scales(state),
            "tracks": [_track_data(track) for track in state.tracks],
        }

    @extend_schema(responses=OutputSerializer, examples=[ROLE_DETAIL_EXAMPLE])
    def get(self, request: Request, slug: str) -> Response:
        matrix = role_matrix_for(role_get(slug=slug))
        return Response(self.OutputSerializer(self._data(matrix)).data)


class QueryFormatIsData(DefaultContentNegotiation):
    """DRF's negotiation, except that ``?format=`` is the operation's own parameter (the
    document's format), not a choice of renderer: the API answers JSON only."""

    # Only URL_FORMAT_OVERRIDE is read from it (in select_renderer).
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]


EXPORT_FORMATS = ("v2",)


class RoleExportApi(APIView):
    content_negotiation_class = QueryFormatIsData
    error_statuses: ClassVar[dict[str, str]] = {
        "400": "format is not one of the allowed values (the message names them)."
    }

    class InputSerializer(serializers.Serializer[Any]):
        format = serializers.ChoiceField(
            choices=list(EXPORT_FORMATS),
            required=False,
            help_text="v2: always the skillsmatrix.framework/v2 document, even for a role "
            "format v1 holds. Left out: v1 when v1 holds the role exactly, v2 otherwise.",
            error_messages={
                "invalid_choice": "unknown format {input!r}: the allowed values are "
                + ", ".join(EXPORT_FORMATS)
                + " (or leave format out)"
            },
        )

    @extend_schema(
        parameters=[InputSerializer],
        responses=OpenApiTypes.OBJECT,
        description="The role's document: skillsmatrix.role/v1 when format v1 holds the role "
        "exactly (the same document as before v2 existed), else a skillsmatrix.framework/v2 "
        "document of the role, its framework and the scales, tracks, domains and skills it "
        "uses; ?format=v2 asks for v2 always.",
        examples=[ROLE_EXPORT_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        # As a plain dict: an empty ?format= is then an unknown value, not a missing one.
        params = self.InputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        matrix = role_matrix_for(role_get(slug=slug))
        if params.validated_data.get("format") == "v2":
            return Response(role_v2_document_build(matrix))
        return Response(role_document_build(matrix))


@extend_schema_serializer(component_name="RoleVersion")
class VersionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    # A field named like Field.source: the serializer's metaclass takes it off the class.
    source = serializers.CharField()  # type: ignore[assignment]
    message = serializers.CharField()
    author = serializers.CharField(source="author.get_username", default=None, allow_null=True)
    created_at = serializers.DateTimeField()


class RoleVersionListApi(ListApi):
    @extend_schema(responses=VersionSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        versions = role_version_list(role=role_get(slug=slug))
        return self.paginate(request, versions, VersionSerializer)


class RoleVersionDetailApi(APIView):
    @extend_schema_serializer(component_name="RoleVersionDetail")
    class OutputSerializer(VersionSerializer):
        snapshot = serializers.JSONField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, slug: str, number: int) -> Response:
        version = role_version_get(role=role_get(slug=slug), number=number)
        return Response(self.OutputSerializer(version).data)


VERSION_MAX = 2**31 - 1


class RoleCompareApi(APIView):
    """The cell-by-cell difference between two versions of a role (DESIGN §7)."""

    error_statuses: ClassVar[dict[str, str]] = {
        "400": "from or to is missing or not a version number."
    }

    class InputSerializer(serializers.Serializer[Any]):
        # "from" is a Python keyword: the fields are declared by name below.
        pass

    InputSerializer._declared_fields.update(
        {
            # Bounded like the database's integers: a larger number is a 400, not a 500.
            "from": serializers.IntegerField(
                min_value=1, max_value=VERSION_MAX, help_text="the version to compare from"
            ),
            "to": serializers.IntegerField(
                min_value=1, max_value=VERSION_MAX, help_text="the version to compare with"
            ),
        }
    )

    class CellChangeSerializer(serializers.Serializer[Any]):
        skill = serializers.CharField()
        level = serializers.CharField()
        old = CellSerializer(allow_null=True)
        new = CellSerializer(allow_null=True)

    class LevelChangeSerializer(serializers.Serializer[Any]):
        level = serializers.CharField()
        field = serializers.ChoiceField(choices=["level", "name", "short", "focus", "stack"])
        old = serializers.JSONField(allow_null=True)
        new = serializers.JSONField(allow_null=True)

    OutputSerializer = extend_schema_serializer(component_name="RoleComparison")(
        type(
            "OutputSerializer",
            (serializers.Serializer,),
            {
                "from": serializers.IntegerField(),
                "to": serializers.IntegerField(),
                "cells": CellChangeSerializer(many=True),
                "skills_added": serializers.ListField(child=serializers.CharField()),
                "skills_removed": serializers.ListField(child=serializers.CharField()),
                "levels": LevelChangeSerializer(many=True),
            },
        )
    )

    @extend_schema(
        # The query parameters as the input serializer checks them (numbers from 1).
        parameters=[InputSerializer],
        responses=OutputSerializer,
        description=(
            "Changed cells of skills present in both versions (old/new are null for an empty "
            "cell), added and removed skills (slugs), and changed level fields; an added or "
            "removed level is listed with field 'level' and its name as new or old."
        ),
    )
    def get(self, request: Request, slug: str) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        comparison = role_compare(
            role=role_get(slug=slug),
            old=params.validated_data["from"],
            new=params.validated_data["to"],
        )
        diff = comparison.diff
        old_names = {level.code: level.name for level in comparison.old.levels}
        new_names = {level.code: level.name for level in comparison.new.levels}
        data = {
            "from": comparison.old_version.number,
            "to": comparison.new_version.number,
            "cells": [
                {
                    "skill": cell.skill,
                    "level": cell.level,
                    "old": _cell_data(cell.old),
                    "new": _cell_data(cell.new),
                }
                for cell in diff.cells
            ],
            "skills_added": list(diff.skills_added),
            "skills_removed": list(diff.skills_removed),
            "levels": [
                *(
                    {"level": code, "field": "level", "old": None, "new": new_names[code]}
                    for code in diff.levels_added
                ),
                *(
                    {"level": code, "field": "level", "old": old_names[code], "new": None}
                    for code in diff.levels_removed
                ),
                *(
                    {"level": d.place, "field": d.field, "old": d.old, "new": d.new}
                    for d in diff.levels
                ),
            ],
        }
        return Response(self.OutputSerializer(data).data)


class SkillListApi(ListApi):
    @extend_schema_serializer(component_name="Skill")
    class OutputSerializer(serializers.Serializer[Any]):
        slug = serializers.CharField()
        name = serializers.CharField()
        description = serializers.CharField()

    @extend_schema(
        parameters=[OpenApiParameter("search", OpenApiTypes.STR)],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        skills = skill_list(search=request.query_params.get("search", "").strip()[:100])
        return self.paginate(request, skills, self.OutputSerializer)


class DomainListApi(ListApi):
    @extend_schema_serializer(component_name="Domain")
    class OutputSerializer(serializers.Serializer[Any]):
        slug = serializers.CharField()
        name = serializers.CharField()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, domain_list(), self.OutputSerializer)


def _framework_url(request: Request, slug: str) -> str:
    return request.build_absolute_uri(reverse("api-framework-detail", args=[slug]))


def _framework_data(
    request: Request, framework: Framework, *, source: dict[str, Any], role_count: int
) -> dict[str, Any]:
    return {
        "slug": framework.slug,
        "name": framework.name,
        "description": framework.description,
        "source": source,
        "role_count": role_count,
        "url": _framework_url(request, framework.slug),
    }


@extend_schema_serializer(component_name="FrameworkSource")
class FrameworkSourceSerializer(serializers.Serializer[Any]):
    url = serializers.URLField(required=False, help_text="Where the framework is published.")
    licence = serializers.CharField(required=False)
    attribution = serializers.CharField(required=False)
    version = serializers.CharField(required=False)
    notes = serializers.CharField(required=False)


@extend_schema_serializer(component_name="FrameworkSummary")
class FrameworkSummarySerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True, help_text="Markdown.")
    # A field named like Field.source: the serializer's metaclass takes it off the class.
    source = FrameworkSourceSerializer(help_text="Only the parts the framework gives.")  # type: ignore[assignment]
    role_count = serializers.IntegerField(help_text="Its published roles.")
    url = serializers.URLField(help_text="The framework in this API.")


class FrameworkListApi(ListApi):
    @extend_schema(
        responses=FrameworkSummarySerializer(many=True),
        description="Every framework by name, the site's own (skillsmatrix, where v1 roles "
        "are) included.",
        examples=[FRAMEWORK_LIST_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(framework_list(), request, view=self)
        data = [
            _framework_data(
                request,
                framework,
                source=framework_source(framework),
                role_count=framework.role_count,  # type: ignore[attr-defined] # the selector's
            )
            for framework in page or []
        ]
        return paginator.get_paginated_response(FrameworkSummarySerializer(data, many=True).data)


class FrameworkDetailApi(APIView):
    @extend_schema_serializer(component_name="FrameworkDetail")
    class OutputSerializer(FrameworkSummarySerializer):
        @extend_schema_serializer(component_name="FrameworkDomain")
        class DomainSerializer(serializers.Serializer[Any]):
            slug = serializers.CharField()
            name = serializers.CharField()
            description = serializers.CharField(allow_blank=True)

        @extend_schema_serializer(component_name="FrameworkRole")
        class RoleSerializer(serializers.Serializer[Any]):
            slug = serializers.CharField()
            title = serializers.CharField()
            layout = serializers.ChoiceField(choices=list(LAYOUTS))
            url = serializers.URLField(help_text="The role in this API.")

        scales = ScaleSerializer(many=True, help_text="Its own scales (A/W/E is built in).")
        tracks = TrackSerializer(many=True)
        domains = DomainSerializer(many=True)
        roles = RoleSerializer(many=True, help_text="Its published roles, by title.")

    @extend_schema(
        parameters=[FRAMEWORK_SLUG],
        responses=OutputSerializer,
        examples=[FRAMEWORK_DETAIL_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        page = framework_page_get(slug=slug, with_domains=True)
        data = {
            **_framework_data(
                request, page.framework, source=page.source, role_count=page.role_count
            ),
            "scales": [_scale_data(scale) for scale in page.scales],
            "tracks": [_track_data(track) for track in page.tracks],
            "domains": [
                {"slug": domain.slug, "name": domain.name, "description": domain.description}
                for domain in page.domains
            ],
            "roles": [
                {
                    "slug": role.slug,
                    "title": role.title,
                    "layout": role.layout or "matrix",
                    "url": request.build_absolute_uri(reverse("api-role-detail", args=[role.slug])),
                }
                for role in sorted(page.roles, key=lambda role: (role.title, role.pk))
            ],
        }
        return Response(self.OutputSerializer(data).data)


class FrameworkExportApi(APIView):
    @extend_schema(
        parameters=[FRAMEWORK_SLUG],
        responses=OpenApiTypes.OBJECT,
        description="The framework's skillsmatrix.framework/v2 document with its published "
        "roles: what manage.py import_role reads back.",
        examples=[FRAMEWORK_EXPORT_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(framework_document_public(slug=slug))


urlpatterns = [
    path("frameworks/", FrameworkListApi.as_view(), name="api-framework-list"),
    path("frameworks/<slug:slug>/", FrameworkDetailApi.as_view(), name="api-framework-detail"),
    path(
        "frameworks/<slug:slug>/export/",
        FrameworkExportApi.as_view(),
        name="api-framework-export",
    ),
    path("roles/", RoleListApi.as_view(), name="api-role-list"),
    path("roles/<slug:slug>/", RoleDetailApi.as_view(), name="api-role-detail"),
    path("roles/<slug:slug>/export/", RoleExportApi.as_view(), name="api-role-export"),
    path("roles/<slug:slug>/versions/", RoleVersionListApi.as_view(), name="api-role-versions"),
    path(
        "roles/<slug:slug>/versions/<int:number>/",
        RoleVersionDetailApi.as_view(),
        name="api-role-version",
    ),
    path("roles/<slug:slug>/compare/", RoleCompareApi.as_view(), name="api-role-compare"),
    path("skills/", SkillListApi.as_view(), name="api-skill-list"),
    path("domains/", DomainListApi.as_view(), name="api-domain-list"),
]
