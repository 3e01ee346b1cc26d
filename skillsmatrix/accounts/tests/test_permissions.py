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

from skillsmatrix.accounts.permissions import (
    HasVerifiedEmail,
    member_can_participate,
    verified_member_required,
)

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
