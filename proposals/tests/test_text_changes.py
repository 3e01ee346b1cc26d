"""Issue 18: a changed text (a cell's details, a level's focus) reads old → new with its changed
words marked, on the proposal page, in the editor's preview, in the emails and in the role's
history — not just "details changed"."""

from __future__ import annotations

import pytest
from django.core import mail

from proposals.models import Notification
from proposals.selectors import role_current_state
from proposals.services import proposal_create, proposal_withdraw
from proposals.tests.factories import UserFactory
from roles.textdiff import MAX_WORDS, text_change_plain, word_diff, word_diff_sides

pytestmark = pytest.mark.django_db

NEW_DETAILS = "Builds slim images and <b>debugs</b> layer caching alone."


def test_word_diff_marks_removed_and_added_words_and_escapes_them():
    html = word_diff("Builds images with help.", "Builds slim images <b>alone</b>.")
    assert html == (
        "Builds<ins> slim</ins> images <del>with help.</del> <ins>&lt;b&gt;alone&lt;/b&gt;.</ins>"
    )
    assert "<b>" not in html
    old, new = word_diff_sides("a b c", "a x c")
    assert (str(old), str(new)) == ("a <del>b</del> c", "a <ins>x</ins> c")


def test_word_diff_stays_bounded_on_long_texts():
    long_old = " ".join(f"w{i}" for i in range(5000))
    long_new = long_old.replace("w10 ", "changed ", 1)
    html = word_diff(long_old, long_new)
    assert "<del>w10</del>" in html
    assert "<ins>changed</ins>" in html
    assert len(html) < 1000  # the unchanged run is shortened, the rest cut at MAX_WORDS words
    assert html.endswith(" …")
    assert f"w{MAX_WORDS + 5}" not in html
    plain = text_change_plain("", "x " * 400)
    assert plain.endswith(" …”")
    assert len(plain) < 320


def _details_proposal(role, author):
    return proposal_create(
        role=role,
        author=author,
        title="Say what senior Docker means",
        rationale="The old words were vague.",
        changes=[{"op": "set_details", "skill": "docker", "level": "senior", "text": NEW_DETAILS}],
    )


def _old_details(role) -> str:
    cell = role_current_state(role=role).cell("docker", "senior")
    return cell.details if cell else ""


def test_the_proposal_page_shows_a_details_change_old_to_new(client, seed_role, author):
    old = _old_details(seed_role)
    proposal = _details_proposal(seed_role, author)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    texts = page.split("data-text-changes")[1].split("</ul>")[0]
    assert "Docker · Senior" in texts
    assert "<ins>" in texts
    assert "&lt;b&gt;debugs&lt;/b&gt;" in texts
    assert "<b>debugs" not in page
    if old:
        assert "<del>" in texts


def test_the_editor_preview_shows_the_new_details(client, seed_role):
    client.force_login(UserFactory.create())
    data = {
        "rows": "1",
        "base_version": "1",
        "title": "",
        "rationale": "",
        "evidence_links": "",
        "change-0-op": "set_details",
        "change-0-skill": "docker",
        "change-0-level": "senior",
        "change-0-text": NEW_DETAILS,
        "action": "preview",
    }
    page = client.post("/proposals/new/?role=mlops-engineer", data).content.decode()
    texts = page.split("data-text-changes")[1].split("</ul>")[0]
    assert "&lt;b&gt;debugs&lt;/b&gt;" in texts
    assert "<ins>" in texts


def test_the_emails_show_the_new_details(seed_role, author, django_capture_on_commit_callbacks):
    author.email = "author@example.com"
    author.save(update_fields=["email"])
    proposal = _details_proposal(seed_role, author)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_withdraw(proposal=proposal, author=author)
    assert Notification.objects.filter(proposal=proposal).count() == 1
    (message,) = mail.outbox
    assert "Docker · Senior · details:" in message.body
    assert "“Builds slim images and <b>debugs</b> layer caching alone.”" in message.body
    html = str(message.alternatives[0][0])  # type: ignore[attr-defined]
    assert "&lt;b&gt;debugs&lt;/b&gt;" in html
    assert "<ins>" in html


def test_the_history_shows_an_applied_details_change_old_to_new(client, seed_role, author):
    from roles.changes.types import parse_changes
    from roles.services import role_change_apply

    role_change_apply(
        role=seed_role,
        changes=parse_changes(
            [{"op": "set_details", "skill": "docker", "level": "senior", "text": NEW_DETAILS}]
        ),
        author=author,
        source="admin",
        message="Clearer words",
    )
    page = client.get(f"/roles/{seed_role.slug}/history/").content.decode()
    texts = page.split("data-text-changes")[1].split("</ul>")[0]
    assert "Docker · Senior" in texts
    assert "<ins>" in texts
    assert "&lt;b&gt;debugs&lt;/b&gt;" in texts
