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
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error:")
