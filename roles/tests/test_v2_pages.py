"""The role page, its cell panel and the version page of format v2 roles: each layout of the
worked example (roles/data/harbour-works.framework.json), a role without levels, Markdown, and
the query budgets on a large v2 role; a v1 role's page is what it was."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from roles.framework_document import FORMAT_V2
from roles.models import Requirement
from roles.services import document_import
from roles.tests.factories import fragments_cold_again
from roles.tests.framework_fixtures import markdown_everywhere

pytestmark = pytest.mark.django_db

WORKED_EXAMPLE = Path(settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Fragments are keyed by role pk and version, which a rolled-back database reuses.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def harbour(db):
    return document_import(raw=WORKED_EXAMPLE.read_text())


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def large_v2_document(*, levels: int = 12, skills: int = 150) -> dict[str, Any]:
    """A v2 framework with one role of ``levels`` levels (half shared, then two tracks) and
    ``skills`` skills on a five-step scale, each with text at every step; its cells mix plain
    step codes, n/a and structured cells (summary, details, examples, links)."""
    shared = levels // 2
    level_list = [
        {"code": f"g{n:02d}", "name": f"Grade {n}", "short": f"G{n}", "rank": n}
        for n in range(1, shared + 1)
    ]
    for n in range(shared + 1, levels + 1):
        track = "ic" if (n - shared) % 2 else "mgr"
        level_list.append(
            {"code": f"g{n:02d}", "name": f"Grade {n}", "short": f"G{n}", "rank": n, "track": track}
        )

    def cell(skill: int, index: int) -> Any:
        if (skill + index) % 11 == 0:
            return "n/a"
        code = str(min(5, 1 + index // 3))
        if (skill + index) % 3 == 0:
            return {
                "code": code,
                "mandatory": index % 4 != 0,
                "summary": f"Summary {skill}.{index}",
                "details": f"Details of **{skill}.{index}**.\nSecond line.",
                "examples": [f"Example {skill}.{index}"],
                "links": [{"title": "Guide", "url": f"https://example.org/{skill}/{index}"}],
            }
        return code

    return {
        "format": FORMAT_V2,
        "framework": {
            "slug": "grand",
            "name": "Grand framework",
            "source": {
                "licence": "CC BY 4.0",
                "attribution": "Grand Co",
                "url": "https://example.org",
            },
        },
        "scales": [
            {
                "slug": "depth",
                "name": "Depth",
                "steps": [
                    {"code": str(n), "name": f"Depth {n}", "description": f"Depth {n} of 5."}
                    for n in range(1, 6)
                ],
            }
        ],
        "tracks": [{"code": "ic", "name": "Individual"}, {"code": "mgr", "name": "Manager"}],
        "domains": [{"slug": f"d{n}", "name": f"Domain {n}"} for n in range(10)],
        "skills": [
            {
                "slug": f"gs-{n}",
                "name": f"Grand skill {n}",
                "domain": f"d{n % 10}",
                "scale": "depth",
                "steps": {str(s): {"summary": f"Skill {n} at {s}."} for s in range(1, 6)},
            }
            for n in range(skills)
        ],
        "roles": [
            {
                "slug": "grand-role",
                "title": "Grand role",
                "family": {"slug": "grand", "name": "Grand"},
                "levels": level_list,
                "skills": [
                    {
                        "skill": f"gs-{n}",
                        "requirements": {
                            level["code"]: cell(n, index) for index, level in enumerate(level_list)
                        },
                    }
                    for n in sorted(range(skills), key=lambda n: (n % 10, n))
                ],
            }
        ],
    }


# --- matrix layout ---------------------------------------------------------------------------


def test_matrix_layout_names_its_framework_and_licence(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/"))

    framework = _between(html, "data-role-framework", "</p>")
    assert 'href="/frameworks/harbour-works/"' in framework
    assert "Harbour Works engineering framework" in framework
    source = _between(html, "data-role-source", "</p>")
    assert "CC BY 4.0" in source
    assert "Harbour Works (an example organisation)" in source
    assert (
        'href="https://example.org/harbour-works/framework" rel="nofollow ugc noopener"' in source
    )


def test_matrix_layout_legend_shows_the_scales_step_names(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/"))

    legend = _between(html, "data-legend", "data-matrix-tools")
    for name in ("Aware", "Foundational", "Working", "Practitioner", "Expert"):
        assert name in legend
    assert "Handles the hard cases and teaches others." in legend
    assert "Does not apply at that level" in legend
    assert "Not required" in legend


def test_matrix_layout_groups_track_levels_after_the_shared_ones(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/"))
    table = _between(html, 'id="domain-craft"', "</table>")

    tracks = re.findall(r'<th scope="colgroup" colspan="(\d)"[^>]*>([^<]+)</th>', table)
    assert tracks == [
        ("3", "Every path"),
        ("2", "Individual contributor"),
        ("2", "People manager"),
    ]
    order = re.findall(r'class="matrix__level[^"]*" data-level="([^"]+)"', table)
    assert order == ["e1", "e2", "senior", "staff", "principal", "em", "director"]


def test_matrix_layout_marks_not_applicable_apart_from_empty(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/"))

    na = _between(html, 'id="cell-hw-testing-director"', "</a>")
    assert "code--na" in html[html.index('id="cell-hw-testing-director"') - 80 :][:120]
    assert '<span aria-hidden="true">n/a</span>' in na
    assert "does not apply at Director of Engineering" in na
    empty = _between(html, 'id="cell-hw-planning-e1"', "</a>")
    assert "Not required" in empty
    assert "n/a" not in empty


def test_matrix_layout_shows_step_codes_names_and_row_descriptions(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/"))

    senior = _between(html, 'id="cell-hw-testing-senior"', "</a>")
    assert '<span aria-hidden="true">4</span>' in senior
    assert "Practitioner" in senior
    # The row's description for this role replaces the skill's own.
    assert "For engineers: breaking work down and saying how long it takes." in html
    # Markdown in a skill's description is rendered.
    assert "<em>real</em>" in html


def test_levels_show_their_sections_and_keep_line_breaks(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/"))
    levels = _between(html, 'id="levels-title"', "</section>")

    assert "Learns the codebase.<br" in levels
    assert "Scope" in levels
    assert "<li><p>Own tasks</p></li>" in levels or "Own tasks" in levels
    assert "Usually 0–2 years." in levels
    assert "Individual contributor" in levels  # a track level says its track


def test_cell_panel_shows_the_step_the_skill_and_the_cell(client, harbour):
    html = _html(
        client.get(
            "/roles/hw-software-engineer/cells/hw-testing/senior/", headers={"HX-Request": "true"}
        )
    )

    assert "Practitioner" in html
    assert "Handles the hard cases and teaches others." in html
    content = _between(html, "data-cell-content", "About this skill")
    assert "Reviews others&#x27; tests" in content
    assert "Pointed out a test that passed with the fix reverted." in content
    assert 'href="https://example.org/review-guide" rel="nofollow ugc noopener"' in content
    assert "<em>real</em>" in html  # the skill's description, as Markdown


def test_cell_panel_shows_the_skills_own_content_at_the_step(client, harbour):
    html = _html(
        client.get(
            "/roles/hw-software-engineer/cells/hw-testing/staff/", headers={"HX-Request": "true"}
        )
    )

    step = _between(html, "data-step-content", "About this skill")
    assert "Designs the test strategy of a product line." in step
    assert 'href="https://example.org/test-pyramid"' in step


def test_cell_panel_says_when_a_skill_does_not_apply(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/cells/hw-testing/director/"))

    assert "Testing does not apply at Director of Engineering" in _between(
        html, "data-not-applicable", "</p>"
    )


# --- checklist and steps layouts ----------------------------------------------------------


def test_checklist_layout_lists_the_behaviours_each_level_adds(client, harbour):
    html = _html(client.get("/roles/hw-site-reliability/"))

    assert "data-checklist" in html
    assert '<table class="matrix' not in html
    levels = {
        code: _between(html, f'data-checklist-level="{code}"', "</section>")
        for code in ("sre1", "sre2", "sre3")
    }
    assert "Asks for review early" in levels["sre1"]
    assert "Asks for review early" not in levels["sre2"]
    assert "Notices when teammates are blocked" in levels["sre2"]
    assert "Paired with a teammate on a stuck migration." in levels["sre2"]
    assert "Leads incident response" in levels["sre3"]
    # Each level's own sections sit with its behaviours.
    assert "Expectations" in levels["sre1"]
    assert "Is on call with a buddy." in levels["sre1"]
    # Grouped by domain.
    assert "checklist-level__domain" in levels["sre1"]


def test_steps_layout_shows_each_skill_at_every_step_and_the_thresholds(client, harbour):
    html = _html(client.get("/roles/hw-growth-ladder/"))

    table = _between(html, 'data-steps-table="milestones"', "</table>")
    for step in ("Milestone 1", "Milestone 2", "Milestone 3", "Milestone 4"):
        assert step in table
    assert "Ships a feature end to end." in table
    assert "Runs a mentoring programme." in table
    thresholds = _between(html, "data-thresholds", "</table>")
    rows = re.findall(r"<th scope=\"row\">([^<]+)</th><td>([^<]+)</td>", thresholds)
    assert rows == [("Growth 1", "0"), ("Growth 2", "4"), ("Growth 3", "9"), ("Growth 4", "18")]


def test_a_role_without_levels_lists_its_skills(client, harbour):
    html = _html(client.get("/roles/hw-head-of-engineering/"))

    assert "This role has no levels" in html
    assert "Hiring" in _between(html, "data-no-levels", "</section>")
    assert '<table class="matrix' not in html


# --- Markdown, escaping, versions --------------------------------------------------------------


def test_markdown_is_rendered_and_raw_html_escaped_in_every_layout(client, db):
    document = markdown_everywhere()
    document_import(raw=document)
    pages = [client.get("/roles/md-role/")]
    for layout in ("checklist", "steps"):
        document["roles"][0]["layout"] = layout
        document["roles"][0]["slug"] = f"md-{layout}"
        document_import(raw=document)
        pages.append(client.get(f"/roles/md-{layout}/"))
    pages.append(client.get("/roles/md-role/cells/md-skill/m1/"))

    for response in pages:
        html = _html(response)
        assert "<strong>Bold</strong>" in html
        assert (
            '<a href="https://example.org/guide?a=1&amp;b=2" rel="nofollow ugc noopener">' in html
        )
        assert '<script>alert("x")</script>' not in html
        assert "&lt;script&gt;" in html
        assert "<b onclick" not in html


def test_version_page_shows_a_v2_role_in_its_layout(client, harbour):
    html = _html(client.get("/roles/hw-software-engineer/versions/1/"))

    assert 'href="/frameworks/harbour-works/"' in html
    assert "Practitioner" in html
    assert "does not apply at Director of Engineering" in html
    assert "Individual contributor" in html
    steps = _html(client.get("/roles/hw-growth-ladder/versions/1/"))
    assert "data-thresholds" in steps


def test_a_v1_role_shows_nothing_of_v2(client, seed_role):
    html = _html(client.get("/roles/mlops-engineer/"))

    assert "data-role-framework" not in html
    assert "data-legend" not in html
    assert "code--na" not in html
    assert 'id="focus-title"' in html


# --- query budgets on a large v2 role ------------------------------------------------------------


@pytest.fixture
def large_v2_role(db):
    return document_import(raw=large_v2_document())[0].role


def test_large_v2_role_page_query_budget(client, large_v2_role, django_assert_max_num_queries):
    # 1 role with family and framework; 2 levels with tracks; 3 role skills with skill, scale,
    # home domain and domain; 4 requirements; 5 the cells with open proposals (until cached)
    with django_assert_max_num_queries(5):
        html = _html(client.get("/roles/grand-role/"))
    assert html.count('class="cell ') == 150 * 12
    assert "Individual" in html
    assert "Manager" in html
    assert Requirement.objects.filter(level__role=large_v2_role).count() == 1800


def test_large_v2_role_page_query_budget_for_staff(
    client, large_v2_role, admin, django_assert_max_num_queries
):
    client.force_login(admin)
    fragments_cold_again(client, "/roles/grand-role/", large_v2_role)
    # 1 session; 2 user; 3 role; 4 whether they watch it; 5 levels; 6 role skills; 7 requirements
    with django_assert_max_num_queries(8):
        html = _html(client.get("/roles/grand-role/"))
    assert "data-matrix-health" in html


def test_large_v2_cell_fragment_query_budget(
    client, large_v2_role, member, django_assert_max_num_queries
):
    client.force_login(member)
    # 1 session; 2 user (only if a template asks); 3 role skill with role, family, framework,
    # skill, scale and domain; 4 levels joined to this skill's cells
    with django_assert_max_num_queries(4):
        html = _html(
            client.get("/roles/grand-role/cells/gs-42/g09/", headers={"HX-Request": "true"})
        )
    assert "Grand skill 42" in html
    assert "Depth" in html


def test_cell_panel_says_where_the_step_sits_on_its_scale(client, harbour):
    html = _html(
        client.get(
            "/roles/hw-software-engineer/cells/hw-testing/e2/", headers={"HX-Request": "true"}
        )
    )

    assert "Step 3 of 5 on the Proficiency scale." in html
    one_step = _html(
        client.get(
            "/roles/hw-site-reliability/cells/hw-owns-incidents/sre3/",
            headers={"HX-Request": "true"},
        )
    )
    assert "Demonstrated" in one_step
    assert "Step " not in one_step  # a one-step scale has no "1 of 1" to say
