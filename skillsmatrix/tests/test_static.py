"""Static files as the image ships them: `collectstatic` with production settings writes
content-hashed, compressed files and their manifest, and pages link the hashed names."""

from __future__ import annotations

import json
import re

import pytest

from skillsmatrix.tests.production import PRODUCTION, run_python

# Renders the sign-in page (it links the site's CSS, JS and icon) and fetches its stylesheet
# through WhiteNoise, as a browser would.
PAGE = """
import json, re, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="skills.example.com")
page = client.get("/accounts/login/", secure=True)
css = re.search(r'href="(/static/css/[^"]+)"', page.content.decode()).group(1)
asset = client.get(css, secure=True, HTTP_ACCEPT_ENCODING="gzip, br")
print(json.dumps({
    "page_status": page.status_code,
    "html": page.content.decode(),
    "css": css,
    "asset_status": asset.status_code,
    "cache_control": asset.headers.get("Cache-Control"),
    "encoding": asset.headers.get("Content-Encoding"),
}))
"""


@pytest.fixture(scope="module")
def collected(static_root):
    result = run_python(
        ["-c", PAGE],
        **PRODUCTION,
        DJANGO_STATIC_ROOT=str(static_root),
        # The page needs no query; a database that is never created proves it.
        DATABASE_URL=f"sqlite:///{static_root}/unused.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    return static_root, json.loads(result.stdout)


def test_collectstatic_writes_the_manifest_and_hashed_compressed_files(collected):
    root, _ = collected
    manifest = json.loads((root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
    for suffix in ("", ".gz", ".br"):
        assert (root / f"{hashed}{suffix}").is_file()
    assert re.fullmatch(r"js/app\.[0-9a-f]{12}\.js", manifest["paths"]["js/app.js"])


def test_pages_link_the_hashed_files(collected):
    _, page = collected
    assert page["page_status"] == 200
    html = page["html"]
    assert re.search(r'href="/static/css/app\.[0-9a-f]{12}\.css"', html)
    assert re.search(r'src="/static/js/app\.[0-9a-f]{12}\.js"', html)
    assert re.search(r'href="/static/icons/logo\.[0-9a-f]{12}\.svg"', html)
    assert 'href="/static/css/app.css"' not in html


def test_hashed_files_are_served_compressed_and_cached_for_good(collected):
    _, page = collected
    assert page["asset_status"] == 200
    assert page["encoding"] == "br"
    assert "immutable" in page["cache_control"]
    assert int(re.search(r"max-age=(\d+)", page["cache_control"]).group(1)) >= 365 * 24 * 3600
