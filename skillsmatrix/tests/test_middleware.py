from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/roles/", "/healthz", "/nope/"])
def test_every_answer_denies_the_powerful_browser_features(client, path):
    policy = client.get(path)["Permissions-Policy"]
    features = dict(entry.split("=", 1) for entry in policy.split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
