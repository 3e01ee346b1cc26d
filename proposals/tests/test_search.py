"""Text search of /proposals/ and the API's list: title, rationale and comments, full-text on
PostgreSQL (a stored, weighted document the services keep in step), substrings on SQLite; bad
input finds nothing or says why, never a 500."""

from __future__ import annotations

import html
import importlib
import types

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import Comment, FlaggedItem, Proposal
from proposals.moderation import comment_flag, flagged_item_confirm, flagged_item_dismiss
from proposals.selectors import proposal_list
from proposals.services import (
    comment_add,
    comment_delete,
    comment_edit,
    proposal_create,
    proposal_revise,
)
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text search is PostgreSQL's; SQLite uses the substring fallback",
)


def _propose(role, title: str, rationale: str = "Because.", **kwargs) -> Proposal:
    return proposal_create(
        role=role,
        author=UserFactory.create(),
        title=title,
        rationale=rationale,
        changes=[kwargs.pop("change", DOCKER_SENIOR_E)],
        **kwargs,
    )


def _titles(search: str, **filters) -> list[str]:
    return [proposal.title for proposal in proposal_list(search=search, **filters)]


@pytest.fixture
def three(seed_role):
    """One proposal per searched text: a word of its title, of its rationale, of a comment."""
    in_title = _propose(seed_role, "Kubernetes for every senior")
    in_rationale = _propose(seed_role, "Seniors ship charts", rationale="Helm charts are daily.")
    in_comment = _propose(seed_role, "Seniors own the state")
    comment_add(proposal=in_comment, author=UserFactory.create(), text="Terraform state too.")
    return in_title, in_rationale, in_comment


def test_search_finds_words_of_the_title_the_rationale_and_the_comments(three):
    assert _titles("kubernetes") == ["Kubernetes for every senior"]
    assert _titles("HELM") == ["Seniors ship charts"]
    assert _titles("terraform") == ["Seniors own the state"]
    # Every word is needed, in any field and any order.
    assert _titles("senior kubernetes") == ["Kubernetes for every senior"]
    assert _titles("kubernetes helm") == []
    assert _titles("") == [
        "Seniors own the state",
        "Seniors ship charts",
        "Kubernetes for every senior",
    ]


def test_search_reads_or_and_leaving_words_out_as_a_search_box_does(three):
    assert _titles("kubernetes or terraform", sort="newest") == [
        "Seniors own the state",
        "Kubernetes for every senior",
    ]
    assert _titles("seniors -helm") == ["Seniors own the state"]
    assert _titles('"helm charts"') == ["Seniors ship charts"]


def test_search_keeps_the_other_filters(three, seed_role):
    assert _titles("kubernetes", role_slug=seed_role.slug, status="voting") == [
        "Kubernetes for every senior"
    ]
    assert _titles("kubernetes", status="accepted") == []
    assert _titles("kubernetes", role_slug="other-role") == []


def test_a_comment_is_found_once_added_edited_and_not_once_deleted(seed_role, admin):
    proposal = _propose(seed_role, "Docker for seniors")
    commenter = UserFactory.create()
    comment = comment_add(proposal=proposal, author=commenter, text="What about podman?")
    assert _titles("podman") == ["Docker for seniors"]
    comment_edit(comment=comment, author=commenter, text="What about buildah?")
    assert _titles("podman") == []
    assert _titles("buildah") == ["Docker for seniors"]
    reply = comment_add(proposal=proposal, author=commenter, text="Kaniko.", parent=comment)
    comment_delete(comment=Comment.objects.get(pk=comment.pk), moderator=admin)
    assert not Comment.objects.filter(pk=reply.pk).exists()  # the thread goes with it
    assert _titles("buildah") == []
    assert _titles("kaniko") == []
    assert _titles("docker") == ["Docker for seniors"]


def test_a_comment_hidden_by_flags_or_removed_is_not_found_and_a_restored_one_is(
    seed_role, admin, settings
):
    settings.FLAGS_TO_HIDE = 2
    proposal = _propose(seed_role, "Docker for seniors")
    comment = comment_add(proposal=proposal, author=UserFactory.create(), text="Cheap watches")
    for member in UserFactory.create_batch(2):
        comment_flag(comment=comment, member=member, reason="spam")
    assert _titles("watches") == []
    flagged_item_dismiss(item=FlaggedItem.objects.get(comment=comment), moderator=admin)
    assert _titles("watches") == ["Docker for seniors"]
    for member in UserFactory.create_batch(2):
        comment_flag(comment=Comment.objects.get(pk=comment.pk), member=member, reason="spam")
    pending = FlaggedItem.objects.get(comment=comment, state=FlaggedItem.State.HIDDEN)
    flagged_item_confirm(item=pending, moderator=admin)
    assert _titles("watches") == []


def test_a_revision_is_found_by_its_new_words_only(seed_role):
    proposal = _propose(seed_role, "Docker for seniors", rationale="Images everywhere.")
    proposal_revise(
        proposal=proposal,
        author=proposal.author,
        title="Containers for seniors",
        rationale="Images and registries everywhere.",
        changes=proposal.changes,
    )
    assert _titles("docker") == []
    assert _titles("containers registries") == ["Containers for seniors"]


def test_a_moderator_deletes_a_comment_in_the_admin_and_it_is_no_longer_found(
    admin_client, seed_role
):
    proposal = _propose(seed_role, "Docker for seniors")
    spam = comment_add(proposal=proposal, author=UserFactory.create(), text="Cheap watches")
    form = {
        "comments-TOTAL_FORMS": "1",
        "comments-INITIAL_FORMS": "1",
        "comments-0-id": spam.pk,
        "comments-0-proposal": proposal.pk,
        "comments-0-DELETE": "on",
        **{f"{name}-{key}": "0" for name in ("reviews", "votes") for key in ("TOTAL_FORMS",)},
        **{f"{name}-INITIAL_FORMS": "0" for name in ("reviews", "votes")},
    }
    response = admin_client.post(f"/admin/proposals/proposal/{proposal.pk}/change/", form)
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=spam.pk).exists()
    assert _titles("watches") == []


def test_pages_never_load_the_search_document(three):
    # Only the database reads it; a discussion's words would weigh on every list.
    assert "search_document" in proposal_list(search="terraform")[0].get_deferred_fields()
    assert "search_document" in Proposal.objects.get(pk=three[0].pk).get_deferred_fields()


@pytest.mark.parametrize(
    "search",
    ["\x00", "docker\x00", "\ud800", "a\udfffb", "x" * 10_000, "*:&|!()'", "<>", '"', "-", "or"],
)
def test_search_of_bad_input_finds_nothing_rather_than_failing(three, search):
    assert _titles(search) == []


@on_postgresql
def test_the_search_reads_the_stored_document_with_websearch_to_tsquery(three):
    with CaptureQueriesContext(connection) as queries:
        assert _titles("kubernetes") == ["Kubernetes for every senior"]
    sql = queries[0]["sql"]
    assert "websearch_to_tsquery" in sql
    assert '"search_document" @@' in sql
    assert "to_tsvector" not in sql  # nothing computed per row: the GIN index answers
    document = Proposal.objects.values_list("search_document", flat=True).get(pk=three[2].pk)
    assert "'terraform':" in str(document)


@on_postgresql
def test_best_matches_come_first_unless_another_order_is_chosen(seed_role):
    in_comment = _propose(seed_role, "A proposal")
    comment_add(proposal=in_comment, author=UserFactory.create(), text="Observability first.")
    _propose(seed_role, "Another proposal", rationale="Observability matters.")
    _propose(seed_role, "Observability for seniors")
    _propose(seed_role, "Unrelated")
    best = ["Observability for seniors", "Another proposal", "A proposal"]
    assert _titles("observability") == best
    assert _titles("observability", sort="relevance") == best
    assert _titles("observability", sort="newest") == best  # newest first too, by chance
    Proposal.objects.filter(title="A proposal").update(created_at="2099-01-01T00:00:00Z")
    assert _titles("observability", sort="newest")[0] == "A proposal"
    assert _titles("observability")[0] == "Observability for seniors"


@on_postgresql
def test_the_migration_writes_the_documents_of_proposals_written_before_search(seed_role):
    old = ProposalFactory.create(role=seed_role, title="Written before search")
    assert Proposal.objects.get(pk=old.pk).search_document is None
    migration = importlib.import_module("proposals.migrations.0008_search_document")
    migration._write_search_documents(apps, types.SimpleNamespace(connection=connection))
    assert _titles("before search") == ["Written before search"]


def test_the_list_page_searches_without_javascript_and_as_an_htmx_fragment(client, three):
    body = html.unescape(client.get("/proposals/?q=kubernetes").content.decode())
    assert "Kubernetes for every senior" in body
    assert "Seniors ship charts" not in body
    assert 'name="q" value="kubernetes"' in body
    assert 'type="search"' in body
    fragment = client.get("/proposals/?q=helm", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "Seniors ship charts" in fragment
    assert "Kubernetes" not in fragment
    nothing = html.unescape(client.get("/proposals/?q=podman").content.decode())
    assert "No proposals match “podman” with these filters." in nothing


def test_the_list_page_refuses_a_search_it_cannot_run_with_a_message(client, three):
    long = client.get("/proposals/", {"q": "kubernetes " * 1000})
    assert long.status_code == 200
    body = html.unescape(long.content.decode())
    assert "At most 200 characters (it has 10999)." in body
    assert "Kubernetes for every senior" not in body
    assert 'aria-invalid="true"' in body
    nul = client.get("/proposals/?q=kube%00rnetes")
    assert nul.status_code == 200
    assert "Null characters are not allowed." in nul.content.decode()
    # A lone surrogate's bytes arrive as a replacement character: nothing matches.
    surrogate = client.get("/proposals/?q=%ED%A0%80")
    assert surrogate.status_code == 200
    assert "Kubernetes for every senior" not in surrogate.content.decode()


def test_the_list_page_keeps_the_search_across_pages(client, seed_role):
    for index in range(22):
        _propose(seed_role, f"Kubernetes number {index}")
    _propose(seed_role, "Something else")
    first = html.unescape(client.get("/proposals/?q=kubernetes&sort=newest").content.decode())
    assert "Page 1 of 2" in first
    assert "Something else" not in first
    assert "?q=kubernetes&sort=newest&page=2" in first
    second = html.unescape(
        client.get("/proposals/?q=kubernetes&sort=newest&page=2").content.decode()
    )
    assert "Kubernetes number 1<" in second
    assert "Kubernetes number 0<" in second
    assert "Kubernetes number 2<" not in second


def test_the_api_list_searches(client, three):
    def titles(query: str) -> list[str]:
        response = client.get("/api/v1/proposals/", {"search": query})
        assert response.status_code == 200
        return [row["title"] for row in response.json()["results"]]

    assert titles("kubernetes") == ["Kubernetes for every senior"]
    assert titles("terraform") == ["Seniors own the state"]
    assert titles("kube\x00") == []
    assert titles("kubernetes " * 1000) == ["Kubernetes for every senior"]  # the first 200
    assert client.get("/api/v1/proposals/?search=x&sort=best").status_code == 400
