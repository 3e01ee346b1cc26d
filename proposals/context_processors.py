"""What every page's header needs from the proposals app: the member's unread notifications."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from proposals.inbox import inbox_unread_count


class InboxBell:
    """The header's bell: counted once, and only when a page shows it (signed-in members; the
    role page's cached fragments never include it)."""

    def __init__(self, user: Any) -> None:
        self._user = user

    @cached_property
    def unread(self) -> int:
        return inbox_unread_count(user=self._user)


def inbox(request: HttpRequest) -> dict[str, Any]:
    return {"inbox": InboxBell(getattr(request, "user", None))}
