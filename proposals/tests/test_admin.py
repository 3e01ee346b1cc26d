from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from proposals.models import Expertise, Proposal
from proposals.tests.factories import CommentFactory, UserFactory, VoteFactory
from roles.models import SkillDomain

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/proposals/proposal/"


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_changelist_and_page_show_tally_votes_reviews_and_comments(admin_client, proposal):
    VoteFactory.create(proposal=proposal, value=1, voter__username="fan")
    VoteFactory.create(proposal=proposal, value=1)
    CommentFactory.create(proposal=proposal, text="Looks right")
    listing = admin_client.get(CHANGELIST).content.decode()
    assert "Seniors master Docker" in listing
    page = admin_client.get(f"{CHANGELIST}{proposal.pk}/change/").content.decode()
    assert "Looks right" in page
    assert "fan" in page
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_close_now_action(admin_client, proposal):
    response = admin_client.post(
        CHANGELIST, {"action": "close_now", ACTION_CHECKBOX_NAME: [proposal.pk]}, follow=True
    )
    assert "Closed 1 proposal." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "expired"


def test_reject_as_spam_asks_for_a_reason(admin_client, proposal, client):
    form = admin_client.post(
        CHANGELIST, {"action": "reject_as_spam", ACTION_CHECKBOX_NAME: [proposal.pk]}
    )
    assert form.status_code == 200
    assert "Reason" in form.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "voting"
    empty = admin_client.post(
        CHANGELIST,
        {
            "action": "reject_as_spam",
            ACTION_CHECKBOX_NAME: [proposal.pk],
            "apply": "1",
            "reason": "",
        },
    )
    assert "This field is required." in empty.content.decode()
    done = admin_client.post(
        CHANGELIST,
        {
            "action": "reject_as_spam",
            ACTION_CHECKBOX_NAME: [proposal.pk],
            "apply": "1",
            "reason": "Advertising",
        },
        follow=True,
    )
    assert "Rejected 1 proposal." in done.content.decode()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.is_spam, proposal.moderation_reason) == (
        "rejected",
        True,
        "Advertising",
    )
    # Spam is hidden from the site.
    client.logout()
    assert "Seniors master Docker" not in client.get("/proposals/").content.decode()


def test_grant_and_revoke_expertise(admin_client, seed_role, admin):
    user = UserFactory.create(username="newexpert")
    domain = SkillDomain.objects.get(slug="cloud-infrastructure")
    response = admin_client.post(
        "/admin/proposals/expertise/add/", {"user": user.pk, "domain": domain.pk}
    )
    assert response.status_code == 302
    expertise = Expertise.objects.get(user=user)
    assert (expertise.domain, expertise.granted_by) == (domain, admin)
    listing = admin_client.get("/admin/proposals/expertise/").content.decode()
    assert "newexpert" in listing
    admin_client.post(f"/admin/proposals/expertise/{expertise.pk}/delete/", {"post": "yes"})
    assert not Expertise.objects.filter(user=user).exists()


def test_members_without_rights_cannot_moderate(client, proposal):
    staff = UserFactory.create(is_staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).status == "voting"


def test_moderators_delete_a_comment(admin_client, proposal):
    from proposals.models import Comment

    keep = CommentFactory.create(proposal=proposal, text="Useful")
    spam = CommentFactory.create(proposal=proposal, text="Buy now")
    data = {
        "comments-TOTAL_FORMS": "2",
        "comments-INITIAL_FORMS": "2",
        "comments-0-id": keep.pk,
        "comments-0-proposal": proposal.pk,
        "comments-1-id": spam.pk,
        "comments-1-proposal": proposal.pk,
        "comments-1-DELETE": "on",
    }
    for prefix in ("reviews", "votes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(f"{CHANGELIST}{proposal.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Comment.objects.values_list("text", flat=True)) == ["Useful"]
