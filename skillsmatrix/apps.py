from __future__ import annotations

from django.apps import AppConfig


class SkillsmatrixConfig(AppConfig):
    name = "skillsmatrix"

    def ready(self) -> None:
        from skillsmatrix import checks  # noqa: F401 - registers the system checks
