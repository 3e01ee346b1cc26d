"""Grading API (DESIGN §7): ``POST roles/<slug>/grade/``."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any, ClassVar

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from grading.engine import RANKS, GradeResult
from grading.selectors import grade_ratings, grading_sheet_get
from roles.models import RequirementCode
from roles.selectors import role_get
from skillsmatrix.api import InputError

# An answer to a bad request lists this many problems and counts the rest.
REPORTED_PROBLEMS = 5


@extend_schema_serializer(component_name="GradeLevel")
class _LevelSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    met = serializers.BooleanField()
    coverage = serializers.FloatField(min_value=0.0, max_value=1.0)


@extend_schema_serializer(component_name="GradeGap")
class _GapSerializer(serializers.Serializer[Any]):
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


def grade_result_json(result: GradeResult) -> bytes:
    """:func:`grade_result_data` encoded byte for byte as the API's ``JSONRenderer`` does
    (compact, UTF-8, strict floats, U+2028/2029 escaped), without its per-call set-up; a test
    checks the two stay identical."""
    text = json.dumps(
        grade_result_data(result), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def _shown(value: object, limit: int = 60) -> str:
    """``value`` as echoed in an error: short, so a hostile body gets a small answer."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ratings_problems(
    ratings: dict[str, Any], *, known: Collection[str], role_slug: str
) -> dict[str, str]:
    """Each rating's problem by skill: an unknown skill or a value that is not a rating."""
    problems: dict[str, str] = {}
    for skill, code in ratings.items():
        if skill not in known:
            problems[skill] = _("unknown skill '%(skill)s' in role '%(role)s'") % {
                "skill": _shown(skill),
                "role": role_slug,
            }
        elif code is not None and (not isinstance(code, str) or code not in RANKS):
            problems[skill] = _('"%(value)s" is not a rating: use "A", "W", "E" or null.') % {
                "value": _shown(code)
            }
    return problems


def _ratings_validate(ratings: dict[str, Any], *, known: Collection[str], role_slug: str) -> None:
    """Refuse more ratings than the role has skills before looking at any of them (the work and
    the answer stay bounded by the role's size), then report the first few problems and how
    many there are."""
    if len(ratings) > len(known):
        message = ngettext(
            "%(count)d ratings for a role of %(skills)d skill",
            "%(count)d ratings for a role of %(skills)d skills",
            len(known),
        ) % {"count": len(ratings), "skills": len(known)}
        raise InputError(f"ratings: {message}", {"ratings": [message]})
    problems = _ratings_problems(ratings, known=known, role_slug=role_slug)
    if not problems:
        return
    reported = dict(list(problems.items())[:REPORTED_PROBLEMS])
    first_skill, first_problem = next(iter(reported.items()))
    message = f"ratings.{_shown(first_skill)}: {first_problem}"
    if len(problems) > 1:
        message += " " + ngettext(
            "(%(count)d problem in all)", "(%(count)d problems in all)", len(problems)
        ) % {"count": len(problems)}
    raise InputError(
        message,
        {"ratings": {_shown(skill): [problem] for skill, problem in reported.items()}},
        count=len(problems),
    )


class RoleGradeApi(APIView):
    """Grade self-ratings against a role's current version.

    Queries: the role (1) and, unless this process has it, its current version's snapshot
    (1); plus the session and user (2) for a signed-in browser session.
    """

    error_statuses: ClassVar[dict[str, str]] = {
        "422": "The role cannot be graded exactly yet (a forked ladder, scales of its own, a "
        "points rule) or has nothing to grade; `status` says which."
    }

    @extend_schema_serializer(component_name="GradeRequest")
    class InputSerializer(serializers.Serializer[Any]):
        ratings = serializers.DictField(
            child=serializers.ChoiceField(choices=RequirementCode.choices, allow_null=True),
            help_text=(
                "Your rating of each skill of the role, by skill slug: A, W, E or null (not "
                "rated). Skills left out count as not rated; a skill the role does not have is "
                "refused (400), and so are more ratings than the role has skills."
            ),
        )

        def to_internal_value(self, data: Any) -> Any:
            # Only the shape here: the view checks each rating against the role, which bounds
            # the work (DictField would validate, and echo, every entry of any size).
            if isinstance(data, dict) and isinstance(data.get("ratings"), dict):
                return {"ratings": data["ratings"]}
            return super().to_internal_value(data)

    @extend_schema_serializer(component_name="GradeResult")
    class OutputSerializer(serializers.Serializer[Any]):
        grade = serializers.CharField(allow_null=True)
        next_level = serializers.CharField(allow_null=True)
        levels = _LevelSerializer(many=True)
        gaps = _GapSerializer(many=True)

    @extend_schema(
        summary="Grade self-ratings",
        description=(
            "Grades ratings of the role's skills against its current version: the grade (the "
            "highest level met with every level below it), each level's coverage, and the gaps "
            "to the next level, most important first."
        ),
        request=InputSerializer,
        responses=OutputSerializer,
        examples=[
            OpenApiExample(
                "Some skills rated",
                request_only=True,
                value={"ratings": {"docker": "W", "kubernetes-core": "A", "terraform": None}},
            ),
            OpenApiExample(
                "Junior met, gaps to Middle",
                response_only=True,
                value={
                    "grade": "junior",
                    "next_level": "middle",
                    "levels": [
                        {"code": "junior", "met": True, "coverage": 1.0},
                        {"code": "middle", "met": False, "coverage": 0.75},
                    ],
                    "gaps": [
                        {
                            "skill": "kubernetes-core",
                            "domain": "containers-orchestration",
                            "code": "W",
                            "rating": "A",
                            "mandatory": True,
                            "steps": 1,
                        }
                    ],
                },
            ),
        ],
    )
    def post(self, request: Request, slug: str) -> HttpResponse:
        role = role_get(slug=slug)
        data = request.data
        ratings = data.get("ratings") if isinstance(data, dict) else None
        if not isinstance(ratings, dict):
            # Only a body of the wrong shape gets here: the serializer says what is wrong (the
            # right shape is all it checks, so the hot path skips building it).
            serializer = self.InputSerializer(data=data)
            serializer.is_valid(raise_exception=True)
            ratings = serializer.validated_data["ratings"]
        sheet = grading_sheet_get(role=role)
        sheet.check_gradable()
        _ratings_validate(ratings, known=sheet.matrix.skill_slugs, role_slug=role.slug)
        result = grade_ratings(
            sheet=sheet, ratings={skill: code for skill, code in ratings.items() if code}
        )
        # Content negotiation has already settled on JSON (the only renderer; anything else
        # is a 406 before the view runs), so the body is encoded here as the renderer would.
        return HttpResponse(grade_result_json(result), content_type="application/json")


urlpatterns = [
    path("roles/<slug:slug>/grade/", RoleGradeApi.as_view(), name="grading-role-grade"),
]
