"""Request ids and log lines (issue 19): one JSON line per request with no secrets in it, the
``X-Request-ID`` taken (when sane) and answered, carried into the tasks a request sends and
onto the 500 page; error reports to Sentry only with ``SENTRY_DSN``."""

from __future__ import annotations

import json
import logging

import pytest
from celery import signals

from proposals.models import Notification
from proposals.services import proposal_create
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from skillsmatrix import observability
from skillsmatrix.observability import JsonLogFormatter
from skillsmatrix.tests.production import run_python

REQUEST_ID = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


def json_line(record: logging.LogRecord) -> dict:
    """The record as the site's console handler writes it in production."""
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, JsonLogFormatter)
    )
    for log_filter in console.filters:
        log_filter.filter(record)
    line = console.format(record)
    assert "\n" not in line
    return json.loads(line)


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "skillsmatrix.request"]


# --- The request's log line --------------------------------------------------------------------


@pytest.mark.django_db
def test_each_request_logs_one_json_line(client, caplog, member):
    caplog.set_level(logging.INFO, logger="skillsmatrix.request")
    client.force_login(member)

    response = client.get("/accounts/profile/", HTTP_X_REQUEST_ID=REQUEST_ID)

    assert response.status_code == 200
    [record] = request_lines(caplog)
    line = json_line(record)
    assert line["level"] == "INFO"
    assert line["logger"] == "skillsmatrix.request"
    assert line["method"] == "GET"
    assert line["path"] == "/accounts/profile/"
    assert line["route"] == "accounts/profile/"
    assert line["view"] == "profile"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["request_id"] == REQUEST_ID
    assert line["member_id"] == member.pk
    assert "time" in line


@pytest.mark.django_db
def test_the_line_of_an_anonymous_request_has_no_member(client, caplog):
    caplog.set_level(logging.INFO, logger="skillsmatrix.request")
    client.get("/healthz")
    [record] = request_lines(caplog)
    assert json_line(record)["member_id"] is None


@pytest.mark.django_db
def test_the_member_is_not_looked_up_for_the_log_line(client, member, django_assert_num_queries):
    """A page that never needs the member costs no session or user query for the log line."""
    client.force_login(member)
    with django_assert_num_queries(0):
        client.get("/healthz")


@pytest.mark.django_db
def test_the_line_has_no_query_string_email_or_key(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/healthz?token=s3cr3t-token&email=ana%40example.com")
    client.get("/members/ana@example.com/")
    client.get("/accounts/confirm-email/MQ:1tGs2k:confirmation-key-s3cr3t/")
    client.get("/accounts/password/reset/key/1-set-password-key-s3cr3t-1/")

    lines = [json_line(record) for record in request_lines(caplog)]
    assert [line["path"] for line in lines] == [
        "/healthz",
        "/members/[redacted]/",
        "/accounts/confirm-email/[redacted]/",
        "/accounts/password/reset/key/[redacted]-[redacted]/",
    ]
    # Nothing any handler writes carries them, Django's own lines included.
    written = "\n".join(json.dumps(json_line(record)) for record in caplog.records)
    for secret in ("s3cr3t", "ana@example.com", "ana%40example.com", "token="):
        assert secret not in written


# --- X-Request-ID ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sane_request_id_is_kept_and_answered(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=REQUEST_ID)
    assert response["X-Request-ID"] == REQUEST_ID


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forged",
    [
        "abc\r\nX-Injected: yes",
        "a" * 129,
        "x" * 10_000,
        "short",
        "with space inside it",
        '"quoted-request-id"',
        "",
    ],
    ids=["crlf", "too-long", "huge", "too-short", "space", "quotes", "empty"],
)
def test_a_forged_request_id_is_replaced_by_a_new_one(client, caplog, forged):
    caplog.set_level(logging.INFO, logger="skillsmatrix.request")
    response = client.get("/healthz", HTTP_X_REQUEST_ID=forged)

    answered = response["X-Request-ID"]
    assert answered != forged
    assert observability._SANE_REQUEST_ID.fullmatch(answered)
    assert len(answered) == 36  # a UUID
    assert json_line(request_lines(caplog)[0])["request_id"] == answered


@pytest.mark.django_db
def test_each_request_without_an_id_gets_its_own(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second


def test_logging_outside_a_request_has_no_request_id(caplog):
    """Management commands and beat log without a request: the field is null, nothing breaks."""
    caplog.set_level(logging.INFO, logger="tests.outside")
    logging.getLogger("tests.outside").info("a command ran")
    [record] = caplog.records
    assert record.request_id is None
    line = json_line(record)
    assert line["request_id"] is None
    assert line["message"] == "a command ran"


def test_a_record_made_before_logging_was_set_up_still_formats():
    # Made as before the record factory was installed.
    record = logging.LogRecord("early", logging.INFO, __file__, 1, "starting", None, None)
    assert not hasattr(record, "request_id")
    assert json_line(record)["request_id"] is None


def test_email_addresses_are_masked_wherever_they_are_in_a_line():
    record = logging.LogRecord(
        "django.db",
        logging.ERROR,
        __file__,
        1,
        "Key (email)=(%s) already exists",
        ("ana.b+x@mail.example.org",),
        None,
    )
    line = json_line(record)
    assert line["message"] == "Key (email)=([redacted]) already exists"


# --- Into the tasks a request sends ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_request_id_is_on_the_log_line_of_the_task_it_sent(client, caplog, seed_role):
    """Eager mode: the withdrawal's email task runs during the request (after its commit)."""
    caplog.set_level(logging.INFO)
    author = UserFactory.create(username="author")
    proposal = proposal_create(
        role=seed_role,
        author=author,
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[DOCKER_SENIOR_E],
    )
    client.force_login(author)
    caplog.clear()

    response = client.post(f"/proposals/{proposal.pk}/withdraw/", HTTP_X_REQUEST_ID=REQUEST_ID)

    assert response.status_code == 303
    assert Notification.objects.get(proposal=proposal).state == "sent"
    [task_line] = [
        json_line(record)
        for record in caplog.records
        if record.name == "skillsmatrix.task"
        and record.task == "proposals.tasks.notification_send_task"
    ]
    assert task_line["request_id"] == REQUEST_ID
    assert task_line["outcome"] == "succeeded"
    assert isinstance(task_line["duration_ms"], float)
    # And the request's own line, after the task's.
    assert json_line(request_lines(caplog)[-1])["request_id"] == REQUEST_ID


def test_a_task_sent_during_a_request_carries_its_id_in_a_header():
    token = observability._request_id.set(REQUEST_ID)
    try:
        headers: dict[str, str] = {}
        signals.before_task_publish.send(sender="proposals.tasks.x", headers=headers, body=())
    finally:
        observability._request_id.reset(token)
    assert headers == {"request_id": REQUEST_ID}

    outside: dict[str, str] = {}
    signals.before_task_publish.send(sender="proposals.tasks.x", headers=outside, body=())
    assert outside == {}


@pytest.mark.django_db
def test_a_task_takes_the_request_id_from_its_message(caplog):
    from grading.tasks import assessments_purge_task

    caplog.set_level(logging.INFO, logger="skillsmatrix.task")
    assessments_purge_task.apply(headers={"request_id": REQUEST_ID})
    assessments_purge_task.apply(headers={"request_id": "bad\r\nid"})

    sent, forged = [record for record in caplog.records if record.name == "skillsmatrix.task"]
    assert sent.request_id == REQUEST_ID
    assert forged.request_id is None
    # Once the task is done, the id is gone.
    assert observability.request_id_current() is None


# --- The 500 page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_500_page_shows_the_request_id(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("roles.views.family_list_with_roles", broken)
    client.raise_request_exception = False

    response = client.get("/", HTTP_X_REQUEST_ID=REQUEST_ID)

    assert response.status_code == 500
    assert response["X-Request-ID"] == REQUEST_ID
    page = response.content.decode()
    assert "Something went wrong" in page
    assert f'<code class="request-id">{REQUEST_ID}</code>' in page


@pytest.mark.django_db
def test_the_500_page_shows_a_generated_id_too(client, monkeypatch):
    monkeypatch.setattr("roles.views.family_list_with_roles", lambda *a, **k: 1 / 0)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert f'<code class="request-id">{response["X-Request-ID"]}</code>' in (
        response.content.decode()
    )


# --- Sentry ------------------------------------------------------------------------------------

_SENTRY_STATE = """
import django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(client.is_active(), sorted(client.integrations), client.options["send_default_pii"],
      client.options["traces_sample_rate"])
"""


def test_sentry_is_off_without_a_dsn():
    result = run_python(["-c", _SENTRY_STATE])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False ")


def test_sentry_starts_with_a_dsn_and_sends_no_personal_data():
    # A DSN on a local port nothing listens on: no event is sent by starting.
    result = run_python(
        ["-c", _SENTRY_STATE],
        SENTRY_DSN="http://public@127.0.0.1:9/1",
        SENTRY_TRACES_SAMPLE_RATE="0.25",
    )
    assert result.returncode == 0, result.stderr
    active, rest = result.stdout.split(" ", 1)
    assert active == "True"
    assert "'celery'" in rest
    assert "'django'" in rest
    assert rest.strip().endswith("False 0.25")


def test_sentry_events_lose_query_strings_and_cookies():
    from skillsmatrix.sentry import _scrubbed

    event = {
        "request": {
            "url": "https://skills.example.com/accounts/login/?next=/x&token=s3cr3t",
            "query_string": "next=/x&token=s3cr3t",
            "cookies": {"sessionid": "abc"},
            "method": "GET",
        }
    }
    assert _scrubbed(event, {}) == {
        "request": {"url": "https://skills.example.com/accounts/login/", "method": "GET"}
    }
