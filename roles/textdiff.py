"""Old → new text with the words that changed marked, for every page and email that shows a
changed text (a cell's details or summary, a level's focus, what a skill means in a role).

Texts are split into words and the whitespace between them, compared with :mod:`difflib`, and
rendered escaped: removed words in ``<del>``, added ones in ``<ins>``. Long texts stay cheap and
short: each side is cut to ``MAX_WORDS`` words before comparing, and a long run of unchanged
words is shown by its ends around an ellipsis.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Each side is compared on at most this many words: difflib is quadratic in the worst case.
MAX_WORDS = 600
# An unchanged run longer than twice this many words shows its first and last words only.
CONTEXT_WORDS = 12
_TOKENS = re.compile(r"\s+|\S+")


def _tokens(text: str) -> tuple[list[str], bool]:
    """The words and spaces of ``text``, and whether it was cut to ``MAX_WORDS`` words."""
    tokens = _TOKENS.findall(text or "")
    words = 0
    for index, token in enumerate(tokens):
        if not token.isspace():
            words += 1
            if words > MAX_WORDS:
                return tokens[:index], True
    return tokens, False


def _shown(tokens: list[str]) -> str:
    """Tokens as escaped HTML, line breaks kept."""
    return escape("".join(tokens)).replace("\n", "<br>")


def _same(tokens: list[str], *, first: bool, last: bool) -> str:
    """An unchanged run, shortened to its ends when long (the text's own start or end is kept
    only on the side that touches a change)."""
    words = [i for i, token in enumerate(tokens) if not token.isspace()]
    if len(words) <= 2 * CONTEXT_WORDS + 1:
        return _shown(tokens)
    head = [] if first else tokens[: words[CONTEXT_WORDS - 1] + 1]
    tail = [] if last else tokens[words[-CONTEXT_WORDS] :]
    return f"{_shown(head)} … {_shown(tail)}".strip() if head or tail else "…"


def word_diff(old: str, new: str) -> SafeString:
    """``old`` → ``new`` as one escaped HTML text: unchanged words as they are (long unchanged
    runs shortened), removed words in ``<del>``, added words in ``<ins>``."""
    before, cut_before = _tokens(old)
    after, cut_after = _tokens(new)
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    opcodes = matcher.get_opcodes()
    parts: list[str] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = index == 0, index == len(opcodes) - 1
            parts.append(_same(before[i1:i2], first=first, last=last))
            continue
        removed, added = "".join(before[i1:i2]), "".join(after[j1:j2])
        if removed.strip():
            parts.append(f"<del>{_shown(before[i1:i2])}</del>")
        elif removed:
            parts.append(_shown(before[i1:i2]))
        if added.strip():
            # A space between what goes and what comes, so the two read as two.
            space = " " if removed.strip() else ""
            parts.append(f"{space}<ins>{_shown(after[j1:j2])}</ins>")
        elif added and not removed:
            parts.append(_shown(after[j1:j2]))
    if cut_before or cut_after:
        parts.append(" …")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def word_diff_sides(old: str, new: str) -> tuple[SafeString, SafeString]:
    """``old`` and ``new`` side by side, each whole (cut to ``MAX_WORDS`` words): removed words
    marked ``<del>`` in the old, added words ``<ins>`` in the new."""
    before, cut_before = _tokens(old)
    after, cut_after = _tokens(new)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        removed, added = before[i1:i2], after[j1:j2]
        if tag == "equal":
            left.append(_shown(removed))
            right.append(_shown(added))
            continue
        left.append(
            f"<del>{_shown(removed)}</del>" if "".join(removed).strip() else _shown(removed)
        )
        right.append(f"<ins>{_shown(added)}</ins>" if "".join(added).strip() else _shown(added))
    return (
        mark_safe("".join(left) + (" …" if cut_before else "")),  # noqa: S308 - escaped above
        mark_safe("".join(right) + (" …" if cut_after else "")),  # noqa: S308 - escaped above
    )


def text_change_plain(old: str, new: str, *, limit: int = 300) -> str:
    """``old`` → ``new`` as plain text for emails and feeds, each side cut to ``limit``
    characters at a word: “old” → “new” (an empty side as —)."""

    def side(text: str) -> str:
        text = " ".join((text or "").split())
        if not text:
            return "—"
        if len(text) > limit:
            text = text[:limit].rsplit(" ", 1)[0] + " …"
        return f"“{text}”"

    return f"{side(old)} → {side(new)}"
