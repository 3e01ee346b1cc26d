"""The Celery configuration of issue 9: beat's schedule, retries, time limits, acknowledgement
and the broker's visibility timeout."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from skillsmatrix.celery import app

OUR_TASKS = {
    "proposals.tasks.proposals_close_due_task",
    "proposals.tasks.notification_send_task",
    "proposals.tasks.notifications_sweep",
    "roles.tasks.role_page_warm_task",
    "grading.tasks.assessments_purge_task",
}


def test_beat_schedule_has_the_sweeps_every_minute():
    app.loader.import_default_modules()
    schedule = {entry["task"]: entry for entry in app.conf.beat_schedule.values()}
    for name in (
        "proposals.tasks.proposals_close_due_task",
        "proposals.tasks.notifications_sweep",
    ):
        assert name in app.tasks
        assert schedule[name]["schedule"] == 60.0
        # A run that waited out a broker outage is dropped: the next one does the work.
        assert schedule[name]["options"]["expires"] < 60
    assert "grading.tasks.assessments_purge_task" in schedule


def test_every_task_is_idempotent_retried_and_time_limited():
    app.loader.import_default_modules()
    assert set(app.tasks) >= OUR_TASKS
    for name in OUR_TASKS:
        task: Any = app.tasks[name]
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.retry_backoff is True
        assert task.retry_backoff_max <= settings.TASK_RETRY_BACKOFF_MAX
        assert 0 < task.soft_time_limit < task.time_limit <= settings.TASK_LONGEST_TIME_LIMIT


def test_visibility_timeout_exceeds_the_longest_countdown_and_run():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    longest = settings.TASK_RETRY_BACKOFF_MAX + settings.TASK_LONGEST_TIME_LIMIT
    assert options["visibility_timeout"] > longest
    assert app.conf.broker_transport_options["visibility_timeout"] > longest


def test_sending_never_retries_in_the_request():
    assert app.conf.task_publish_retry is False
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["max_retries"] <= 1
    assert app.conf.broker_connection_timeout <= 2


def test_a_visibility_timeout_too_short_is_refused():
    from skillsmatrix.tests.production import run_python

    result = run_python(["-c", "import skillsmatrix.settings"], CELERY_VISIBILITY_TIMEOUT="600")
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_RETRY_BACKOFF_MAX" in result.stderr


def test_without_a_broker_tasks_run_eagerly(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True


def test_a_worker_reconnects_to_its_broker_for_as_long_as_it_takes():
    assert app.conf.broker_connection_retry is True
    assert app.conf.broker_connection_max_retries is None


def test_a_redis_broker_uses_the_transport_whose_acknowledgements_cannot_wedge_a_worker():
    from skillsmatrix.tests.production import run_python

    code = "from skillsmatrix import settings as s; print(s.CELERY_BROKER_TRANSPORT)"
    assert run_python(["-c", code]).stdout.split() == ["None"]
    result = run_python(["-c", code], CELERY_BROKER_URL="redis://127.0.0.1:6379/1")
    assert result.stdout.split() == ["skillsmatrix.broker:Transport"]
    result = run_python(["-c", code], CELERY_BROKER_URL="rediss://broker.example:6380/1")
    assert result.stdout.split() == ["None"]


def test_the_sweeps_period_is_a_setting():
    from skillsmatrix.tests.production import run_python

    code = (
        "from skillsmatrix import settings as s; "
        "e = s.CELERY_BEAT_SCHEDULE['close-due-proposals']; "
        "print(e['schedule'], e['options']['expires'])"
    )
    result = run_python(["-c", code], PROPOSAL_SWEEP_SECONDS="4")
    assert result.stdout.split() == ["4.0", "2.0"]
    result = run_python(["-c", code], PROPOSAL_SWEEP_SECONDS="0")
    assert "PROPOSAL_SWEEP_SECONDS must be at least 1" in result.stderr


def test_sending_shares_the_brokers_redis_breaker_and_only_unreachability_opens_it(
    monkeypatch, request
):
    from kombu.exceptions import OperationalError

    from proposals.tasks import notifications_sweep
    from skillsmatrix.background import send_task
    from skillsmatrix.cache import redis_breaker

    original = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:6390/1")
    request.addfinalizer(lambda: app.conf.update(**original))
    breaker = redis_breaker({"host": "127.0.0.1", "port": 6390})  # the cache's, on that server

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ValueError("not about the server")

    monkeypatch.setattr(notifications_sweep, "apply_async", refuse)
    assert send_task(notifications_sweep) is False
    assert not breaker.is_open

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(notifications_sweep, "apply_async", unreachable)
    assert send_task(notifications_sweep) is False
    assert breaker.is_open


def test_services_send_tasks_by_name_and_an_unknown_name_fails_at_once(
    django_capture_on_commit_callbacks,
):
    from celery.exceptions import NotRegistered

    from skillsmatrix.background import registered_task, send_after_commit

    for name in OUR_TASKS:
        assert registered_task(name).name == name
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(NotRegistered):
        send_after_commit("proposals.tasks.no_such_task", notification_id=1)
    assert callbacks == []
