"""Flags and moderation (proposals.moderation): members flag a proposal or a comment; enough
flags from different members hide it pending a moderator, who restores it or confirms the
flags. The services, what the lists leave out, the pages (without JavaScript and with htmx)
and the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.utils import timezone

from proposals.errors import (
    CommentNotFound,
    ProposalForbidden,
    ProposalInvalid,
    ProposalStateError,
)
from proposals.inbox import notification_excerpt
from proposals.models import Comment, Flag, FlaggedItem, Notification, Proposal
from proposals.moderation import (
    comment_flag,
    flagged_item_confirm,
    flagged_item_dismiss,
    proposal_flag,
)
from proposals.selectors import (
    member_accepted_proposals,
    proposal_activity,
    proposal_discussion,
    proposal_get,
    proposal_list,
    proposal_list_open,
    proposals_competing,
    role_open_proposal_cells,
)
from proposals.services import (
    comment_add,
    comment_edit,
    proposal_create,
    review_submit,
    vote_cast,
    vote_retract,
)
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory, tally_from_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_flags_hide(settings):
    settings.FLAGS_TO_HIDE = 3


@pytest.fixture
def members(db):
    return UserFactory.create_batch(4)


@pytest.fixture
def moderator(db):
    """Staff who may change proposals: the admin's moderation trusts them."""
    user = UserFactory.create(username="mod", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_proposal"))
    return user


@pytest.fixture
def comment(proposal, members):
    return comment_add(proposal=proposal, author=members[3], text="Buy cheap watches here")


def _flag_thrice(members, **target):
    flag = proposal_flag if "proposal" in target else comment_flag
    for member in members[:3]:
        flag(**target, member=member, reason="spam")


def _pending(**target) -> FlaggedItem:
    return FlaggedItem.objects.get(state__in=FlaggedItem.PENDING_STATES, **target)


# --- Services ----------------------------------------------------------------------------------


def test_a_flag_is_recorded_and_below_the_threshold_changes_nothing(proposal, members):
    flag = proposal_flag(proposal=proposal, member=members[0], reason="off_topic", note="  Odd ")
    assert (flag.reason, flag.note, flag.comment_id) == ("off_topic", "Odd", None)
    proposal_flag(proposal=proposal, member=members[1], reason="spam")
    item = _pending(proposal=proposal, comment=None)
    assert item.state == FlaggedItem.State.FLAGGED
    assert item.flags.count() == 2
    proposal.refresh_from_db()
    assert proposal.hidden_at is None
    assert list(proposal_list()) == [proposal]


def test_flags_from_three_members_hide_a_proposal_from_every_list(seed_role, proposal, members):
    # Another open proposal on the same cell competes with it; an accepted one is on the
    # author's public page.
    other = proposal_create(
        role=seed_role,
        author=members[3],
        title="Docker at Senior is W",
        rationale="r",
        changes=[{**DOCKER_SENIOR_E, "code": "W"}],
    )
    assert proposals_competing(proposal=other) == [proposal]
    Proposal.objects.filter(pk=proposal.pk).update(status="accepted", decided_at=timezone.now())
    assert list(member_accepted_proposals(user=proposal.author)) == [proposal]
    Proposal.objects.filter(pk=proposal.pk).update(status="voting", decided_at=None)

    _flag_thrice(members, proposal=proposal)

    proposal.refresh_from_db()
    assert proposal.is_hidden
    item = _pending(proposal=proposal, comment=None)
    assert (item.state, item.hidden_at) == (FlaggedItem.State.HIDDEN, proposal.hidden_at)
    assert list(proposal_list()) == [other]
    assert list(proposal_list_open(role_slug=seed_role.slug)) == [other]
    assert proposals_competing(proposal=other) == []
    assert all(p.pk != proposal.pk for p in proposal_activity()["need_votes"])
    # The role page's marks: only the other proposal's cell (the same one) is left.
    assert role_open_proposal_cells(seed_role.pk) == [("docker", "senior")]
    other.delete()
    assert role_open_proposal_cells(seed_role.pk) == []
    Proposal.objects.filter(pk=proposal.pk).update(status="accepted", decided_at=timezone.now())
    assert list(member_accepted_proposals(user=proposal.author)) == []
    # Its page is still found (for its author and the moderators).
    assert proposal_get(pk=proposal.pk).is_hidden


def test_hiding_and_restoring_refresh_the_role_marks_and_the_home_activity(
    seed_role, proposal, members, moderator, django_capture_on_commit_callbacks
):
    from roles.home import home_sections
    from roles.pages import role_open_cells

    def home_titles() -> list[str]:
        [section] = [s for s in home_sections() if "proposals" in s.template]
        return [p.title for p in section.context["need_votes"]]

    # Read once, and kept in the cache.
    assert role_open_cells(role_id=seed_role.pk).touched("docker", "senior")
    assert home_titles() == ["Seniors master Docker"]
    with django_capture_on_commit_callbacks(execute=True):
        _flag_thrice(members, proposal=proposal)
    assert not role_open_cells(role_id=seed_role.pk).touched("docker", "senior")
    assert home_titles() == []
    with django_capture_on_commit_callbacks(execute=True):
        flagged_item_dismiss(item=_pending(proposal=proposal), moderator=moderator)
    assert role_open_cells(role_id=seed_role.pk).touched("docker", "senior")
    assert home_titles() == ["Seniors master Docker"]


def test_the_threshold_is_a_setting(settings, proposal, members):
    settings.FLAGS_TO_HIDE = 1
    proposal_flag(proposal=proposal, member=members[0], reason="abuse")
    proposal.refresh_from_db()
    assert proposal.is_hidden


def test_three_flags_hide_a_comment(comment, members):
    _flag_thrice(members, comment=comment)
    comment.refresh_from_db()
    assert comment.is_hidden
    assert _pending(comment=comment).state == FlaggedItem.State.HIDDEN
    # The proposal itself is not hidden by its comment's flags.
    assert not Proposal.objects.get(pk=comment.proposal_id).is_hidden


def test_a_member_flags_an_item_once(proposal, comment, members):
    proposal_flag(proposal=proposal, member=members[0], reason="spam")
    with pytest.raises(ProposalStateError, match="already flagged"):
        proposal_flag(proposal=proposal, member=members[0], reason="abuse")
    # Flagging the proposal is not flagging its comment, nor the other way round.
    comment_flag(comment=comment, member=members[0], reason="spam")
    with pytest.raises(ProposalStateError, match="already flagged"):
        comment_flag(comment=comment, member=members[0], reason="spam")
    assert Flag.objects.filter(flagger=members[0]).count() == 2
    # The database keeps it so, whatever writes the rows.
    item = _pending(proposal=proposal, comment=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(item=item, proposal=proposal, flagger=members[0], reason="abuse")


def test_nobody_flags_their_own_proposal_or_comment(proposal, comment, members):
    with pytest.raises(ProposalForbidden, match="your own proposal"):
        proposal_flag(proposal=proposal, member=proposal.author, reason="spam")
    with pytest.raises(ProposalForbidden, match="your own comment"):
        comment_flag(comment=comment, member=members[3], reason="spam")
    assert not Flag.objects.exists()


def test_members_without_a_verified_address_cannot_flag(proposal):
    unverified = UserFactory.create(verified=False)
    with pytest.raises(ProposalForbidden, match="Verify your email"):
        proposal_flag(proposal=proposal, member=unverified, reason="spam")


@pytest.mark.parametrize(
    ("reason", "note", "field", "words"),
    [
        ("rude", "", "reason", "Choose why"),
        ("", "", "reason", "Choose why"),
        ("spam", "two\nlines", "note", "one line"),
        ("spam", "\u200b\u200b", "note", "visible text"),
        ("spam", "x" * 201, "note", "At most 200"),
    ],
)
def test_a_bad_reason_or_note_is_refused(proposal, members, reason, note, field, words):
    with pytest.raises(ProposalInvalid) as refused:
        proposal_flag(proposal=proposal, member=members[0], reason=reason, note=note)
    assert words in refused.value.errors[field]
    assert not FlaggedItem.objects.exists()


def test_a_comment_of_another_proposal_is_not_found(seed_role, comment, members):
    from proposals.moderation import _flag

    other = proposal_create(
        role=seed_role,
        author=members[2],
        title="Other",
        rationale="r",
        changes=[{**DOCKER_SENIOR_E, "code": "W"}],
    )
    with pytest.raises(CommentNotFound):
        _flag(
            member=members[0],
            reason="spam",
            note="",
            proposal_id=other.pk,
            comment_id=comment.pk,
        )


def test_a_hidden_proposal_takes_no_votes_comments_or_reviews(proposal, members, global_expert):
    vote_cast(proposal=proposal, voter=members[3], value=1)
    _flag_thrice(members, proposal=proposal)
    proposal.refresh_from_db()
    for act in (
        lambda: vote_cast(proposal=proposal, voter=members[0], value=1),
        lambda: vote_retract(proposal=proposal, voter=members[3]),
        lambda: comment_add(proposal=proposal, author=members[0], text="Hello"),
    ):
        with pytest.raises(ProposalStateError, match="hidden pending moderation"):
            act()
    Proposal.objects.filter(pk=proposal.pk).update(status="in_review")
    proposal.refresh_from_db()
    with pytest.raises(ProposalStateError, match="hidden pending moderation"):
        review_submit(proposal=proposal, reviewer=global_expert, decision="approve", comment="ok")


def test_a_hidden_comment_cannot_be_edited_and_is_a_placeholder_in_the_inbox(
    proposal, comment, members
):
    told = Notification.objects.get(comment=comment, recipient=proposal.author)
    assert notification_excerpt(told) == "Buy cheap watches here"
    _flag_thrice(members, comment=comment)
    with pytest.raises(ProposalStateError, match="cannot be edited"):
        comment_edit(comment=comment, author=members[3], text="Nothing to see")
    told = Notification.objects.select_related("comment").get(pk=told.pk)
    assert notification_excerpt(told) == "[hidden pending moderation]"


def test_dismissing_restores_the_item_and_records_who_and_when(
    proposal, members, moderator, settings
):
    _flag_thrice(members, proposal=proposal)
    item = _pending(proposal=proposal, comment=None)
    decided = flagged_item_dismiss(item=item, moderator=moderator)
    assert decided.state == FlaggedItem.State.DISMISSED
    assert decided.decided_by == moderator
    assert decided.decided_at is not None
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert list(proposal_list()) == [proposal]
    vote_cast(proposal=proposal, voter=members[0], value=1)  # voting is back
    # Its flaggers cannot flag it again; another member's flag starts a new count.
    with pytest.raises(ProposalStateError, match="already flagged"):
        proposal_flag(proposal=proposal, member=members[0], reason="spam")
    proposal_flag(proposal=proposal, member=members[3], reason="spam")
    fresh = _pending(proposal=proposal, comment=None)
    assert fresh.pk != item.pk
    assert (fresh.state, fresh.flags.count()) == (FlaggedItem.State.FLAGGED, 1)
    with pytest.raises(ProposalStateError, match="already been decided"):
        flagged_item_dismiss(item=item, moderator=moderator)


def test_confirming_an_open_proposal_rejects_it_as_spam(proposal, members, moderator):
    _flag_thrice(members, proposal=proposal)
    proposal_flag(proposal=proposal, member=members[3], reason="abuse")
    decided = flagged_item_confirm(item=_pending(proposal=proposal), moderator=moderator)
    assert (decided.state, decided.decided_by) == (FlaggedItem.State.CONFIRMED, moderator)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.is_spam, proposal.moderated_by) == (
        "rejected",
        True,
        moderator,
    )
    assert proposal.moderation_reason == (
        "Flagged by members (Spam ×3, Rude or abusive); a moderator confirmed the flags."
    )
    assert list(proposal_list()) == []


def test_confirming_a_decided_proposal_marks_it_spam_and_keeps_its_status(
    proposal, members, moderator
):
    Proposal.objects.filter(pk=proposal.pk).update(status="expired", decided_at=timezone.now())
    proposal_flag(proposal=proposal, member=members[0], reason="spam")
    flagged_item_confirm(item=_pending(proposal=proposal), moderator=moderator)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.is_spam, proposal.hidden_at) == ("expired", True, None)


def test_confirming_a_comment_removes_it_for_everyone(proposal, comment, members, moderator):
    reply = comment_add(proposal=proposal, author=members[0], text="Reported", parent=comment)
    _flag_thrice(members, comment=comment)
    flagged_item_confirm(item=_pending(comment=comment), moderator=moderator)
    comment.refresh_from_db()
    assert comment.is_removed
    assert not comment.is_hidden
    # The thread keeps its reply; the removed comment cannot be flagged any more.
    [shown] = proposal_discussion(proposal=proposal)
    assert shown.pk == comment.pk
    assert [r.pk for r in shown.thread] == [reply.pk]  # type: ignore[attr-defined]
    with pytest.raises(ProposalStateError, match="removed by a moderator"):
        comment_flag(comment=comment, member=proposal.author, reason="spam")


def test_only_moderators_decide(proposal, members, admin):
    _flag_thrice(members, proposal=proposal)
    item = _pending(proposal=proposal)
    staff_only = UserFactory.create(is_staff=True)
    for somebody in (members[3], staff_only):
        with pytest.raises(ProposalForbidden, match="Only moderators"):
            flagged_item_dismiss(item=item, moderator=somebody)
        with pytest.raises(ProposalForbidden, match="Only moderators"):
            flagged_item_confirm(item=item, moderator=somebody)
    assert flagged_item_dismiss(item=item, moderator=admin).decided_by == admin  # a superuser


# --- Pages -------------------------------------------------------------------------------------


def _detail(proposal) -> str:
    return f"/proposals/{proposal.pk}/"


def test_flag_without_javascript_redirects_back_with_a_message(client, proposal, comment, members):
    client.force_login(members[0])
    response = client.post(
        f"/proposals/{proposal.pk}/comments/{comment.pk}/flag/", {"reason": "spam", "note": "Ad"}
    )
    assert response.status_code == 303
    assert response["Location"] == f"{_detail(proposal)}#comment-{comment.pk}"
    flag = Flag.objects.get()
    assert (flag.comment_id, flag.reason, flag.note) == (comment.pk, "spam", "Ad")
    body = client.get(response["Location"]).content.decode()
    assert "Flagged — thank you" in body
    # The control now says so, for the comment; the proposal's own control is still a form.
    assert f'id="flag-comment-{comment.pk}"' in body
    assert "You flagged this." in body
    assert f'action="/proposals/{proposal.pk}/flag/"' in body


def test_flag_with_htmx_swaps_in_the_confirmation(client, proposal, members):
    client.force_login(members[0])
    response = client.post(
        f"/proposals/{proposal.pk}/flag/", {"reason": "off_topic"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="flag" id="flag-proposal">')
    assert "Flagged — thank you. A moderator will look at it." in body
    assert 'role="status"' in body
    assert "autofocus" in body
    assert "<form" not in body
    assert Flag.objects.filter(proposal=proposal, flagger=members[0]).exists()


def test_a_refused_flag_says_why_with_and_without_javascript(client, proposal, members):
    client.force_login(proposal.author)
    page = client.post(f"/proposals/{proposal.pk}/flag/", {"reason": "spam"})
    assert page.status_code == 403
    assert "You cannot flag your own proposal." in page.content.decode()
    client.force_login(members[0])
    fragment = client.post(
        f"/proposals/{proposal.pk}/flag/", {"reason": "nonsense"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 400
    assert fragment["X-Refusal-Fragment"] == "1"
    body = fragment.content.decode()
    assert "Choose why" in body
    assert '<details class="flag__details" open>' in body
    assert not Flag.objects.exists()


def test_an_unknown_comment_is_a_404(client, proposal, members):
    client.force_login(members[0])
    response = client.post(f"/proposals/{proposal.pk}/comments/999999/flag/", {"reason": "spam"})
    assert response.status_code == 404


def test_flagging_is_rate_limited(client, settings, proposal, comment, members):
    settings.FLAGS_PER_HOUR = 1
    client.force_login(members[0])
    client.post(f"/proposals/{proposal.pk}/flag/", {"reason": "spam"})
    page = client.post(f"/proposals/{proposal.pk}/comments/{comment.pk}/flag/", {"reason": "spam"})
    assert page.status_code == 429
    assert "Retry-After" in page
    assert "flagged a lot" in page.content.decode()
    fragment = client.post(
        f"/proposals/{proposal.pk}/comments/{comment.pk}/flag/",
        {"reason": "spam"},
        headers={"HX-Request": "true"},
    )
    assert (fragment.status_code, fragment["X-Refusal-Fragment"]) == (429, "1")
    assert Flag.objects.count() == 1


def test_who_sees_which_flag_control(client, proposal, comment):
    body = client.get(_detail(proposal)).content.decode()
    assert "Sign in to flag" in body
    assert 'name="reason"' not in body
    client.force_login(UserFactory.create(verified=False))
    assert "Verify your email address to flag." in client.get(_detail(proposal)).content.decode()
    # The author has no control on their proposal, only on others' comments.
    client.force_login(proposal.author)
    body = client.get(_detail(proposal)).content.decode()
    assert 'id="flag-proposal"' not in body
    assert f'id="flag-comment-{comment.pk}"' in body


def test_a_hidden_comment_is_a_placeholder_except_to_its_author_and_moderators(
    client, proposal, comment, members, moderator
):
    _flag_thrice(members, comment=comment)
    for viewer in (None, members[0]):
        if viewer is not None:
            client.force_login(viewer)
        body = client.get(_detail(proposal)).content.decode()
        assert "[hidden pending moderation]" in body
        assert "Buy cheap watches here" not in body
    for viewer in (members[3], moderator):
        client.force_login(viewer)
        body = client.get(_detail(proposal)).content.decode()
        assert "Buy cheap watches here" in body
        assert "Hidden pending moderation: members flagged" in body


def test_a_removed_comment_is_a_placeholder_for_everyone(
    client, proposal, comment, members, moderator
):
    _flag_thrice(members, comment=comment)
    flagged_item_confirm(item=_pending(comment=comment), moderator=moderator)
    for viewer in (members[3], moderator):
        client.force_login(viewer)
        body = client.get(_detail(proposal)).content.decode()
        assert "[removed by a moderator]" in body
        assert "Buy cheap watches here" not in body


def test_a_hidden_proposal_is_a_placeholder_except_to_its_author_and_moderators(
    client, proposal, members, moderator
):
    _flag_thrice(members, proposal=proposal)
    for viewer in (None, members[0]):
        if viewer is not None:
            client.force_login(viewer)
        response = client.get(_detail(proposal))
        body = response.content.decode()
        assert response.status_code == 200
        assert f"Proposal #{proposal.pk} is hidden pending moderation" in body
        assert "Seniors master Docker" not in body
        assert '<meta name="robots" content="noindex">' in body
    # A vote posted anyway is refused without showing the page.
    client.force_login(members[0])
    refused = client.post(f"/proposals/{proposal.pk}/vote/", {"value": "1"})
    assert refused.status_code == 409
    assert "Seniors master Docker" not in refused.content.decode()
    htmx = client.post(
        f"/proposals/{proposal.pk}/vote/", {"value": "1"}, headers={"HX-Request": "true"}
    )
    assert htmx["HX-Redirect"] == _detail(proposal)
    for viewer, words in (
        (proposal.author, "Members flagged your proposal."),
        (moderator, "Open the flag queue"),
    ):
        client.force_login(viewer)
        body = client.get(_detail(proposal)).content.decode()
        assert "Seniors master Docker" in body
        assert words in body
        assert "Voting is paused while this proposal is hidden" in body
        assert "The discussion is paused" in body


@pytest.fixture
def busy_flagged(proposal):
    """A proposal of 500 votes and 100 comments, a third of the comments flagged by the
    viewer-to-be and a few hidden."""
    from django.contrib.auth import get_user_model

    from proposals.models import Vote

    user_model = get_user_model()
    voters = user_model.objects.bulk_create([user_model(username=f"voter{i}") for i in range(500)])
    Vote.objects.bulk_create(
        [Vote(proposal=proposal, voter=v, value=1 if i % 4 else -1) for i, v in enumerate(voters)]
    )
    tally_from_rows(proposal)
    comments = Comment.objects.bulk_create(
        [Comment(proposal=proposal, author=voters[i], text=f"Comment {i}") for i in range(100)]
    )
    viewer = UserFactory.create()
    now = timezone.now()
    for index, comment in enumerate(comments[:33]):
        item = FlaggedItem.objects.create(proposal=proposal, comment=comment, last_flagged_at=now)
        Flag.objects.create(
            item=item, proposal=proposal, comment=comment, flagger=viewer, reason="spam"
        )
        if index % 10 == 0:
            Comment.objects.filter(pk=comment.pk).update(hidden_at=now)
    item = FlaggedItem.objects.create(proposal=proposal, last_flagged_at=now)
    Flag.objects.create(item=item, proposal=proposal, flagger=viewer, reason="spam")
    return proposal, viewer


def test_the_flag_state_costs_the_page_no_query(client, busy_flagged, django_assert_num_queries):
    from proposals.tests.test_queries import VERIFIED

    proposal, viewer = busy_flagged
    client.force_login(viewer)
    client.get(_detail(proposal))
    # as test_queries' member view: the flags are read in the proposal's and the comments'
    # queries
    with django_assert_num_queries(7 + VERIFIED):
        body = client.get(_detail(proposal)).content.decode()
    assert body.count("You flagged this.") == 34 - 4  # the 4 hidden ones are placeholders
    assert body.count("[hidden pending moderation]") == 4
    assert "Comment 99" in body


# --- API ---------------------------------------------------------------------------------------


def test_api_flags_a_proposal_and_a_comment(client, proposal, comment, members):
    client.force_login(members[0])
    answer = client.post(
        f"/api/v1/proposals/{proposal.pk}/flag/",
        {"reason": "spam", "note": "Shop links"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["proposal"] == proposal.pk
    assert body["comment"] is None
    assert (body["reason"], body["note"], body["hidden"]) == ("spam", "Shop links", False)
    for index, member in enumerate(members[:3]):
        client.force_login(member)
        answer = client.post(
            f"/api/v1/proposals/{proposal.pk}/comments/{comment.pk}/flag/",
            {"reason": "abuse"},
            content_type="application/json",
        )
        assert answer.status_code == 201
        assert answer.json()["comment"] == comment.pk
        assert answer.json()["hidden"] is (index == 2)


@pytest.mark.parametrize(
    ("who", "path", "data", "status", "words"),
    [
        ("member", "flag/", {"reason": "rude"}, 400, "reason"),
        ("member", "flag/", {"reason": "spam", "note": "a\nb"}, 400, "one line"),
        ("author", "flag/", {"reason": "spam"}, 403, "your own proposal"),
        ("unverified", "flag/", {"reason": "spam"}, 403, "Verify your email"),
        ("member", "comments/999999/flag/", {"reason": "spam"}, 404, "No comment"),
        ("visitor", "flag/", {"reason": "spam"}, 401, "credentials"),
    ],
)
def test_api_refusals_are_json_with_a_message(
    client, proposal, members, who, path, data, status, words
):
    users = {
        "member": members[0],
        "author": proposal.author,
        "unverified": UserFactory.create(verified=False),
    }
    if who in users:
        client.force_login(users[who])
    answer = client.post(
        f"/api/v1/proposals/{proposal.pk}/{path}", data, content_type="application/json"
    )
    assert answer.status_code == status
    assert words in answer.json()["message"]


def test_api_flagging_twice_is_a_409_and_an_unknown_proposal_a_404(client, proposal, members):
    client.force_login(members[0])
    url = f"/api/v1/proposals/{proposal.pk}/flag/"
    assert client.post(url, {"reason": "spam"}, content_type="application/json").status_code == 201
    again = client.post(url, {"reason": "spam"}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["message"] == "You have already flagged this."
    missing = client.post(
        "/api/v1/proposals/999999/flag/", {"reason": "spam"}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_api_hides_a_hidden_proposal_from_all_but_its_author_and_moderators(
    client, proposal, members, moderator
):
    _flag_thrice(members, proposal=proposal)
    url = f"/api/v1/proposals/{proposal.pk}/"
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/proposals/").json()["count"] == 0
    client.force_login(members[0])
    assert "hidden pending moderation" in client.get(url).json()["message"]
    for viewer in (proposal.author, moderator):
        client.force_login(viewer)
        assert client.get(url).json()["title"] == "Seniors master Docker"


def test_the_schema_documents_the_flag_operations(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/proposals/{id}/flag/",
        "/api/v1/proposals/{id}/comments/{comment_pk}/flag/",
    ):
        operation = schema["paths"][path]["post"]
        assert set(operation["responses"]) >= {"201", "400", "403", "404", "409", "429"}
    request = schema["components"]["schemas"]["FlagRequest"]
    assert request["properties"]["reason"]["allOf"] == [
        {"$ref": "#/components/schemas/FlagReasonEnum"}
    ]
    assert schema["components"]["schemas"]["FlagReasonEnum"]["enum"] == [
        "spam",
        "abuse",
        "off_topic",
    ]
    assert request["properties"]["note"]["maxLength"] == 200
