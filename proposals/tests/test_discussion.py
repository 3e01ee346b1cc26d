"""The discussion: Markdown rendered safely, replies one level deep, editing one's own
comment for a while, and @username mentions recorded and linked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.errors import ProposalForbidden, ProposalInvalid, ProposalStateError
from proposals.models import Comment
from proposals.presenters import discussion_html, mentioned_usernames
from proposals.services import comment_add, comment_edit, review_submit
from proposals.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_markdown_is_rendered_safely():
    html = discussion_html(
        "**bold** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.com)"
    )
    assert "<strong>bold</strong>" in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.com" rel="nofollow ugc noopener">ok</a>' in html


def test_mentions_link_only_recorded_members_and_never_in_code_or_links():
    html = discussion_html(
        "Thanks @ana, and @ghost. `@ana` [@ana](https://example.com) mail ana@example.com",
        mentions=["ana"],
    )
    assert html.count('href="/members/ana/"') == 1
    assert "@ghost" in html
    assert 'href="/members/ghost/"' not in html
    assert "<code>@ana</code>" in html


def test_mentioned_usernames():
    assert mentioned_usernames("@ana, @bo.b. and @ana again; me@mail.org") == ["ana", "bo.b"]


def test_a_reply_joins_the_thread_of_the_comment_it_answers(proposal):
    member = UserFactory.create()
    top = comment_add(proposal=proposal, author=member, text="Why E?")
    reply = comment_add(proposal=proposal, author=proposal.author, text="Because.", parent=top)
    nested = comment_add(proposal=proposal, author=member, text="Fair.", parent=reply)
    assert reply.parent_id == top.pk
    assert nested.parent_id == top.pk  # one level of threading


def test_a_reply_to_another_proposals_comment_is_refused(proposal, seed_role):
    from proposals.services import proposal_create
    from proposals.tests.conftest import DOCKER_SENIOR_E

    other = proposal_create(
        role=seed_role,
        author=UserFactory.create(),
        title="Other",
        rationale="Other",
        changes=[DOCKER_SENIOR_E],
    )
    elsewhere = comment_add(proposal=other, author=UserFactory.create(), text="Hi")
    with pytest.raises(ProposalInvalid):
        comment_add(proposal=proposal, author=UserFactory.create(), text="x", parent=elsewhere)


def test_mentions_are_recorded_and_the_mentioned_are_told_once(proposal):
    from proposals.models import Notification

    ana = UserFactory.create(username="ana")
    comment = comment_add(
        proposal=proposal, author=proposal.author, text="@ana @nobody @author look"
    )
    assert comment.mentions == ["ana"]  # existing members, the author left out

    def mentions() -> list[int]:
        rows = Notification.objects.filter(comment=comment, kind=Notification.Kind.MENTION)
        return sorted(rows.values_list("recipient_id", flat=True))

    assert mentions() == [ana.pk]
    bo = UserFactory.create(username="bo")
    comment_edit(comment=comment, author=proposal.author, text="@ana and @bo look")
    assert mentions() == sorted([ana.pk, bo.pk])  # bo told now; ana not told twice


def test_the_author_edits_within_the_window_and_it_is_marked(proposal, settings):
    settings.COMMENT_EDIT_MINUTES = 15
    member = UserFactory.create()
    comment = comment_add(proposal=proposal, author=member, text="Typo")
    with pytest.raises(ProposalForbidden):
        comment_edit(comment=comment, author=UserFactory.create(), text="Hijack")
    edited = comment_edit(comment=comment, author=member, text="Fixed")
    assert (edited.text, edited.edited_at is not None) == ("Fixed", True)
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    with pytest.raises(ProposalStateError):
        comment_edit(comment=Comment.objects.get(pk=comment.pk), author=member, text="Late")
    assert Comment.objects.get(pk=comment.pk).text == "Fixed"


def test_invisible_only_comment_is_refused(proposal):
    with pytest.raises(ProposalInvalid):
        comment_add(proposal=proposal, author=UserFactory.create(), text="\u200b\u202e")


def test_page_shows_threads_markdown_edited_mark_and_mention_links(client, proposal):
    ana = UserFactory.create(username="ana")
    top = comment_add(proposal=proposal, author=ana, text="Is **E** too much?")
    reply = comment_add(proposal=proposal, author=proposal.author, text="No, @ana.", parent=top)
    comment_edit(comment=reply, author=proposal.author, text="No, @ana: see *docs*.")
    client.force_login(ana)
    body = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "<strong>E</strong>" in body
    assert 'class="comments comments--replies"' in body
    assert f'id="comment-{reply.pk}"' in body
    assert '<a class="mention" href="/members/ana/">@ana</a>' in body
    assert "edited" in body
    # ana may edit her own comment only; everyone may reply.
    assert f"/comments/{top.pk}/edit/" in body
    assert f"/comments/{reply.pk}/edit/" not in body
    assert f'name="parent" value="{top.pk}"' in body


def test_reply_and_edit_work_without_js(client, proposal):
    member = UserFactory.create()
    top = comment_add(proposal=proposal, author=UserFactory.create(), text="First")
    client.force_login(member)
    url = f"/proposals/{proposal.pk}/comments/"
    response = client.post(url, {"text": "A reply", "parent": top.pk})
    assert response.status_code == 303
    reply = Comment.objects.get(text="A reply")
    assert reply.parent_id == top.pk
    edit = client.post(f"{url}{reply.pk}/edit/", {"text": "A better reply"})
    assert edit.status_code == 303
    assert edit["Location"].endswith(f"#comment-{reply.pk}")
    reply.refresh_from_db()
    assert (reply.text, reply.edited_at is not None) == ("A better reply", True)
    other = client.post(f"{url}{top.pk}/edit/", {"text": "Not mine"})
    assert other.status_code == 403
    assert Comment.objects.get(pk=top.pk).text == "First"


def test_rationale_and_review_comments_render_markdown(client, in_review, global_expert):
    review_submit(
        proposal=in_review,
        reviewer=global_expert,
        decision="reject",
        comment="See [the survey](https://example.com/s) — <i>no</i>",
    )
    body = client.get(f"/proposals/{in_review.pk}/").content.decode()
    assert '<a href="https://example.com/s" rel="nofollow ugc noopener">the survey</a>' in body
    assert "&lt;i&gt;no&lt;/i&gt;" in body
