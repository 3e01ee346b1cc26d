"""Public read API of the roles domain (DESIGN §7): roles, their export, versions, skills."""

from __future__ import annotations

from typing import Any, ClassVar

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from roles.changes.state import Cell
from roles.models import RequirementCode
from roles.presenters import RoleMatrix
from roles.selectors import (
    domain_list,
    role_compare,
    role_document_build,
    role_get,
    role_list,
    role_matrix_for,
    role_version_get,
    role_version_list,
    skill_list,
)
from skillsmatrix.api import ListApi


@extend_schema_serializer(component_name="Family")
class FamilySerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()


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

        @extend_schema_serializer(component_name="RoleDomain")
        class DomainSerializer(serializers.Serializer[Any]):
            @extend_schema_serializer(component_name="RoleSkill")
            class SkillSerializer(serializers.Serializer[Any]):
                @extend_schema_serializer(component_name="RoleCell")
                class CellSerializer(serializers.Serializer[Any]):
                    code = serializers.ChoiceField(choices=RequirementCode.choices)
                    mandatory = serializers.BooleanField()
                    details = serializers.CharField(allow_blank=True)

                slug = serializers.CharField()
                name = serializers.CharField()
                description = serializers.CharField(allow_blank=True)
                requirements = serializers.DictField(
                    child=CellSerializer(allow_null=True),
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

    @staticmethod
    def _data(matrix: RoleMatrix) -> dict[str, Any]:
        role = matrix.role
        return {
            "slug": role.slug,
            "title": role.title,
            "tagline": role.tagline,
            "description": role.description,
            "family": role.family,
            "key_domains": role.key_domains,
            "version": role.current_version,
            "levels": matrix.levels,
            "domains": [
                {
                    "slug": group.domain.slug,
                    "name": group.domain.name,
                    "skills": [
                        {
                            "slug": row.skill.slug,
                            "name": row.skill.name,
                            "description": row.skill.description,
                            "requirements": {
                                cell.level.code: (
                                    {
                                        "code": cell.requirement.code,
                                        "mandatory": cell.requirement.is_mandatory,
                                        "details": cell.requirement.details,
                                    }
                                    if cell.requirement
                                    else None
                                )
                                for cell in row.cells
                            },
                        }
                        for row in group.rows
                    ],
                }
                for group in matrix.domains
            ],
        }

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        matrix = role_matrix_for(role_get(slug=slug))
        return Response(self.OutputSerializer(self._data(matrix)).data)


class RoleExportApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, description="The skillsmatrix.role/v1 document")
    def get(self, request: Request, slug: str) -> Response:
        return Response(role_document_build(role_matrix_for(role_get(slug=slug))))


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


def _cell_data(cell: Cell | None) -> dict[str, Any] | None:
    return cell.as_json() if cell is not None else None


@extend_schema_serializer(component_name="CellContent")
class CellSerializer(serializers.Serializer[Any]):
    code = serializers.ChoiceField(choices=RequirementCode.choices)
    mandatory = serializers.BooleanField()
    details = serializers.CharField(allow_blank=True)


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
            "from": serializers.IntegerField(min_value=1, help_text="the version to compare from"),
            "to": serializers.IntegerField(min_value=1, help_text="the version to compare with"),
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


urlpatterns = [
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
