"""System checks of the project's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.files.storage import storages


@register(Tags.staticfiles, deploy=True)
def static_files_collected(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Production storage serves hashed names from the manifest `collectstatic` writes; without
    it every page that links a static file fails."""
    # Typed as a plain object: the stubs deem a Storage that is a ManifestFilesMixin impossible.
    storage: object = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.manifest_storage is None:
        return []
    if storage.manifest_storage.exists(storage.manifest_name):
        return []
    return [
        Error(
            f"No static files manifest in {settings.STATIC_ROOT}.",
            hint="Run `manage.py collectstatic` with these settings (the image does so).",
            id="skillsmatrix.E001",
        )
    ]
