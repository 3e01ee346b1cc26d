"""Pure helpers the proposal pages and services share (no queries): Markdown of the
discussion with its ``@username`` mentions, whether a text has anything visible in it, and a
change list in short words for the revision history."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from proposals.models import Proposal, ProposalRevision
from roles.markup import markdown_html

# A mention is "@" and a username (Django's characters less "@"), not inside a word or an
# email address; a full stop or comma ending it is the sentence's.
_MENTION = re.compile(r"(?<![\w@./+-])@([\w.+-]{1,150})")
_TAG = re.compile(r"(<[^>]*>)")
# Text inside these is never made a link: it is code, or already a link.
_NO_LINKS = {"a", "code", "pre"}


def mentioned_usernames(text: str) -> list[str]:
    """The usernames ``text`` mentions as ``@username``, in order, each once."""
    names = (match.group(1).rstrip(".,") for match in _MENTION.finditer(text))
    return list(dict.fromkeys(name for name in names if name))


def member_url(username: str) -> str:
    """A member's public page."""
    return reverse("member", args=[username])


def _link_mentions(text: str, known: set[str]) -> str:
    def link(match: re.Match[str]) -> str:
        name = match.group(1).rstrip(".,")
        if name not in known:
            return match.group(0)
        rest = match.group(1)[len(name) :]
        return f'<a class="mention" href="{escape(member_url(name))}">@{escape(name)}</a>{rest}'

    return _MENTION.sub(link, text)


def discussion_html(text: str, *, mentions: Iterable[str] = ()) -> SafeString:
    """A rationale, comment or review comment as safe HTML: Markdown by ``roles.markup``'s
    rules (raw HTML shown as text, http(s) links only, ``rel="nofollow ugc"``), with each
    ``@username`` of ``mentions`` a link to that member's page (not inside code or a link)."""
    html = str(markdown_html(text))
    known = set(mentions)
    if not known:
        return mark_safe(html)  # noqa: S308 - sanitised by roles.markup
    parts = _TAG.split(html)
    depth = 0  # how many code, pre or a elements are open
    for index, part in enumerate(parts):
        if index % 2:  # a tag: the sanitised HTML has only the allowed, well-formed ones
            name = part.strip("</>").split()[0].lower() if part.strip("</>") else ""
            if name in _NO_LINKS:
                depth += -1 if part.startswith("</") else 1
        elif depth == 0 and "@" in part:
            # The text is escaped already; usernames hold no character escaping changes.
            parts[index] = _link_mentions(part, known)
    return mark_safe("".join(parts))  # noqa: S308 - escaped text, links built above


def change_words(change: dict[str, Any]) -> str:
    """One change of a proposal's JSON list in short words: its operation and the places and
    values it names ("set_requirement · docker · senior · E")."""
    parts = [str(change.get("op", "?"))]
    for key in ("skill", "level", "code", "name", "domain"):
        value = change.get(key)
        if value not in (None, ""):
            parts.append(str(value))
    for key in ("details", "summary", "focus", "description", "text"):
        value = change.get(key)
        if isinstance(value, str) and value:
            parts.append(f"“{value[:80]}{'…' if len(value) > 80 else ''}”")
    return " · ".join(parts)


def change_key(change: Any) -> str:
    """A change's JSON in one canonical form, to compare two change lists."""
    return json.dumps(change, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class RevisionStep:
    """What one revision changed against the text before it: ``number`` is the revision
    written, ``previous`` the one it replaced."""

    number: int
    previous: int
    written_at: datetime
    title: tuple[str, str] | None  # (old, new) when it changed
    rationale: tuple[str, str] | None
    links: tuple[list[str], list[str]] | None
    changes_removed: list[str]
    changes_added: list[str]
    changes_reordered: bool = False

    @property
    def changes_changed(self) -> bool:
        """Whether the change list changed (the revision restarted the vote)."""
        return bool(self.changes_removed or self.changes_added or self.changes_reordered)


@dataclass(frozen=True)
class _Text:
    number: int
    title: str
    rationale: str
    evidence_links: list[str]
    changes: list[Any]
    written_at: datetime


def _step(old: _Text, new: _Text) -> RevisionStep:
    old_keys = [change_key(c) for c in old.changes]
    new_keys = [change_key(c) for c in new.changes]
    return RevisionStep(
        number=new.number,
        previous=old.number,
        written_at=new.written_at,
        title=(old.title, new.title) if old.title != new.title else None,
        rationale=(old.rationale, new.rationale) if old.rationale != new.rationale else None,
        links=(old.evidence_links, new.evidence_links)
        if old.evidence_links != new.evidence_links
        else None,
        changes_removed=[
            change_words(c) for c, k in zip(old.changes, old_keys, strict=True) if k not in new_keys
        ],
        changes_added=[
            change_words(c) for c, k in zip(new.changes, new_keys, strict=True) if k not in old_keys
        ],
        changes_reordered=old_keys != new_keys and sorted(old_keys) == sorted(new_keys),
    )


def revision_history(
    proposal: Proposal, revisions: Sequence[ProposalRevision]
) -> list[RevisionStep]:
    """Each revision of ``proposal`` against the one before, newest first: its earlier texts
    (``revisions``, in number order) and the current one (the proposal's own)."""
    texts = [
        _Text(r.number, r.title, r.rationale, r.evidence_links, r.changes, r.created_at)
        for r in revisions
    ]
    texts.append(
        _Text(
            proposal.revision,
            proposal.title,
            proposal.rationale,
            proposal.evidence_links,
            proposal.changes,
            proposal.revised_at or proposal.created_at,
        )
    )
    return [_step(old, new) for old, new in itertools.pairwise(texts)][::-1]
