from __future__ import annotations

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class SkillsmatrixConfig(AppConfig):
    name = "skillsmatrix"

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up

        from skillsmatrix import checks  # noqa: F401 - registers the system checks
        from skillsmatrix.accounts import tasks  # noqa: F401 - registers its task (see there)
        from skillsmatrix.accounts.views import language_from_signup

        user_signed_up.connect(language_from_signup, dispatch_uid="language_from_signup")
        _observability_install()
        _allauth_counts_in_the_ratelimit_cache()
        _home_sections_register()


def _observability_install() -> None:
    """Time every database statement, put the request id on every log record, and connect
    the Celery signals of task metrics and request ids (importing the module connects them)."""
    from django.db.backends.signals import connection_created

    from skillsmatrix import observability
    from skillsmatrix.metrics import database_timer_install

    connection_created.connect(database_timer_install, dispatch_uid="database_timer")
    observability.log_record_factory_install()


def _home_sections_register() -> None:
    """The home page (roles' catalogue) shows the proposals' activity; roles cannot import
    proposals, so the site, above both, hands it the section (roles.home)."""
    from proposals.selectors import HOME_SECTION, proposal_activity
    from roles.home import HomeSection, home_section_register

    home_section_register(
        HomeSection(
            name=HOME_SECTION,
            template="proposals/includes/home_activity.html",
            context=proposal_activity,
        )
    )


def _allauth_counts_in_the_ratelimit_cache() -> None:
    """allauth keeps its rate limits (sign-in, sign-up, password reset) in the module-level
    ``cache`` of ``allauth.core.internal.ratelimit``, the default cache, with no setting to
    choose another. Point it at the ``ratelimit`` cache, which falls back to the database
    while Redis is unreachable, so those limits keep counting (and sign-in keeps answering)
    through an outage instead of refusing everyone, in lock-free sliding windows
    (:mod:`skillsmatrix.accounts.limits`)."""
    from allauth.core.internal import ratelimit
    from django.core.cache import caches
    from django.utils.connection import ConnectionProxy

    from skillsmatrix.accounts import limits

    if not hasattr(ratelimit, "cache"):  # pragma: no cover - an allauth upgrade moved it
        raise ImproperlyConfigured(
            "allauth.core.internal.ratelimit has no `cache` any more: see skillsmatrix/apps.py"
        )
    ratelimit.cache = ConnectionProxy(caches, "ratelimit")
    # And count there without allauth's lock, which a hung Redis could leave behind.
    limits.install()
