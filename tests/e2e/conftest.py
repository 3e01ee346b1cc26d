"""Browser tests: Playwright for Python driving the system Chromium against a live server.

Where no Chromium is installed the tests are skipped with a message saying so; in CI (CI=true)
a missing Chromium is an error instead, so a green CI always means the browser tests ran.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to set
# up data are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def seeded_role(transactional_db, seed_document):
    """The seed role, imported where the live server can see it."""
    from roles.services import role_import

    return role_import(raw=seed_document).role


@pytest.fixture
def outbox(settings):
    """The live server runs in this process, so the locmem backend's outbox is readable here."""
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = _chromium_path()
    if path is None:
        message = (
            "no Chromium found (install the Debian package 'chromium' or set CHROMIUM_PATH); "
            "browser tests skipped"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message.replace("skipped", "cannot run in CI"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# After a test, requests the page still had in flight (an htmx panel loading, say) may still be
# running in the live server's thread: give them a moment to finish before the test database is
# flushed, whose TRUNCATE would otherwise deadlock with them.
IN_FLIGHT_SECONDS = 0.5


@pytest.fixture(autouse=True)
def _requests_finish_before_the_flush(transactional_db):
    # Set up after the database fixture, so torn down before its flush (and after the pages'
    # contexts close).
    yield
    time.sleep(IN_FLIGHT_SECONDS)


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    return page


@pytest.fixture
def screenshot():
    """Save a screenshot under test-artifacts/ (kept out of the repository)."""

    def take(page, name: str, *, full_page: bool = True) -> Path:
        # full_page=False keeps just the viewport: readable when the page is very long.
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
