from __future__ import annotations

import pytest
from django.db import connection

from roles.errors import CellNotFound
from roles.selectors import family_list_with_roles, role_cell_get, role_list, skill_search
from roles.services import role_import
from roles.tests.factories import role_document

pytestmark = pytest.mark.django_db


def test_cell_get_returns_the_cell_and_its_row_in_two_queries(
    big_role, django_assert_max_num_queries
):
    # 1 role skill with role, family, skill and domain; 2 levels joined to this skill's cells
    with django_assert_max_num_queries(2):
        cell = role_cell_get(slug="big-role", skill_slug="skill-41-3", level_code="l2")
        assert cell.role.family.name == "Test Family"
        assert [c.level.code for c in cell.cells] == ["l1", "l2", "l3", "l4", "l5"]

    assert cell.code == "W"
    assert cell.requirement.details == "Details <b>41.3</b>"
    assert cell.domain.name == "Domain 41"
    assert [c.code for c in cell.cells] == ["A", "W", "W", "E", "E"]


def test_cell_get_returns_a_v2_cell_with_its_scale_in_two_queries(
    db, django_assert_max_num_queries
):
    from pathlib import Path

    from django.conf import settings

    from roles.services import document_import

    example = Path(settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"
    document_import(raw=example.read_bytes())
    # 1 role skill with role, family, framework, skill, its scale and domain; 2 levels joined
    # to this skill's cells
    with django_assert_max_num_queries(2):
        cell = role_cell_get(
            slug="hw-software-engineer", skill_slug="hw-testing", level_code="senior"
        )
        assert cell.scale is not None
        assert cell.scale.slug == "proficiency"
        assert cell.state_cell is not None
        assert cell.state_cell.summary == "Reviews others' tests"
        assert cell.step_number == 4


def test_cell_get_returns_an_empty_cell(db):
    role = role_import(raw=role_document(domains=1, skills_per_domain=2)).role

    cell = role_cell_get(slug=role.slug, skill_slug="skill-0-1", level_code="l1")

    assert cell.requirement is None
    assert cell.code is None


@pytest.mark.parametrize(
    ("slug", "skill", "level"),
    [
        ("nope", "docker", "senior"),
        ("mlops-engineer", "nope", "senior"),
        ("mlops-engineer", "docker", "nope"),
    ],
)
def test_cell_get_unknown_role_skill_or_level_is_404(seed_role, slug, skill, level):
    with pytest.raises(CellNotFound):
        role_cell_get(slug=slug, skill_slug=skill, level_code=level)


def test_cell_get_hides_unpublished_roles(seed_role):
    seed_role.is_published = False
    seed_role.save(update_fields=["is_published"])

    with pytest.raises(CellNotFound):
        role_cell_get(slug=seed_role.slug, skill_slug="docker", level_code="senior")


def test_skill_search_finds_skills_with_their_roles(seed_role):
    matches = skill_search(search="kubernetes")

    assert [m.skill.name for m in matches] == ["Kubernetes Advanced", "Kubernetes Core"]
    assert {m.role.slug for m in matches} == {"mlops-engineer"}
    assert skill_search(search="") == []


# --- Role search (PostgreSQL full-text with CI's DATABASE_URL; substrings on SQLite) -----------


@pytest.fixture
def two_roles(seed_role):
    other = role_document(slug="data-analyst", title="Data Analyst")
    other["family"] = {"slug": "data", "name": "Data & Analytics"}
    other["levels"][0]["stack"] = ["Excel", "Tableau"]
    return seed_role, role_import(raw=other).role


@pytest.mark.parametrize(
    "search",
    [
        "triton",  # a stack item
        "Kubeflow",  # a stack item, in another case
        "ML & AI",  # the family name
        "ml & ai engineering",
        "Principal",  # a level name
        "mlops triton",  # words from two fields, in any order
        "triton MLOps",
        "Kubernetes",  # a skill name
        "lifecycle",  # the tagline
    ],
)
def test_role_search_finds_stack_family_level_and_skill_words(two_roles, search):
    assert [role.slug for role in role_list(search=search)] == ["mlops-engineer"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("tableau", ["data-analyst"]),
        ("Analytics", ["data-analyst"]),
        ("level 5", ["data-analyst"]),  # the generated role's level names
        ("engineer", ["mlops-engineer"]),
        ("cobol", []),
        ("triton tableau", []),  # every word must match the same role
    ],
)
def test_role_search_tells_roles_apart(two_roles, search, expected):
    assert [role.slug for role in role_list(search=search)] == expected


def test_role_search_matches_fragments_and_punctuation(two_roles):
    assert [role.slug for role in role_list(search="flow")] == ["mlops-engineer"]  # Kubeflow
    assert [role.slug for role in role_list(search="&")] == ["data-analyst", "mlops-engineer"]
    # No tsquery syntax error, no LIKE wildcard either.
    for search in ("*:&|!()'", "_", "%", "\\"):
        assert list(role_list(search=search)) == []


def test_role_search_uses_full_text_search_on_postgresql(two_roles):
    if connection.vendor != "postgresql":
        pytest.skip("full-text search is PostgreSQL's; SQLite uses the substring fallback")
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        list(role_list(search="kube principal"))

    assert "to_tsvector" in queries[0]["sql"]
    assert "to_tsquery" in queries[0]["sql"]


@pytest.mark.parametrize("search", ["", "triton", "ml & ai", "mlops triton principal"])
def test_catalogue_search_takes_two_queries_whatever_it_matches(
    two_roles, search, django_assert_num_queries
):
    # families with matching roles; their roles with skill and level counts
    with django_assert_num_queries(2):
        families = family_list_with_roles(search=search)
        titles = [
            role.title
            for family in families
            for role in family.matching_roles  # type: ignore[attr-defined] # prefetched
        ]

    assert titles
