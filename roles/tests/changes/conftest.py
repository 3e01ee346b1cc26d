from __future__ import annotations

import pytest

from roles.changes.state import RoleState
from roles.document import parse_role_document


@pytest.fixture
def seed_state(seed_document) -> RoleState:
    return parse_role_document(seed_document).to_state()
