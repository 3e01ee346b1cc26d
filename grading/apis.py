"""Grading API (DESIGN §7): ``POST roles/<slug>/grade/``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from grading.engine import Gap, GradeResult, PointsResult
from grading.selectors import GradingSheet, grade_ratings, grading_sheet_get
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


@extend_schema_serializer(component_name="GradePath")
class _PathSerializer(serializers.Serializer[Any]):
    track = serializers.CharField(allow_null=True, help_text="The track; null on a trackless path.")
    grade = serializers.CharField(allow_null=True)
    next_level = serializers.CharField(allow_null=True)
    gaps = _GapSerializer(many=True)
    points_missing = serializers.FloatField(
        allow_null=True, help_text="Points rule: the points short of the next level."
    )


@extend_schema_serializer(component_name="GradePointsThreshold")
class _ThresholdSerializer(serializers.Serializer[Any]):
    level = serializers.CharField()
    threshold = serializers.FloatField()
    reached = serializers.BooleanField()
    missing = serializers.FloatField(min_value=0.0)


@extend_schema_serializer(component_name="GradePointsSkill")
class _SkillPointsSerializer(serializers.Serializer[Any]):
    skill = serializers.CharField()
    rating = serializers.CharField(allow_null=True)
    points = serializers.FloatField()


@extend_schema_serializer(component_name="GradePointsStep")
class _PointsStepSerializer(serializers.Serializer[Any]):
    skill = serializers.CharField()
    rating = serializers.CharField(allow_null=True)
    next = serializers.CharField(help_text="The skill's next step.")
    adds = serializers.FloatField(help_text="The points that step adds.")


@extend_schema_serializer(component_name="GradePoints")
class _PointsSerializer(serializers.Serializer[Any]):
    total = serializers.FloatField()
    skills = _SkillPointsSerializer(many=True)
    thresholds = _ThresholdSerializer(many=True)
    suggestions = _PointsStepSerializer(many=True)


def _gaps_data(gaps: tuple[Gap, ...]) -> list[dict[str, Any]]:
    return [
        {
            "skill": gap.skill,
            "domain": gap.domain,
            "code": gap.code,
            "rating": gap.rating_code,
            "mandatory": gap.mandatory,
            "steps": gap.steps,
        }
        for gap in gaps
    ]


def _points_data(points: PointsResult) -> dict[str, Any]:
    return {
        "total": points.total,
        "skills": [
            {"skill": item.skill, "rating": item.rating_code, "points": item.points}
            for item in points.per_skill
        ],
        "thresholds": [
            {
                "level": item.level,
                "threshold": item.threshold,
                "reached": item.reached,
                "missing": item.missing,
            }
            for item in points.thresholds
        ],
        "suggestions": [
            {
                "skill": item.skill,
                "rating": item.rating_code,
                "next": item.next_code,
                "adds": item.adds,
            }
            for item in points.suggestions
        ],
    }


def grade_result_data(result: GradeResult, *, tracks: bool = False) -> dict[str, Any]:
    """The response body, field for field as ``RoleGradeApi.OutputSerializer`` documents it:
    ``paths`` only for a role with tracks, ``points`` only under the points rule.

    Built directly because this is the hot path of the calculator: serializing up to a few
    hundred gap fields through DRF fields cost more than grading itself. A test checks the two
    stay identical.
    """
    data: dict[str, Any] = {
        "status": result.status,
        "grade": result.grade,
        "next_level": result.next_level,
        "levels": [
            {"code": level.code, "met": level.met, "coverage": level.coverage}
            for level in result.levels
        ],
        "gaps": _gaps_data(result.gaps),
    }
    if tracks:
        data["paths"] = [
            {
                "track": path.track,
                "grade": path.grade,
                "next_level": path.next_level,
                "gaps": _gaps_data(path.gaps),
                "points_missing": path.points_missing,
            }
            for path in result.paths
        ]
    if result.points is not None:
        data["points"] = _points_data(result.points)
    return data


def grade_result_json(result: GradeResult, *, tracks: bool = False) -> bytes:
    """:func:`grade_result_data` encoded byte for byte as the API's ``JSONRenderer`` does
    (compact, UTF-8, strict floats, U+2028/2029 escaped), without its per-call set-up; a test
    checks the two stay identical."""
    text = json.dumps(
        grade_result_data(result, tracks=tracks),
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    )
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def _shown(value: object, limit: int = 60) -> str:
    """``value`` as echoed in an error: short, so a hostile body gets a small answer."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ratings_problems(
    ratings: dict[str, Any], *, sheet: GradingSheet, role_slug: str
) -> dict[str, str]:
    """Each rating's problem by skill: an unknown skill or a value that is not a step of the
    skill's scale."""
    problems: dict[str, str] = {}
    for slug, code in ratings.items():
        skill = sheet.skill(slug)
        if skill is None:
            problems[slug] = _("unknown skill '%(skill)s' in role '%(role)s'") % {
                "skill": _shown(slug),
                "role": role_slug,
            }
        elif code is not None and (not isinstance(code, str) or code not in skill.step_codes):
            problems[slug] = _(
                '"%(value)s" is not a rating of %(skill)s: use %(steps)s or null.'
            ) % {
                "value": _shown(code),
                "skill": skill.name,
                "steps": ", ".join(f'"{step}"' for step in skill.step_codes),
            }
    return problems


def _ratings_validate(ratings: dict[str, Any], *, sheet: GradingSheet, role_slug: str) -> None:
    """Refuse more ratings than the role has skills before looking at any of them (the work and
    the answer stay bounded by the role's size), then report the first few problems and how
    many there are."""
    known = sheet.matrix.skill_slugs
    if len(ratings) > len(known):
        message = ngettext(
            "%(count)d ratings for a role of %(skills)d skill",
            "%(count)d ratings for a role of %(skills)d skills",
            len(known),
        ) % {"count": len(ratings), "skills": len(known)}
        raise InputError(f"ratings: {message}", {"ratings": [message]})
    problems = _ratings_problems(ratings, sheet=sheet, role_slug=role_slug)
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


def _example_gap(skill: str, domain: str, code: str, rating: str) -> dict[str, Any]:
    """A one-step mandatory gap, as the schema's examples show it."""
    return {
        "skill": skill,
        "domain": domain,
        "code": code,
        "rating": rating,
        "mandatory": True,
        "steps": 1,
    }


class RoleGradeApi(APIView):
    """Grade self-ratings against a role's current version.

    Queries: the role (1) and, unless this process has it, its current version's snapshot
    (1); plus the session and user (2) for a signed-in browser session.
    """

    @extend_schema_serializer(component_name="GradeRequest")
    class InputSerializer(serializers.Serializer[Any]):
        ratings = serializers.DictField(
            child=serializers.CharField(allow_null=True),
            help_text=(
                "Your rating of each skill of the role, by skill slug: a step code of that "
                "skill's scale (A, W or E on the built-in scale; the role's `scales` list the "
                "others) or null (not rated). Skills left out count as not rated; a skill the "
                "role does not have or a code not on the skill's scale is refused (400, naming "
                "the skill and its steps), and so are more ratings than the role has skills."
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
        status = serializers.ChoiceField(
            choices=["graded", "nothing_to_grade"],
            help_text="`nothing_to_grade`: the role has no levels or nothing to reach them by "
            "(no cell asks for a step; no level has a points threshold); no grade then.",
        )
        grade = serializers.CharField(allow_null=True)
        next_level = serializers.CharField(allow_null=True)
        levels = _LevelSerializer(many=True)
        gaps = _GapSerializer(many=True)
        paths = _PathSerializer(
            many=True,
            required=False,
            help_text="Roles whose ladder forks into tracks: each track's path (the trackless "
            "levels and the track's), its grade, next level and gaps. The overall grade is the "
            "met level of highest rank; `next_level` and `gaps` follow its path.",
        )
        points = _PointsSerializer(
            required=False,
            help_text="Roles graded by points: the total, each skill's points, each level's "
            "threshold and how far it is, and the steps that would add most.",
        )

    @extend_schema(
        summary="Grade self-ratings",
        description=(
            "Grades ratings of the role's skills against its current version, each on its "
            "skill's scale: the grade (the highest level met with every level below it on its "
            "path; for a forked ladder the met level of highest rank over the tracks' paths; "
            "for a points ladder the highest threshold the total reaches), each level's "
            "coverage, and the gaps to the next level, most important first."
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
                "A forked ladder, rated on a five-step scale",
                request_only=True,
                value={"ratings": {"hw-testing": "4", "hw-operations": "3", "hw-coaching": "2"}},
            ),
            OpenApiExample(
                "A points ladder",
                request_only=True,
                value={"ratings": {"hw-shipping": "m3", "hw-mentoring": "m2"}},
            ),
            OpenApiExample(
                "Junior met, gaps to Middle",
                response_only=True,
                value={
                    "status": "graded",
                    "grade": "junior",
                    "next_level": "middle",
                    "levels": [
                        {"code": "junior", "met": True, "coverage": 1.0},
                        {"code": "middle", "met": False, "coverage": 0.75},
                    ],
                    "gaps": [_example_gap("kubernetes-core", "containers-orchestration", "W", "A")],
                },
            ),
            OpenApiExample(
                "A forked ladder: each track's path",
                response_only=True,
                value={
                    "status": "graded",
                    "grade": "senior",
                    "next_level": "staff",
                    "levels": [
                        {"code": "senior", "met": True, "coverage": 1.0},
                        {"code": "staff", "met": False, "coverage": 0.0},
                        {"code": "em", "met": False, "coverage": 0.4},
                    ],
                    "gaps": [_example_gap("hw-testing", "craft", "5", "4")],
                    "paths": [
                        {
                            "track": "ic",
                            "grade": "senior",
                            "next_level": "staff",
                            "gaps": [_example_gap("hw-testing", "craft", "5", "4")],
                            "points_missing": None,
                        },
                        {
                            "track": "manager",
                            "grade": "senior",
                            "next_level": "em",
                            "gaps": [_example_gap("hw-planning", "delivery", "4", "3")],
                            "points_missing": None,
                        },
                    ],
                },
            ),
            OpenApiExample(
                "A points ladder: the total and the thresholds",
                response_only=True,
                value={
                    "status": "graded",
                    "grade": "g3",
                    "next_level": "g4",
                    "levels": [
                        {"code": "g3", "met": True, "coverage": 1.0},
                        {"code": "g4", "met": False, "coverage": 1.0},
                    ],
                    "gaps": [],
                    "points": {
                        "total": 9.0,
                        "skills": [
                            {"skill": "hw-shipping", "rating": "m3", "points": 6.0},
                            {"skill": "hw-mentoring", "rating": "m2", "points": 3.0},
                        ],
                        "thresholds": [
                            {"level": "g3", "threshold": 9.0, "reached": True, "missing": 0.0},
                            {"level": "g4", "threshold": 18.0, "reached": False, "missing": 9.0},
                        ],
                        "suggestions": [
                            {"skill": "hw-shipping", "rating": "m3", "next": "m4", "adds": 6.0}
                        ],
                    },
                },
            ),
            OpenApiExample(
                "A role with nothing to grade",
                response_only=True,
                value={
                    "status": "nothing_to_grade",
                    "grade": None,
                    "next_level": None,
                    "levels": [],
                    "gaps": [],
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
        _ratings_validate(ratings, sheet=sheet, role_slug=role.slug)
        result = grade_ratings(
            sheet=sheet, ratings={skill: code for skill, code in ratings.items() if code}
        )
        # Content negotiation has already settled on JSON (the only renderer; anything else
        # is a 406 before the view runs), so the body is encoded here as the renderer would.
        body = grade_result_json(result, tracks=bool(sheet.tracks))
        return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("roles/<slug:slug>/grade/", RoleGradeApi.as_view(), name="grading-role-grade"),
]
