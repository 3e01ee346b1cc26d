"""Grading API (DESIGN §7): ``POST roles/<slug>/grade/``."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from grading.engine import RANKS, GradeResult
from grading.selectors import grade_ratings, grading_sheet_get
from roles.selectors import role_get


@extend_schema_serializer(component_name="GradeLevel")
class _LevelSerializer(serializers.Serializer):
    code = serializers.CharField()
    met = serializers.BooleanField()
    coverage = serializers.FloatField(min_value=0.0, max_value=1.0)


@extend_schema_serializer(component_name="GradeGap")
class _GapSerializer(serializers.Serializer):
    skill = serializers.CharField()
    domain = serializers.CharField()
    code = serializers.CharField()
    rating = serializers.CharField(source="rating_code", allow_null=True)
    mandatory = serializers.BooleanField()
    steps = serializers.IntegerField(min_value=1)


def grade_result_data(result: GradeResult) -> dict[str, Any]:
    """The response body, field for field as ``RoleGradeApi.OutputSerializer`` documents it.

    Built directly because this is the hot path of the calculator: serializing up to a few
    hundred gap fields through DRF fields cost more than grading itself. A test checks the two
    stay identical.
    """
    return {
        "grade": result.grade,
        "next_level": result.next_level,
        "levels": [
            {"code": level.code, "met": level.met, "coverage": level.coverage}
            for level in result.levels
        ],
        "gaps": [
            {
                "skill": gap.skill,
                "domain": gap.domain,
                "code": gap.code,
                "rating": gap.rating_code,
                "mandatory": gap.mandatory,
                "steps": gap.steps,
            }
            for gap in result.gaps
        ],
    }


class RoleGradeApi(APIView):
    """Grade self-ratings against a role's current version.

    Queries: the role (1) and, unless this process has it, its current version's snapshot
    (1); plus the session and user (2) for a signed-in browser session.
    """

    @extend_schema_serializer(component_name="GradeRequest")
    class InputSerializer(serializers.Serializer):
        ratings = serializers.DictField(
            child=serializers.ChoiceField(
                choices=list(RANKS),
                allow_null=True,
                error_messages={
                    "invalid_choice": '"{input}" is not a rating: use "A", "W", "E" or null.'
                },
            )
        )

    @extend_schema_serializer(component_name="GradeResult")
    class OutputSerializer(serializers.Serializer):
        grade = serializers.CharField(allow_null=True)
        next_level = serializers.CharField(allow_null=True)
        levels = _LevelSerializer(many=True)
        gaps = _GapSerializer(many=True)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request, slug: str) -> Response:
        role = role_get(slug=slug)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ratings: dict[str, str | None] = serializer.validated_data["ratings"]
        sheet = grading_sheet_get(role=role)
        known = sheet.matrix.skill_slugs
        unknown = sorted(skill for skill in ratings if skill not in known)
        if unknown:
            raise ValidationError(
                {"ratings": {unknown[0]: [f"unknown skill {unknown[0]!r} in role {role.slug!r}"]}}
            )
        result = grade_ratings(
            sheet=sheet, ratings={skill: code for skill, code in ratings.items() if code}
        )
        return Response(grade_result_data(result))


urlpatterns = [
    path("roles/<slug:slug>/grade/", RoleGradeApi.as_view(), name="grading-role-grade"),
]
