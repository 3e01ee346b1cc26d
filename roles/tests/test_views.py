from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from roles.models import Requirement
from roles.services import role_import
from roles.tests.factories import fragments_cold_again, role_document

pytestmark = pytest.mark.django_db

SEED_URL = "/roles/mlops-engineer/"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rendered fragments are keyed by role pk and version; a rolled-back test database reuses
    # both, so each test starts from an empty cache.
    cache.clear()
    yield
    cache.clear()


def _text(response) -> str:
    return response.content.decode()


# --- Catalogue ---------------------------------------------------------------------------------


def test_catalogue_lists_families_with_role_counts(client, seed_role):
    response = client.get("/")

    html = _text(response)
    assert response.status_code == 200
    assert "ML &amp; AI Engineering" in html
    assert f'href="{SEED_URL}"' in html
    assert "Automating the ML model lifecycle" in html
    assert "56 skills" in html
    assert "5 levels" in html


def test_catalogue_search_matches_roles_and_skills(client, seed_role):
    role_import(raw=role_document(slug="other-role", title="Other Role"))

    by_title = _text(client.get("/", {"q": "mlops"}))
    by_skill = _text(client.get("/", {"q": "kubernetes"}))

    assert "MLOps Engineer" in by_title
    assert "Other Role" not in by_title
    assert "Kubernetes Core" in by_skill
    assert f'href="{SEED_URL}#skill-kubernetes-core"' in by_skill
    assert "Other Role" not in by_skill


@pytest.mark.parametrize("search", ["triton", "kubeflow", "ML & AI", "principal"])
def test_catalogue_search_finds_stack_items_families_and_levels(
    client, seed_role, search, django_assert_num_queries
):
    # families with matching roles; their roles; matching skills
    with django_assert_num_queries(3):
        html = _text(client.get("/", {"q": search}))

    assert f'href="{SEED_URL}"' in html
    assert "No roles or skills match" not in html


def test_catalogue_search_without_match_says_so(client, seed_role):
    html = _text(client.get("/", {"q": "cobol"}))

    assert "No roles or skills match “cobol”." in html
    assert 'href="/roles/' not in html


def test_catalogue_search_for_a_nul_matches_nothing(client, seed_role):
    # PostgreSQL text cannot hold NUL: asking it would be a DataError (a 500).
    response = client.get("/", {"q": "kube\x00"})

    assert response.status_code == 200
    assert "No roles or skills match" in _text(response)


def test_catalogue_without_roles_has_an_empty_state(client):
    assert "No roles yet" in _text(client.get("/"))


def test_catalogue_search_fragment_for_htmx(client, seed_role):
    response = client.get("/", {"q": "docker"}, headers={"HX-Request": "true"})

    html = _text(response)
    assert "<html" not in html
    assert "Docker" in html
    assert "HX-Request" in response["Vary"]


def test_catalogue_search_escapes_the_query(client, seed_role):
    html = _text(client.get("/", {"q": "<script>x</script>"}))

    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


# --- Role page ---------------------------------------------------------------------------------


def test_role_page_carries_everything_of_the_seed(client, seed_role, seed_document):
    response = client.get(SEED_URL)

    html = _text(response)
    assert response.status_code == 200
    assert '<h1 class="role-hero__title">MLOps Engineer</h1>' in html
    for level in seed_document["levels"]:
        assert f"{level['name']}</h3>" in html
        assert level["focus"] in html
        for item in level["stack"]:
            assert f'<li class="chip">{item}</li>' in html
    for domain in seed_document["domains"]:
        assert f'<h3 class="domain__title">{domain["name"].replace("&", "&amp;")}</h3>' in html
        for skill in domain["skills"]:
            assert skill["name"].replace("&", "&amp;") in html


def test_role_page_summary_is_computed_from_the_data(client, seed_role):
    html = _text(client.get(SEED_URL))
    summary = re.search(r"data-role-summary>(.*?)</p>", html, re.S).group(1)
    summary = " ".join(summary.split())

    assert "MLOps Engineer is a role in the ML &amp; AI Engineering family." in summary
    assert "It has 56 skills in 5 levels (from Junior to Principal)." in summary
    # Every cell of the seed is mandatory: the seed page's "123" does not follow from its data.
    assert "All 280 requirements are mandatory." in summary
    assert "280 of its 280" not in summary
    key_domains = "Programming Fundamentals, Backend Development, Database Management"
    assert f"Key domains: {key_domains}." in summary


def test_role_page_counts_follow_the_data_when_it_changes(client, seed_role, seed_document):
    seed_document["domains"][0]["skills"][0]["requirements"]["junior"] = {
        "code": "A",
        "mandatory": False,
    }
    seed_document["domains"][0]["skills"].pop()
    role_import(raw=seed_document)

    html = _text(client.get(SEED_URL))

    assert "It has 55 skills in 5 levels" in html
    assert "274 of its 275 requirements are mandatory." in html


@pytest.mark.parametrize(
    ("mandatory", "sentence"),
    [
        ([True, True, True], "All 3 requirements are mandatory."),
        ([False, False, False], "None of its 3 requirements is mandatory."),
        ([True, False, True], "2 of its 3 requirements are mandatory."),
        ([True], "Its only requirement is mandatory."),
    ],
)
def test_the_mandatory_sentence_reads_naturally(client, db, mandatory, sentence):
    document = role_document(slug="worded", domains=1, skills_per_domain=len(mandatory), levels=1)
    for skill, is_mandatory in zip(document["domains"][0]["skills"], mandatory, strict=True):
        skill["requirements"]["l1"] = {"code": "A", "mandatory": is_mandatory}
    role_import(raw=document)

    html = " ".join(_text(client.get("/roles/worded/")).split())

    summary = re.search(r"data-role-summary>(.*?)</p>", html, re.S).group(1)
    faq = html[html.index('id="faq"') :]
    assert sentence in summary
    assert sentence in faq


def test_levels_without_stack_or_focus_get_no_empty_card(client, db):
    document = role_document(slug="sparse", domains=1, skills_per_domain=1, levels=3)
    document["levels"][1]["stack"] = []
    document["levels"][2]["focus"] = ""
    role_import(raw=document)

    html = _text(client.get("/roles/sparse/"))

    stack = html[html.index('id="stack-title"') : html.index('id="focus-title"')]
    focus = html[html.index('id="focus-title"') : html.index('id="matrix"')]
    assert stack.count('class="level-card"') == 2
    assert "Level 2</h3>" not in stack
    assert focus.count('class="ladder__step"') == 2
    assert "Level 3</h3>" not in focus
    assert "No stack listed" not in html
    assert "No focus written yet" not in html


def test_a_role_with_no_stack_and_no_focus_has_neither_section(client, db):
    document = role_document(slug="bare", domains=1, skills_per_domain=1, levels=2)
    for level in document["levels"]:
        level["stack"], level["focus"] = [], ""
    role_import(raw=document)

    html = _text(client.get("/roles/bare/"))

    assert 'id="stack-title"' not in html
    assert 'id="focus-title"' not in html
    assert 'id="matrix-title"' in html


def test_the_role_description_is_shown_when_there_is_one(client, db):
    document = role_document(slug="described", domains=1, skills_per_domain=1)
    document["role"]["description"] = "Keeps models <b>running</b>.\n\nSecond paragraph."
    role_import(raw=document)
    role_import(raw=role_document(slug="plain", domains=1, skills_per_domain=1))

    described = _text(client.get("/roles/described/"))
    plain = _text(client.get("/roles/plain/"))

    assert "<p>Keeps models &lt;b&gt;running&lt;/b&gt;.</p>" in described
    assert "<p>Second paragraph.</p>" in described
    assert "role-description" not in plain


def test_role_page_matrix_is_an_accessible_table(client, seed_role):
    html = _text(client.get(SEED_URL))

    assert html.count('<table class="matrix">') == 13
    assert html.count("<caption") == 13
    assert '<th scope="row" class="matrix__skill">GitHub Copilot</th>' in html
    # Short level names on screen, full names for screen readers.
    assert (
        '<th scope="col" class="matrix__level" data-level="junior"><span aria-hidden="true">Jun'
        '</span><span class="visually-hidden">Junior</span></th>'
    ) in html
    # Each cell is named by its skill, its level and its code in words, so a screen reader
    # hears more than "Awareness" as it moves through the table.
    assert '<span class="visually-hidden">Docker, Senior: Awareness</span>' in html
    assert '<span class="visually-hidden">Kubernetes Core, Middle: Working knowledge</span>' in html
    for word in ("Awareness", "Working knowledge", "Expert", "Not required"):
        assert word in html


def test_every_cell_links_to_its_details(client, seed_role):
    html = _text(client.get(SEED_URL))

    cell_links = re.findall(
        r'<a class="cell [^"]*" id="cell-([^"]+)" href="([^"]+)#cell-panel" hx-get="([^"]+)"',
        html,
    )
    assert len(cell_links) == 280
    assert all(href == hx_get for _, href, hx_get in cell_links)
    assert ("docker-senior", "/roles/mlops-engineer/cells/docker/senior/") in {
        (cell_id, href) for cell_id, href, _ in cell_links
    }
    assert reverse("roles:cell", args=["mlops-engineer", "docker", "senior"]) == (
        "/roles/mlops-engineer/cells/docker/senior/"
    )


def test_empty_and_optional_cells_are_visibly_marked(client, db):
    role_import(raw=role_document(slug="mixed", domains=1, skills_per_domain=3))

    html = _text(client.get("/roles/mixed/"))

    empty = re.search(
        r'<a class="cell code code--empty" id="cell-skill-0-1-l1"[^>]*>(.*?)</a>', html
    )
    assert empty is not None
    assert '<span aria-hidden="true">–</span>' in empty.group(1)
    assert "Not required" in empty.group(1)
    assert '<a class="cell code code--A code--optional" id="cell-skill-0-2-l1"' in html


def test_role_page_faq_answers_from_the_data(client, seed_role):
    html = _text(client.get(SEED_URL))
    faq = html[html.index('id="faq"') :]

    assert "What skills are needed for the MLOps Engineer role?" in faq
    assert "The MLOps Engineer role requires 56 skills." in faq
    assert "How do I advance to the next level in the MLOps Engineer role?" in faq
    assert '<a href="/roles/mlops-engineer/grade/">Grade calculator</a>' in faq
    assert "The stack includes 22 technologies across the levels:" in faq
    assert "How does the community define the requirements for the MLOps Engineer role?" in faq
    assert 'through a system of <a href="/proposals/">proposals</a>. Any member can suggest' in faq


def test_role_page_and_cell_panel_load_the_open_proposals_by_url(client, seed_role):
    page = client.get("/roles/mlops-engineer/").content.decode()
    assert 'hx-get="/proposals/touching/?role=mlops-engineer"' in page
    panel = client.get(
        "/roles/mlops-engineer/cells/docker/senior/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "/proposals/touching/?role=mlops-engineer&amp;skill=docker&amp;level=senior" in panel
    # "Propose a change" pre-fills a set_requirement change of this cell.
    assert "/proposals/new/?role=mlops-engineer&amp;skill=docker&amp;level=senior" in panel


def test_role_page_unknown_or_unpublished_is_404(client, seed_role):
    assert client.get("/roles/nope/").status_code == 404
    seed_role.is_published = False
    seed_role.save(update_fields=["is_published"])
    assert client.get(SEED_URL).status_code == 404


def test_role_page_escapes_content(client, db):
    document = role_document(slug="xss", title="<img src=x onerror=alert(1)>")
    role_import(raw=document)

    html = _text(client.get("/roles/xss/"))

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_matrix_health_shows_drops_to_staff_only(client, seed_role, member, admin):
    assert "data-matrix-health" not in _text(client.get(SEED_URL))

    client.force_login(member)
    assert "data-matrix-health" not in _text(client.get(SEED_URL))

    client.force_login(admin)
    html = _text(client.get(SEED_URL))
    assert "data-matrix-health" in html
    assert "56 requirements drop from one level to the next." in html
    assert html.count("<tr data-drop>") == 56


def test_matrix_health_says_when_nothing_drops(client, admin, db):
    role_import(raw=role_document(slug="steady"))
    client.force_login(admin)

    html = _text(client.get("/roles/steady/"))

    assert "No requirement drops from one level to the next." in html


# --- Speed: queries, cache, conditional requests -----------------------------------------------


def test_role_page_query_budget_on_a_big_role(client, big_role, django_assert_max_num_queries):
    # 1 role with family; 2 levels; 3 role skills with skill and domain; 4 requirements;
    # 5 the cells with open proposals (until cached, issue 18)
    with django_assert_max_num_queries(5):
        response = client.get("/roles/big-role/")
    assert response.status_code == 200
    assert _text(response).count('class="cell ') == 840


def test_role_page_query_budget_for_staff(client, big_role, admin, django_assert_max_num_queries):
    client.force_login(admin)
    fragments_cold_again(client, "/roles/big-role/", big_role)
    # 1 session; 2 user; 3 role with family; 4 whether they watch it; 5 levels; 6 role skills;
    # 7 requirements
    with django_assert_max_num_queries(8):
        response = client.get("/roles/big-role/")
    assert "data-matrix-health" in _text(response)


def test_role_page_from_cache_costs_no_query(client, big_role, django_assert_num_queries):
    client.get("/roles/big-role/")

    # The role (its version keys the fragments) and the fragments all come from the cache.
    with django_assert_num_queries(0):
        second = client.get("/roles/big-role/")
    assert _text(second).count('class="cell ') == 840


def test_new_version_invalidates_the_cached_matrix(client, seed_role, seed_document):
    client.get(SEED_URL)
    seed_document["role"]["tagline"] = "A brand new tagline"
    seed_document["domains"][0]["skills"][0]["requirements"]["junior"] = "E"
    role_import(raw=seed_document)

    html = _text(client.get(SEED_URL))

    assert "A brand new tagline" in html
    assert re.search(r'id="cell-github-copilot-junior"[^>]*><span aria-hidden="true">E<', html)


def test_cached_matrix_is_kept_per_language(client, seed_role):
    english = _text(client.get(SEED_URL, headers={"Accept-Language": "en"}))
    spanish = _text(client.get(SEED_URL, headers={"Accept-Language": "es"}))

    assert "Skills matrix" in english
    assert "Matriz de habilidades" in spanish
    assert "Skills matrix" not in spanish


def test_role_page_answers_conditional_requests(client, seed_role):
    client.get(SEED_URL)  # sets the CSRF cookie the ETag depends on
    first = client.get(SEED_URL)
    etag = first["ETag"]

    again = client.get(SEED_URL, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert "no-cache" in first["Cache-Control"]
    assert again.status_code == 304
    assert again.content == b""


def test_etag_changes_with_version_language_theme_and_user(client, seed_role, seed_document, admin):
    client.get(SEED_URL)
    etag = client.get(SEED_URL)["ETag"]

    spanish = client.get(SEED_URL, headers={"Accept-Language": "es", "If-None-Match": etag})
    assert spanish.status_code == 200
    assert spanish["ETag"] != etag

    client.cookies["theme"] = "dark"
    dark = client.get(SEED_URL, headers={"If-None-Match": etag})
    assert dark.status_code == 200
    assert '<html lang="en" data-theme="dark">' in _text(dark)
    del client.cookies["theme"]

    role_import(raw=seed_document)  # the same document: no new version, the same page
    assert client.get(SEED_URL, headers={"If-None-Match": etag}).status_code == 304
    seed_document["role"]["tagline"] = "Changed"
    role_import(raw=seed_document)
    assert client.get(SEED_URL, headers={"If-None-Match": etag}).status_code == 200

    etag = client.get(SEED_URL)["ETag"]
    client.force_login(admin)
    assert client.get(SEED_URL, headers={"If-None-Match": etag}).status_code == 200


# --- Cell details --------------------------------------------------------------------------------


def test_cell_fragment_for_htmx(client, seed_role):
    response = client.get(
        "/roles/mlops-engineer/cells/docker/senior/", headers={"HX-Request": "true"}
    )

    html = _text(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="cell-detail-title"' in html
    assert 'tabindex="-1">Docker <span class="cell-detail__level">· Senior</span></h2>' in html
    assert "Awareness" in html
    assert "Mandatory" in html
    assert "Docker across the levels" in html
    assert html.count('class="skill-ladder__step') == 5
    assert "HX-Request" in response["Vary"]


def test_cell_address_serves_the_role_page_with_the_cell_open(client, seed_role):
    response = client.get("/roles/mlops-engineer/cells/docker/senior/")

    html = _text(response)
    assert response.status_code == 200
    # The role page itself, its matrix and all…
    assert '<h1 class="role-hero__title">MLOps Engineer</h1>' in html
    assert html.count('<table class="matrix">') == 13
    # …with this cell's details in the panel, under the page's h1.
    panel = html[html.index('id="cell-panel"') : html.index('class="matrix-domains"')]
    assert 'class="cell-panel has-detail"' in html
    assert '<h2 id="cell-detail-title"' in panel
    assert "Docker <span" in panel
    assert "· Senior</span>" in panel
    assert "Click a cell to see details." not in panel
    assert "<title>Docker · Senior · MLOps Engineer · Skills Matrix</title>" in html
    assert 'href="/roles/mlops-engineer/#cell-docker-senior"' in panel
    assert "HX-Request" in response["Vary"]
    # The open cell is marked in the matrix, and only it.
    assert html.count('aria-current="true" id="cell-') == 1
    assert 'is-selected" aria-current="true" id="cell-docker-senior"' in html


def test_cell_links_push_their_address_and_opening_one_without_js_lands_on_the_panel(
    client, seed_role
):
    html = _text(client.get(SEED_URL))

    layout = re.search(r'<div class="matrix-layout"[^>]*>', html).group(0)
    assert 'hx-push-url="true"' in layout
    assert 'hx-history="false"' in layout  # Back reloads the page rather than a stale snapshot
    assert (
        'href="/roles/mlops-engineer/cells/docker/senior/#cell-panel" '
        'hx-get="/roles/mlops-engineer/cells/docker/senior/"'
    ) in html


def test_htmx_history_restore_gets_the_whole_page(client, seed_role):
    response = client.get(
        "/roles/mlops-engineer/cells/docker/senior/",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    html = _text(response)
    assert "<html" in html
    assert html.count('<table class="matrix">') == 13
    assert "HX-History-Restore-Request" in response["Vary"]


def test_cell_page_answers_conditional_requests(client, seed_role, django_assert_num_queries):
    url = "/roles/mlops-engineer/cells/docker/senior/"
    client.get(SEED_URL)  # the CSRF cookie the page embeds, as a visitor has it
    page = client.get(url)
    other = client.get("/roles/mlops-engineer/cells/docker/lead/")

    assert page["ETag"] != other["ETag"]
    assert page["ETag"] != client.get(SEED_URL)["ETag"]
    assert "no-cache" in page["Cache-Control"]
    # Back and Forward reload the page: unchanged, it is a 304 without a query.
    with django_assert_num_queries(0):
        again = client.get(url, headers={"If-None-Match": page["ETag"]})
    assert again.status_code == 304
    # The fragment has no ETag: it is never answered from the page's.
    fragment = client.get(url, headers={"HX-Request": "true", "If-None-Match": page["ETag"]})
    assert fragment.status_code == 200
    assert not fragment.has_header("ETag")


def test_cell_page_query_budget_on_a_big_role(client, big_role, django_assert_max_num_queries):
    client.get("/roles/big-role/")  # the matrix fragment is cached…
    # …but a page with a panel is rendered afresh: 1 role skill with role, family, skill and
    # domain; 2 levels joined to this skill's cells; 3 levels; 4 role skills; 5 requirements
    # (the role itself comes from the cache)
    with django_assert_max_num_queries(5):
        response = client.get("/roles/big-role/cells/skill-41-3/l5/")
    assert response.status_code == 200
    assert _text(response).count('class="cell ') == 840


def test_cell_details_text_is_escaped(client, db):
    role_import(raw=role_document(slug="detailed", domains=1, skills_per_domain=4))

    html = _text(client.get("/roles/detailed/cells/skill-0-3/l2/"))

    assert "Details &lt;b&gt;0.3&lt;/b&gt;" in html
    assert "<b>0.3</b>" not in html


def test_cell_optional_and_empty(client, db):
    role_import(raw=role_document(slug="mixed", domains=1, skills_per_domain=3))

    optional = _text(client.get("/roles/mixed/cells/skill-0-2/l1/"))
    empty = _text(client.get("/roles/mixed/cells/skill-0-1/l1/"))

    assert "Optional" in optional
    assert "Not required" in empty
    assert "This level does not ask for this skill." in empty


@pytest.mark.parametrize(
    "url",
    [
        "/roles/nope/cells/docker/senior/",
        "/roles/mlops-engineer/cells/nope/senior/",
        "/roles/mlops-engineer/cells/docker/nope/",
    ],
)
def test_cell_unknown_role_skill_or_level_is_404(client, seed_role, url):
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404


def test_cell_fragment_query_budget_on_a_big_role(
    client, big_role, member, django_assert_max_num_queries
):
    client.force_login(member)
    # 1 session; 2 user (only if a template asks); 3 role skill with role, family, skill and
    # domain; 4 levels joined to this skill's cells
    with django_assert_max_num_queries(4):
        response = client.get(
            "/roles/big-role/cells/skill-41-3/l5/", headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert "Skill 41-3" in _text(response)
    assert Requirement.objects.filter(level__role=big_role).count() > 700  # really a big role


# --- Theme and language --------------------------------------------------------------------------


def test_theme_switch_without_javascript_sets_a_cookie(client, seed_role):
    response = client.post("/theme/", {"theme": "toggle", "next": SEED_URL})

    assert response.status_code == 302
    assert response["Location"] == SEED_URL
    assert response.cookies["theme"].value == "dark"
    assert 'data-theme="dark"' in _text(client.get(SEED_URL))

    client.post("/theme/", {"theme": "toggle", "next": SEED_URL})
    assert 'data-theme="light"' in _text(client.get(SEED_URL))


def test_theme_switch_refuses_foreign_redirects_and_bad_values(client):
    response = client.post("/theme/", {"theme": "purple", "next": "https://evil.example/"})

    assert response["Location"] == "/"
    assert response.cookies["theme"].value == ""
    client.cookies["theme"] = "purple"
    assert '<html lang="en">' in _text(client.get("/"))


def test_language_follows_accept_language(client, seed_role):
    html = _text(client.get(SEED_URL, headers={"Accept-Language": "es"}))

    assert '<html lang="es"' in html
    for words in (
        "Matriz de habilidades",
        "Enfoque por nivel",
        "Stack tecnológico",
        "Preguntas frecuentes",
        "Calculadora de grado",
        "Haga clic en una celda para ver detalles.",
        "56 habilidades",
        "5 niveles",
        "Dominios clave:",
        "MLOps Engineer es un rol en la familia ML &amp; AI Engineering.",
        "Tiene 56 habilidades en 5 niveles (de Junior a Principal).",
        "¿Qué habilidades se necesitan para el rol de MLOps Engineer?",
    ):
        assert words in html, words
    # Content is shown as stored.
    assert "GitHub Copilot" in html


def test_language_switch_is_remembered(client, seed_role):
    response = client.post("/i18n/setlang/", {"language": "es", "next": SEED_URL})

    assert response.status_code == 302
    html = _text(client.get(SEED_URL, headers={"Accept-Language": "en"}))
    assert '<html lang="es"' in html
    assert "Preguntas frecuentes" in html


def test_language_switcher_is_a_post_form_with_csrf(client, seed_role):
    html = _text(client.get(SEED_URL))

    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', html, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group(0)
    assert 'name="language" value="es"' in form.group(0)


# --- History, versions, comparison, feed ------------------------------------------------------


def _edit(role, *changes, author=None):
    from roles.services import role_change_apply

    return role_change_apply(role=role, changes=list(changes), author=author, source="admin")


@pytest.fixture
def edited_seed(seed_role, admin):
    """The seed at version 3: Docker · Senior A → E (by admin), then Redis removed."""
    from roles.changes.types import RemoveSkill, SetFocus, SetRequirement

    _edit(
        seed_role,
        SetRequirement(skill="docker", level="senior", code="E", mandatory=False),
        SetFocus(level="lead", text="Lead the platform"),
        author=admin,
    )
    _edit(seed_role, RemoveSkill(skill="redis"))
    seed_role.refresh_from_db()
    return seed_role


def test_role_page_shows_its_version_and_links_history_and_feed(client, edited_seed):
    html = _text(client.get(SEED_URL))
    assert 'href="/roles/mlops-engineer/history/">Version 3, last changed' in html
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="/roles/mlops-engineer/history/feed/"' in html
    )


def test_history_lists_versions_newest_first_with_their_changes(client, edited_seed):
    html = _text(client.get("/roles/mlops-engineer/history/"))
    numbers = re.findall(r'id="v(\d+)"', html)
    assert numbers == ["3", "2", "1"]
    assert "Docker · Senior: A → E optional" in html
    assert "Focus of lead edited" in html
    assert ">admin<" not in html or "admin" in html  # the author's name is shown
    v2 = html.split('id="v2"')[1].split('id="v1"')[0]
    assert "admin" in v2
    assert "Admin edit" in v2
    assert "1 cell changed" in v2
    v1 = html.split('id="v1"')[1]
    assert "import" in v1
    assert '?from=2&amp;to=3">What changed' in html


def test_history_is_paginated(client, seed_role):
    from roles.changes.types import SetRequirement

    for code in ["W", "E"] * 11:
        _edit(seed_role, SetRequirement(skill="docker", level="senior", code=code))
    first = _text(client.get("/roles/mlops-engineer/history/"))
    assert len(re.findall(r'id="v\d+"', first)) == 20
    assert 'rel="next" href="?page=2"' in first
    second = _text(client.get("/roles/mlops-engineer/history/?page=2"))
    assert re.findall(r'id="v(\d+)"', second) == ["3", "2", "1"]


def test_a_version_page_shows_the_role_as_it_was(client, edited_seed):
    html = _text(client.get("/roles/mlops-engineer/versions/1/"))
    assert "You are looking at version 1 of" in html
    assert "The current version is 3." in html
    assert 'href="/roles/mlops-engineer/compare/?from=1&amp;to=3">Compare with current' in html
    assert ">Redis<" in html  # removed since
    docker = html.split('class="matrix__skill">Docker<')[1].split("</tr>")[0]
    assert re.findall(r'code code--(\w+)"', docker) == ["A", "W", "A", "E", "E"]
    current = _text(client.get("/roles/mlops-engineer/versions/3/"))
    assert "the current version" in current
    assert ">Redis<" not in current


def test_compare_shows_changed_cells_added_and_removed_skills_and_level_changes(
    client, edited_seed
):
    html = _text(client.get("/roles/mlops-engineer/compare/?from=1&to=3"))
    assert "From version 1 to version 3" in html
    assert "Redis" in html.split("Skills</h3>")[1].split("</ul>")[0]
    changed = html.split('class="is-changed"')[1].split("</td>")[0]
    assert "<del>" in changed
    assert "code--A" in changed.split("<ins>")[0]
    assert "code--E code--optional" in changed.split("<ins>")[1]
    assert "Lead the platform" in html
    # Without a choice it compares the latest version with the one before.
    latest = _text(client.get("/roles/mlops-engineer/compare/"))
    assert "From version 2 to version 3" in latest


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?from=x&to=2", 400),
        ("?from=1", 400),
        ("?from=0&to=2", 400),
        ("?from=1&to=99", 400),  # a form error naming the versions (issue 18)
    ],
)
def test_compare_refuses_bad_or_unknown_versions(client, edited_seed, query, status):
    response = client.get(f"/roles/mlops-engineer/compare/{query}")
    assert response.status_code == status
    if status == 400:
        assert "Choose two version numbers of this role." in _text(response)


def test_unknown_versions_and_roles_are_404(client, edited_seed):
    assert client.get("/roles/mlops-engineer/versions/4/").status_code == 404
    assert client.get("/roles/nope/history/").status_code == 404
    assert client.get("/roles/nope/history/feed/").status_code == 404
    assert client.get("/roles/nope/compare/").status_code == 404


def test_history_feed_is_atom_with_one_entry_per_version(client, edited_seed):
    response = client.get("/roles/mlops-engineer/history/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    xml = _text(response)
    assert xml.count("<entry>") == 3
    assert "<title>Version 3</title>" in xml
    assert 'href="http://testserver/roles/mlops-engineer/versions/2/"' in xml
    assert "Docker · Senior: A → E optional" in xml


def test_history_pages_in_spanish(client, edited_seed):
    headers = {"Accept-Language": "es"}
    history = _text(client.get("/roles/mlops-engineer/history/", headers=headers))
    assert "Historial de MLOps Engineer" in history
    compare = _text(client.get("/roles/mlops-engineer/compare/?from=1&to=3", headers=headers))
    assert "De la versión 1 a la versión 3" in compare
    version = _text(client.get("/roles/mlops-engineer/versions/1/", headers=headers))
    assert "Comparar con la actual" in version


def test_a_custom_codes_legend_is_shown_in_that_roles_legend(client, db):
    document = role_document(slug="relabelled")
    document["codes"] = [{"code": "E", "name": "Masters", "rank": 3}]
    role_import(raw=document)
    legend = _text(client.get("/roles/relabelled/")).split('class="legend__list"')[1]
    assert "Masters" in legend.split("</ul>")[0]
    assert "Expert" not in legend.split("</ul>")[0]
    assert "Awareness" in legend.split("</ul>")[0]


@pytest.fixture
def big_role_200_versions(big_role):
    """The big role (3× the seed) with 200 versions, the last ones made by the service."""
    from roles.changes.types import SetRequirement
    from roles.models import RoleVersion

    first = RoleVersion.objects.get(role=big_role)
    cells = [
        {
            "skill": f"skill-{d}-{s}",
            "skill_name": f"Skill {d}-{s}",
            "level": "l1",
            "level_name": "Level 1",
            "old": {"code": "A", "mandatory": True, "details": ""},
            "new": {"code": "W", "mandatory": True, "details": ""},
        }
        for d in range(42)
        for s in range(4)
    ]
    RoleVersion.objects.bulk_create(
        RoleVersion(
            role=big_role,
            number=number,
            snapshot=first.snapshot,
            source="admin",
            changed_cells=cells,
            changes=[{"op": "set_focus", "level": "l1", "text": "x"}],
            places=["level:l1:focus"],
        )
        for number in range(2, 199)
    )
    type(big_role).objects.filter(pk=big_role.pk).update(current_version=198)
    big_role.refresh_from_db()
    _edit(big_role, SetRequirement(skill="skill-41-3", level="l5", code="A"))
    _edit(big_role, SetRequirement(skill="skill-0-0", level="l1", code="E"))
    big_role.refresh_from_db()
    assert big_role.current_version == 200
    cache.clear()
    return big_role


def test_history_pages_query_budgets_on_a_big_role_with_200_versions(
    client, big_role_200_versions, django_assert_num_queries
):
    # role, count of versions, one page of versions with their authors
    with django_assert_num_queries(3):
        assert client.get("/roles/big-role/history/?page=3").status_code == 200
    # role (now from the cache), the version with its author
    with django_assert_num_queries(1):
        assert client.get("/roles/big-role/versions/100/").status_code == 200
    # role (cache), both versions in one query
    with django_assert_num_queries(1):
        response = client.get("/roles/big-role/compare/?from=1&to=200")
    assert response.status_code == 200
    assert "2 changed cells" in _text(response)
    # role (cache), one page of versions with their authors
    with django_assert_num_queries(1):
        assert client.get("/roles/big-role/history/feed/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/api/v1/roles/big-role/compare/?from=199&to=200").status_code == 200


def test_history_pages_query_budgets_with_a_cold_cache(
    client, big_role_200_versions, django_assert_max_num_queries
):
    # DESIGN §8: history ≤ 6, version page ≤ 6, compare ≤ 5, each with nothing cached.
    for url, budget in [
        ("/roles/big-role/history/", 6),
        ("/roles/big-role/versions/1/", 6),
        ("/roles/big-role/compare/?from=1&to=200", 5),
    ]:
        cache.clear()
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


# --- Description and link previews -------------------------------------------------------------


def _meta(html: str, attribute: str, name: str) -> str:
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    assert match is not None, f"no {name} meta tag"
    return match.group(1)


def test_catalogue_describes_its_roles(client, seed_role):
    html = _text(client.get("/"))
    searched = _text(client.get("/", {"q": "kubernetes"}))

    description = _meta(html, "name", "description")
    assert description.startswith("The skills matrix of the MLOps Engineer role:")
    assert _meta(html, "property", "og:description") == description
    assert _meta(html, "property", "og:title") == "Career roles and their skills matrices"
    assert _meta(html, "property", "og:url") == "http://testserver/"
    assert _meta(searched, "name", "description") == "1 career role matches “kubernetes”."


def test_role_page_describes_the_role_from_its_data(client, seed_role):
    html = _text(client.get(SEED_URL))

    description = _meta(html, "name", "description")
    assert description == (
        "MLOps Engineer (ML &amp; AI Engineering): Automating the ML model lifecycle: from "
        "training to production monitoring. The skills each level of the role asks for, its "
        "tech stack by level and a grade calculator."
    )
    assert _meta(html, "property", "og:description") == description
    assert _meta(html, "property", "og:title") == (
        "MLOps Engineer skills matrix · ML &amp; AI Engineering"
    )
    assert _meta(html, "property", "og:url") == "http://testserver/roles/mlops-engineer/"


def test_role_page_description_is_translated_and_escaped(client, db):
    document = role_document(slug="quoted", domains=1, skills_per_domain=1)
    document["role"]["tagline"] = ""
    document["role"]["description"] = 'Says "hi" <b>loudly</b>.'
    role_import(raw=document)

    html = _text(client.get("/roles/quoted/", HTTP_ACCEPT_LANGUAGE="es"))

    description = _meta(html, "name", "description")
    assert "Says &quot;hi&quot; &lt;b&gt;loudly&lt;/b&gt;" in description
    assert description.startswith("Test Role (Test Family): ")
    assert "grado" in description  # Spanish


# --- Downloads ----------------------------------------------------------------------------------


def test_role_page_links_its_downloads(client, seed_role):
    html = _text(client.get(SEED_URL))

    assert '<a href="/roles/mlops-engineer/export.csv" download data-export="csv">' in html
    assert '<a href="/roles/mlops-engineer/export.json" download data-export="json">' in html


def test_json_download_is_the_export_document(client, seed_role):
    from roles.document import dumps_role_document
    from roles.selectors import role_document_get

    response = client.get("/roles/mlops-engineer/export.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mlops-engineer-v1.json"'
    assert response.content.decode() == dumps_role_document(
        role_document_get(slug="mlops-engineer")
    )
    assert response.json() == client.get("/api/v1/roles/mlops-engineer/export/").json()


def test_csv_download_has_a_row_per_skill_and_a_column_per_level(client, seed_role):
    response = client.get("/roles/mlops-engineer/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mlops-engineer-v1.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["Domain", "Skill", "Junior", "Middle", "Senior", "Lead", "Principal"]
    assert len(rows) == 1 + 56
    assert ["Cloud & Infrastructure", "Kubernetes Core", "A", "W", "A", "E", "E"] in rows


def test_csv_marks_optional_and_empty_cells_and_speaks_spanish(client, db):
    role_import(raw=role_document(slug="mixed", domains=1, skills_per_domain=3, levels=2))

    text = client.get("/roles/mixed/export.csv", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["Dominio", "Habilidad", "Level 1", "Level 2"]
    assert rows[1] == ["Domain 0", "Skill 0-0", "A", "W"]
    assert rows[2] == ["Domain 0", "Skill 0-1", "", "W"]
    assert rows[3] == ["Domain 0", "Skill 0-2", "A (opcional)", "W (opcional)"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_neutralises_formulas(client, db, start):
    document = role_document(slug="formula", domains=1, skills_per_domain=1, levels=1)
    document["domains"][0]["name"] = f"{start}cmd|' /C calc'!A0"
    document["domains"][0]["skills"][0]["name"] = f'{start}HYPERLINK("http://x.test")'
    document["levels"][0]["name"] = f"{start}1+1"
    role_import(raw=document)

    text = client.get("/roles/formula/export.csv").content.decode().removeprefix("\ufeff")

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][2] == f"'{start}1+1"
    assert rows[1][0] == f"'{start}cmd|' /C calc'!A0"
    assert rows[1][1] == f'\'{start}HYPERLINK("http://x.test")'
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_downloads_revalidate_and_are_cached_per_version(
    client, seed_role, seed_document, django_assert_num_queries
):
    first = client.get("/roles/mlops-engineer/export.csv")
    assert "no-cache" in first["Cache-Control"]
    assert "private" in first["Cache-Control"]

    # An unchanged role: 304 without a body, no query (the role is cached).
    with django_assert_num_queries(0):
        again = client.get("/roles/mlops-engineer/export.csv", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    # A new client without the ETag gets the cached body, still no query.
    with django_assert_num_queries(0):
        cached = client.get("/roles/mlops-engineer/export.csv")
    assert cached.content == first.content

    seed_document["levels"][0]["name"] = "Trainee"
    role_import(raw=seed_document)
    changed = client.get("/roles/mlops-engineer/export.csv", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["Content-Disposition"] == 'attachment; filename="mlops-engineer-v2.csv"'
    assert b"Trainee" in changed.content


def test_downloads_of_an_unknown_or_unpublished_role_are_404(client, seed_role):
    assert client.get("/roles/nope/export.json").status_code == 404
    seed_role.is_published = False
    seed_role.save(update_fields=["is_published"])
    assert client.get("/roles/mlops-engineer/export.csv").status_code == 404
