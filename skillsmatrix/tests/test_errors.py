"""Each domain error answers its one status and message, on pages and in the API alike: the
page handler (``refusal_page``, through the middleware) and the API's exception handler."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from grading.errors import (
    AssessmentError,
    AssessmentNotFound,
    ShareLinksLimited,
)
from proposals.errors import (
    CommentNotFound,
    FlagsLimited,
    MemberNotFound,
    ProposalError,
    ProposalForbidden,
    ProposalInvalid,
    ProposalLimitReached,
    ProposalNotFound,
    ProposalStateError,
    ProposalWritesLimited,
    VoteNotFound,
)
from roles.errors import (
    CellNotFound,
    ChangeConflict,
    RoleChangeError,
    RoleNotFound,
    RoleVersionNotFound,
)
from skillsmatrix.errors import DomainError, NotFound, RateLimited

pytestmark = pytest.mark.django_db

# (how to make the error — in the request's language —, the status it answers, the body the
# API answers besides its message, and the headers both answer with)
DOMAIN_ERRORS = [
    pytest.param(lambda: NotFound("No skill 'cobol'"), 404, {}, {}, id="NotFound"),
    pytest.param(lambda: RoleNotFound("No role 'ghost'"), 404, {}, {}, id="RoleNotFound"),
    pytest.param(
        lambda: RoleVersionNotFound("No version 9"), 404, {}, {}, id="RoleVersionNotFound"
    ),
    pytest.param(lambda: CellNotFound("No level 'staff'"), 404, {}, {}, id="CellNotFound"),
    pytest.param(lambda: RoleChangeError("slug: taken"), 400, {}, {}, id="RoleChangeError"),
    pytest.param(
        lambda: ChangeConflict(base_version=3, conflicts=[("cell:docker:senior", 4)]),
        409,
        {},
        {},
        id="ChangeConflict",
    ),
    pytest.param(lambda: ProposalError("Refused."), 400, {}, {}, id="ProposalError"),
    pytest.param(
        lambda: ProposalInvalid({"title": "This field is required."}),
        400,
        {"errors": {"title": "This field is required."}},
        {},
        id="ProposalInvalid",
    ),
    pytest.param(lambda: ProposalForbidden("Sign in first."), 403, {}, {}, id="ProposalForbidden"),
    pytest.param(
        lambda: ProposalStateError("Voting on this proposal is closed."),
        409,
        {},
        {},
        id="ProposalStateError",
    ),
    pytest.param(
        lambda: ProposalLimitReached("At most 10 open proposals."),
        429,
        {},
        {},
        id="ProposalLimitReached",
    ),
    pytest.param(lambda: VoteNotFound("No vote."), 404, {}, {}, id="VoteNotFound"),
    pytest.param(lambda: ProposalNotFound("No proposal #7"), 404, {}, {}, id="ProposalNotFound"),
    pytest.param(
        lambda: ProposalWritesLimited(retry_after=90),
        429,
        {},
        {"Retry-After": "90"},
        id="ProposalWritesLimited",
    ),
    pytest.param(
        lambda: AssessmentNotFound("No such assessment"), 404, {}, {}, id="AssessmentNotFound"
    ),
    pytest.param(lambda: MemberNotFound("No such member"), 404, {}, {}, id="MemberNotFound"),
    pytest.param(lambda: CommentNotFound("No comment 7"), 404, {}, {}, id="CommentNotFound"),
    pytest.param(
        lambda: FlagsLimited(retry_after=1200),
        429,
        {},
        {"Retry-After": "1200"},
        id="FlagsLimited",
    ),
    pytest.param(
        lambda: AssessmentError("Rate at least one skill."), 400, {}, {}, id="AssessmentError"
    ),
    pytest.param(
        lambda: ShareLinksLimited(retry_after=600),
        429,
        {},
        {"Retry-After": "600"},
        id="ShareLinksLimited",
    ),
]


def _raising(exc: Exception):
    def raise_it(**kwargs):
        raise exc

    return raise_it


@pytest.mark.parametrize(("make", "status", "details", "headers"), DOMAIN_ERRORS)
def test_the_page_handler_answers_each_domain_error(
    client, monkeypatch, make, status, details, headers
):
    exc = make()
    monkeypatch.setattr("proposals.views.proposal_list", _raising(exc))

    response = client.get("/proposals/")

    assert response.status_code == status
    body = response.content.decode()
    if status == 404:
        assert "Page not found" in body  # the site's 404 page
    else:
        assert escape(exc.message) in body
        assert "Browse all roles" in body  # the way back it offers by default
    for name, value in headers.items():
        assert response[name] == value


@pytest.mark.parametrize(("make", "status", "details", "headers"), DOMAIN_ERRORS)
def test_the_api_handler_answers_each_domain_error(
    client, monkeypatch, make, status, details, headers
):
    exc = make()
    monkeypatch.setattr("proposals.apis.proposal_list", _raising(exc))

    response = client.get("/api/v1/proposals/")

    assert response.status_code == status
    assert response.json() == {"message": str(exc), **details}
    for name, value in headers.items():
        assert response[name] == value


def _subclasses(cls: type[DomainError]) -> set[type[DomainError]]:
    children = cls.__subclasses__()
    return {*children, *(sub for child in children for sub in _subclasses(child))}


def test_every_error_that_names_its_own_status_is_stated_above():
    """A new domain error either answers as its parent does or is added to DOMAIN_ERRORS."""
    makers = [param.values[0] for param in DOMAIN_ERRORS]
    stated = {type(make()) for make in makers if callable(make)}
    assert len(stated) == len(DOMAIN_ERRORS)
    own_status = {cls for cls in _subclasses(DomainError) if "status" in vars(cls)}
    assert own_status - {RateLimited} <= stated


def test_messages_follow_the_request_language(client, monkeypatch):
    def share_links_limited(**kwargs):
        # Made when raised, in the request's language, as the services' messages are.
        raise ShareLinksLimited(retry_after=60)

    monkeypatch.setattr("proposals.apis.proposal_list", share_links_limited)

    response = client.get("/api/v1/proposals/", HTTP_ACCEPT_LANGUAGE="es")

    assert response.json()["message"] == (
        "Ha creado muchos enlaces para compartir en la última hora. "
        "Inténtelo de nuevo dentro de 1 minuto."
    )
