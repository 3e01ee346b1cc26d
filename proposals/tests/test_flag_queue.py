"""The moderators' flag queue in the admin (proposals.admin.FlaggedItemAdmin): flagged proposals
and comments with their flags, newest first, a pending-only filter, and the decisions."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission

from proposals.models import FlaggedItem
from proposals.moderation import comment_flag, proposal_flag
from proposals.services import comment_add
from proposals.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/proposals/flaggeditem/"


@pytest.fixture(autouse=True)
def _three_flags_hide(settings):
    settings.FLAGS_TO_HIDE = 3


@pytest.fixture
def flaggers(db):
    return [UserFactory.create(username=name) for name in ("ana", "bo", "cy")]


@pytest.fixture
def flagged(proposal, flaggers):
    """A comment three members flagged (so hidden), then the proposal flagged once."""
    comment = comment_add(proposal=proposal, author=UserFactory.create(), text="Cheap pills")
    for member, reason in zip(flaggers, ("spam", "spam", "abuse"), strict=True):
        comment_flag(comment=comment, member=member, reason=reason, note=f"by {member.username}")
    proposal_flag(proposal=proposal, member=flaggers[0], reason="off_topic")
    return {
        "comment": FlaggedItem.objects.get(comment=comment),
        "proposal": FlaggedItem.objects.get(proposal=proposal, comment=None),
    }


@pytest.fixture
def moderator_client(client, db):
    user = UserFactory.create(username="mod", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_proposal"))
    client.force_login(user)
    client.moderator = user
    return client


def test_the_queue_lists_items_newest_first_with_their_flags(moderator_client, flagged):
    body = moderator_client.get(QUEUE).content.decode()
    pk = flagged["proposal"].proposal_id
    proposal_row = body.index(f">#{pk} Seniors master Docker<")
    comment_row = body.index("Comment by user")
    assert proposal_row < comment_row  # flagged last, listed first
    assert "Spam ×2, Rude or abusive" in body
    assert "ana, bo, cy" in body
    assert "Hidden pending moderation" in body
    assert f'href="/proposals/{pk}/#comment-{flagged["comment"].comment_id}"' in body
    page = moderator_client.get(f"{QUEUE}{flagged['comment'].pk}/change/").content.decode()
    assert "Cheap pills" in page
    assert "by bo" in page  # the notes, for moderators only
    assert 'name="_save"' not in page  # an item's page is read-only: decisions are actions


def test_the_pending_filter_leaves_decided_items_out(moderator_client, flagged):
    moderator_client.post(
        QUEUE, {"action": "dismiss", ACTION_CHECKBOX_NAME: [flagged["proposal"].pk]}
    )
    row = f">#{flagged['proposal'].proposal_id} Seniors master Docker<"
    pending = moderator_client.get(f"{QUEUE}?decision=pending").content.decode()
    assert "Comment by " in pending
    assert row not in pending
    decided = moderator_client.get(f"{QUEUE}?decision=decided").content.decode()
    assert row in decided
    assert "Comment by " not in decided


def test_dismissing_restores_a_hidden_comment_and_records_who(moderator_client, flagged):
    item = flagged["comment"]
    assert item.comment.is_hidden
    response = moderator_client.post(
        QUEUE, {"action": "dismiss", ACTION_CHECKBOX_NAME: [item.pk]}, follow=True
    )
    assert "Dismissed the flags on 1 item; it is shown again." in response.content.decode()
    item.refresh_from_db()
    item.comment.refresh_from_db()
    assert (item.state, item.decided_by) == ("dismissed", moderator_client.moderator)
    assert item.decided_at is not None
    assert not item.comment.is_hidden
    # Deciding again is refused, item by item.
    again = moderator_client.post(
        QUEUE, {"action": "dismiss", ACTION_CHECKBOX_NAME: [item.pk]}, follow=True
    )
    assert "already been decided" in again.content.decode()


def test_confirming_removes_the_comment_and_rejects_the_proposal_as_spam(moderator_client, flagged):
    response = moderator_client.post(
        QUEUE,
        {
            "action": "confirm",
            ACTION_CHECKBOX_NAME: [flagged["comment"].pk, flagged["proposal"].pk],
        },
        follow=True,
    )
    assert "Confirmed the flags on 2 items." in response.content.decode()
    for item in flagged.values():
        item.refresh_from_db()
        assert (item.state, item.decided_by) == ("confirmed", moderator_client.moderator)
    comment = flagged["comment"].comment
    comment.refresh_from_db()
    assert comment.is_removed
    proposal = flagged["proposal"].proposal
    proposal.refresh_from_db()
    assert (proposal.status, proposal.is_spam) == ("rejected", True)


def test_only_moderators_see_the_queue(client, flagged, admin):
    staff = UserFactory.create(is_staff=True)
    client.force_login(staff)
    assert client.get(QUEUE).status_code == 403
    assert (
        client.post(
            QUEUE, {"action": "dismiss", ACTION_CHECKBOX_NAME: [flagged["comment"].pk]}
        ).status_code
        == 403
    )
    assert FlaggedItem.objects.get(pk=flagged["comment"].pk).state == "hidden"
    client.force_login(admin)
    assert client.get(QUEUE).status_code == 200
    assert client.get(f"{QUEUE}add/").status_code == 403
