from __future__ import annotations

from django.apps import AppConfig


class SkillsmatrixConfig(AppConfig):
    name = "skillsmatrix"

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up

        from skillsmatrix import checks  # noqa: F401 - registers the system checks
        from skillsmatrix.accounts.notifications import language_from_signup

        user_signed_up.connect(language_from_signup, dispatch_uid="language_from_signup")
