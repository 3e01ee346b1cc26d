"""What every app may know of a member: whether they may take part, and their email
preferences (``skillsmatrix.members``)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.http import HttpRequest, HttpResponse
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from skillsmatrix.members import (
    EmailPreferenceInvalid,
    HasVerifiedEmail,
    email_preference_get,
    email_preference_set,
    member_can_participate,
    member_ids_without_proposal_emails,
    verified_member_required,
)
from skillsmatrix.models import EmailPreference

pytestmark = pytest.mark.django_db


def test_only_active_members_with_a_verified_address_participate(
    member, verified_member, django_user_model, django_assert_num_queries
):
    assert member_can_participate(AnonymousUser()) is False
    assert member_can_participate(member) is False
    EmailAddress.objects.create(user=member, email="m@example.com", verified=False, primary=True)
    assert member_can_participate(member) is False
    with django_assert_num_queries(1):
        assert member_can_participate(verified_member) is True
    verified_member.is_active = False
    assert member_can_participate(verified_member) is False


def test_api_permission_says_why(member, verified_member):
    permission = HasVerifiedEmail()
    request = APIRequestFactory().post("/api/v1/anything/")
    request.user = member
    assert permission.has_permission(request, view=APIView()) is False
    assert "Confirm your email address" in str(permission.message)
    request.user = verified_member
    assert permission.has_permission(request, view=APIView()) is True


def _request(rf, user) -> HttpRequest:
    request = rf.get("/proposals/new/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_view_decorator_sends_unverified_members_a_confirmation(rf, member, verified_member):
    @verified_member_required
    def propose(request: HttpRequest) -> HttpResponse:
        return HttpResponse("the form")

    EmailAddress.objects.create(user=member, email="m@example.com", verified=False, primary=True)
    request = _request(rf, member)
    with context.request_context(request):  # what allauth's middleware sets up
        refused = propose(request)
    assert refused.status_code == 200
    assert "Verify Your Email Address" in refused.content.decode()
    assert mail.outbox[0].to == ["m@example.com"]
    assert propose(_request(rf, verified_member)).content == b"the form"
    visitor = propose(_request(rf, AnonymousUser()))
    assert visitor.status_code == 302
    assert visitor["Location"].startswith("/accounts/login/")


def test_email_preference_defaults_without_a_row(member, django_assert_num_queries):
    with django_assert_num_queries(1):
        preference = email_preference_get(user=member)
    assert (preference.language, preference.proposal_emails) == ("en", True)
    assert preference.pk is not None  # the member's, unsaved
    assert not EmailPreference.objects.exists()


def test_email_preference_set_keeps_what_it_is_not_given(member):
    email_preference_set(user=member, language="es")
    email_preference_set(user=member, proposal_emails=False)
    preference = email_preference_get(user=member)
    assert (preference.language, preference.proposal_emails) == ("es", False)
    assert EmailPreference.objects.count() == 1


def test_email_preference_refuses_unknown_languages(member):
    with pytest.raises(EmailPreferenceInvalid, match="site's languages"):
        email_preference_set(user=member, language="xx")
    assert not EmailPreference.objects.exists()


def test_members_without_proposal_emails_are_those_who_turned_them_off(
    member, verified_member, django_user_model, django_assert_num_queries
):
    email_preference_set(user=member, proposal_emails=False)
    email_preference_set(user=verified_member, language="es")  # still gets them
    other = django_user_model.objects.create_user("other")  # no row: gets them
    user_ids = [member.pk, verified_member.pk, other.pk]
    with django_assert_num_queries(1):
        assert member_ids_without_proposal_emails(user_ids=user_ids) == {member.pk}
