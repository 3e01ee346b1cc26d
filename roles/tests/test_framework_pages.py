"""The list of frameworks and a framework's page (roles.views.framework_*_page)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from roles.framework_document import FORMAT_V2
from roles.models import Role
from roles.services import document_import, role_import
from roles.tests.factories import role_document

pytestmark = pytest.mark.django_db

WORKED_EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "harbour-works.framework.json"


@pytest.fixture
def harbour_works(db):
    return document_import(raw=WORKED_EXAMPLE.read_bytes())


def many_roles_framework(count: int) -> dict[str, Any]:
    """A v2 framework of ``count`` roles in two families, each on a band of three ranks with a
    track, sharing one skill on a scale of the framework's own."""
    return {
        "format": FORMAT_V2,
        "framework": {
            "slug": "wide",
            "name": "Wide framework",
            "source": {"url": "https://example.org/wide", "licence": "CC0-1.0"},
        },
        "scales": [
            {"slug": "depth", "name": "Depth", "steps": [{"code": "d1", "name": "Shallow"}]},
        ],
        "tracks": [{"code": "mgr", "name": "Manager"}],
        "domains": [{"slug": "core", "name": "Core"}],
        "skills": [
            {"slug": "wide-skill", "name": "Wide skill", "domain": "core", "scale": "depth"}
        ],
        "roles": [
            {
                "slug": f"wide-{index:02}",
                "title": f"Wide role {index:02}",
                "family": {"slug": f"wide-family-{index % 2}", "name": f"Wide family {index % 2}"},
                "levels": [
                    {"code": "one", "name": f"One of {index:02}", "rank": 1},
                    {"code": "two", "name": f"Two of {index:02}", "rank": 2},
                    {"code": "lead", "name": f"Lead of {index:02}", "rank": 3, "track": "mgr"},
                ],
                "skills": [{"skill": "wide-skill", "requirements": {"one": "d1"}}],
            }
            for index in range(count)
        ],
    }


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_list_shows_every_framework_with_its_licence_and_published_roles(
    client, seed_role, harbour_works, django_assert_max_num_queries
):
    Role.objects.filter(slug="hw-head-of-engineering").update(is_published=False)
    # frameworks with their counts (one query); nothing else is read for an anonymous visitor
    with django_assert_max_num_queries(4):
        response = client.get("/frameworks/")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert 'href="/frameworks/harbour-works/"' in html
    assert 'href="/frameworks/skillsmatrix/"' in html
    assert "An example framework that uses every part of format v2." in text
    # the excerpt is the first paragraph only
    assert "five-step proficiency" not in text
    assert "CC BY 4.0" in text
    assert "3 roles" in text  # four roles, one unpublished
    assert "1 role" in text  # the site framework's seed


def test_the_list_is_linked_from_the_navigation_the_catalogue_and_the_footer(client, seed_role):
    html = client.get("/").content.decode()
    assert html.count('href="/frameworks/"') == 3
    nav = client.get("/frameworks/").content.decode()
    assert 'href="/frameworks/" aria-current="page"' in nav


def test_a_framework_page_shows_its_source_roles_scales_tracks_and_band(client, harbour_works):
    Role.objects.filter(slug="hw-growth-ladder").update(is_published=False)
    response = client.get("/frameworks/harbour-works/")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert "<h1>Harbour Works engineering framework</h1>" in html
    # the description as Markdown: its list is a list
    assert "<li>five-step proficiency with a definition per step</li>" in html
    assert '<a href="https://example.org/harbour-works/framework" rel="nofollow ugc">' in html
    for fact in ("CC BY 4.0", "Harbour Works (an example organisation)", "2026.2"):
        assert fact in text
    # published roles only, linked
    assert 'href="/roles/hw-software-engineer/"' in html
    assert 'href="/roles/hw-site-reliability/"' in html
    assert "/roles/hw-growth-ladder/" not in html
    # the scales with their steps
    assert 'id="scale-proficiency"' in html
    assert 'id="scale-milestones"' in html
    assert "People manager" in text
    assert "Leads a team of people." in text


def test_the_band_places_each_roles_levels_by_rank_with_their_track(client, harbour_works):
    html = client.get("/frameworks/harbour-works/").content.decode()
    band = html[html.index('id="band-title"') :]
    rows = re.findall(r"<tr>(.*?)</tr>", band, flags=re.S)
    header, *body = rows
    columns = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', header, flags=re.S)
    # roles by title; the head of engineering has no levels, so no column
    assert [_text(column) for column in columns] == [
        "Rank",
        "Growth ladder",
        "Site Reliability Engineer",
        "Software Engineer",
    ]
    ranks = [
        _text("".join(re.findall(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S))) for row in body
    ]
    assert ranks == ["1", "2", "3", "4", "5"]
    rank_four = _text(body[3])
    # the software engineer's two levels at rank 4, each with its track
    assert "Individual contributor" in rank_four
    assert "People manager" in rank_four


def test_the_site_framework_has_no_band_and_uses_awe(client, seed_role):
    html = client.get("/frameworks/skillsmatrix/").content.decode()
    text = _text(html)
    assert 'href="/roles/mlops-engineer/"' in html
    assert "no scales of its own" in text
    assert "no ranks" in text
    assert "<table" not in html


def test_an_unknown_framework_is_the_sites_404_page(client, db):
    response = client.get("/frameworks/ghost/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_framework_page_makes_at_most_6_queries_whatever_its_roles(
    client, django_assert_max_num_queries
):
    document_import(raw=many_roles_framework(20))
    # framework, scales, tracks, roles with families, levels with tracks
    with django_assert_max_num_queries(6):
        response = client.get("/frameworks/wide/")
    html = response.content.decode()
    assert html.count('href="/roles/wide-') == 40  # in the list and as the band's columns
    assert html.count("Lead of ") == 20
    assert html.count('<span class="badge">Manager</span>') == 20
    # two families, in the order of their names
    assert html.index("Wide family 0") < html.index("Wide family 1")


def test_the_framework_pages_speak_spanish(client, harbour_works):
    with translation.override("es"):
        listing = client.get("/frameworks/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        page = client.get("/frameworks/harbour-works/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Marcos de carrera" in listing
    text = _text(page.content.decode())
    assert "Escalas" in text
    assert "Banda de niveles" in text


def test_the_pages_have_no_inline_style_or_script(client, harbour_works):
    for url in ("/frameworks/", "/frameworks/harbour-works/"):
        html = client.get(url).content.decode()
        assert " style=" not in html
        assert "<script>" not in html


def test_a_v1_import_lands_in_the_site_framework(client, db):
    role_import(raw=role_document(slug="plain-role", title="Plain role"))
    html = client.get("/frameworks/skillsmatrix/").content.decode()
    assert 'href="/roles/plain-role/"' in html
