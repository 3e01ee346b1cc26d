from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from skillsmatrix.accounts.services import api_token_regenerate

pytestmark = pytest.mark.django_db


def test_regenerating_replaces_the_token(member):
    first = api_token_regenerate(user=member)
    second = api_token_regenerate(user=member)
    assert first.key != second.key
    assert list(Token.objects.filter(user=member).values_list("key", flat=True)) == [second.key]
