from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from roles.models import Requirement
from roles.services import role_import
from roles.tests.factories import role_document

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
    assert "280 of its 280 requirements are mandatory." in summary
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
    # Codes read as words.
    assert '<span class="visually-hidden">Working knowledge</span>' in html
    for word in ("Awareness", "Working knowledge", "Expert", "Not required"):
        assert word in html


def test_every_cell_links_to_its_details(client, seed_role):
    html = _text(client.get(SEED_URL))

    cell_links = re.findall(
        r'<a class="cell [^"]*" id="cell-([^"]+)" href="([^"]+)" hx-get="([^"]+)"', html
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
    # Proposals have no pages yet: the answer names them without a link that would 404.
    assert "through a system of proposals. Any member can suggest changes" in faq
    assert "/proposals/" not in faq


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
    # 1 role with family; 2 levels; 3 role skills with skill and domain; 4 requirements
    with django_assert_max_num_queries(4):
        response = client.get("/roles/big-role/")
    assert response.status_code == 200
    assert _text(response).count('class="cell ') == 840


def test_role_page_query_budget_for_staff(client, big_role, admin, django_assert_max_num_queries):
    client.force_login(admin)
    # 1 session; 2 user; 3 role with family; 4 levels; 5 role skills; 6 requirements
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


def test_cell_full_page_without_htmx(client, seed_role):
    response = client.get("/roles/mlops-engineer/cells/docker/senior/")

    html = _text(response)
    assert response.status_code == 200
    assert "<html" in html
    assert '<h1 id="cell-detail-title"' in html
    assert 'href="/roles/mlops-engineer/#cell-docker-senior"' in html


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
