from __future__ import annotations

import pytest


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client, settings):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["ready"] is True
    assert body["database"] == "ok"
    assert body["cache"] == "ok"
    assert body["broker"] == ("eager" if not settings.CELERY_BROKER_URL else "ok")


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from skillsmatrix.celery import app

    original = app.conf.broker_url
    app.conf.update(broker_url=settings.CELERY_BROKER_URL)
    try:
        response = client.get("/readyz")
    finally:
        app.conf.update(broker_url=original)
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


@pytest.mark.django_db
def test_not_found_page_is_the_sites_own_in_both_languages(client):
    response = client.get("/roles/ghost/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'href="/"' in response.content.decode()
    spanish = client.get("/roles/ghost/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Página no encontrada" in spanish.content.decode()


def test_server_error_page_needs_no_database(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_csrf_failure_is_a_friendly_403():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/theme/", {"theme": "dark"})
    assert response.status_code == 403
    assert "reload the page and try again" in response.content.decode()


def test_favicon_points_at_the_logo(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/icons/logo.svg")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "header", "title"),
    [
        ("en", "Skills Matrix administration", "Roles, skills and assessments"),
        ("es", "Administración de Matriz de habilidades", "Roles, habilidades y evaluaciones"),
    ],
)
def test_the_admin_carries_the_sites_name(client, admin, language, header, title):
    client.force_login(admin)

    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<a href="/admin/">{header}</a>' in html
    assert f"<h1>{title}</h1>" in html
    assert "Django administration" not in html
    assert "Administración de Django" not in html


@pytest.mark.django_db
def test_staff_find_the_admin_from_the_site_header(client, admin, member):
    client.force_login(member)
    assert 'href="/admin/"' not in client.get("/").content.decode()

    client.force_login(admin)
    header = client.get("/").content.decode().split("</header>")[0]
    assert '<a href="/admin/">Admin</a>' in header
