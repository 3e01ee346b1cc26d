"""The site's long texts as safe HTML: Markdown for format v2 texts, plain text for v1.

A role file in format v2 writes its long texts — descriptions, a cell's details and examples, a
level's focus, a section's text, notes — in Markdown; a v1 file writes them as plain text. Both
keep their line breaks: a focus written as "Learns the codebase.\\nShips small changes." shows
two lines, not one run-on paragraph as a bare ``{{ level.focus }}`` gives.

In Python (presenters, pages)::

    from roles.markup import markdown_html, plain_html, rich_html

    rich_html(level.focus, markdown=role_is_v2)   # SafeString, ready for a template

In templates::

    {% load markup %}
    <div class="prose">{{ requirement.details|rich:markdown }}</div>   {# markdown: a bool #}
    <div class="prose">{{ role.description|plain }}</div>

Both filters treat their input as text, always: it is escaped even in an ``{% autoescape off %}``
block and even when it is already a SafeString, because the texts come from role files and
proposals, never from the site's own templates. One-line fields (a tagline, a summary) need
none of this: Django's autoescaping of ``{{ }}`` is all they take.

What the Markdown may do, and why:

* Raw HTML in the source is shown as text (markdown-it's ``html`` option is off), and the
  rendered HTML is sanitised again by nh3 with an allow-list of tags — so a bug in one layer is
  not yet a hole.
* Headings are demoted by two ranks (``#`` → ``<h3>``, ``##`` → ``<h4>``, deeper → ``<h5>`` and
  ``<h6>``): a text sits inside a page whose own ``<h1>`` and ``<h2>`` give its outline.
* Links go to absolute ``http``/``https`` addresses only; any other destination (``javascript:``,
  ``data:``, ``mailto:``, a relative path) is not a link, and the source stays as written, as
  text. Every link gets ``rel="nofollow ugc noopener"`` (the text is user content) and no
  ``target``.
* Images are not shown: an image renders as its alt text (a text may not make a reader's
  browser fetch third-party addresses, and alt text keeps what the author meant to say).
* No ``style`` or ``class`` attribute survives: the site's CSP forbids inline styles, and
  classes would let a text borrow the site's own styling.
* Strikethrough (``~~gone~~``) is on; tables are not. A table is not cheap: markdown-it fills a
  short row up to the header's width, so 20000 characters of table source can make 65536 empty
  cells — seconds of parsing and 700 kB of HTML.
* The work is bounded: markdown-it-py's parser is linear in its input, nesting is capped by its
  ``maxNesting`` (20 in the CommonMark preset; anything deeper is dropped), and a text longer
  than :data:`MAX_TEXT_CHARS` — longer than any role file may hold — is shown as plain text,
  whose rendering is a few regular expressions. Linear is not free: 20000 characters of prose
  take about 0.05 s, the worst input found (thousands of unclosed ``[``) about 0.5–0.9 s of CPU
  on the 2-core test machine, so a page showing many long texts wants its rendering cached.

NUL characters are removed and lone surrogates become U+FFFD: neither is text anyone meant, and
the sanitiser, written in Rust, could not take a lone surrogate at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

# The longest text a role file may hold; longer input (none should reach here) is shown as plain
# text rather than parsed.
MAX_TEXT_CHARS = 20_000

# A surrogate in a Python str is always a lone one (a pair would be one astral code point).
_UNUSABLE = re.compile("[\x00\ud800-\udfff]")
# Spaces at a line's end: removed so a line of spaces separates paragraphs, as in Markdown.
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)

# `#` is the text's top heading; the page's <h1> and <h2> stay above it.
_HEADING_SHIFT = 2

_ALLOWED_TAGS = {
    *("p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote"),
    *("ul", "ol", "li", "a", "h3", "h4", "h5", "h6"),
}
_LINK_SCHEMES = ("http://", "https://")


class _TextMarkdown(MarkdownIt):
    """markdown-it with the site's rule for links: absolute http(s) addresses only. markdown-it
    asks this of every link and image destination (inline, reference and autolink), and leaves
    the source as text when it says no."""

    def validateLink(self, url: str) -> bool:
        return url.lower().startswith(_LINK_SCHEMES)


def _demote_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + _HEADING_SHIFT, 6)}"


def _image_as_alt_text(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    children = tokens[idx].children or []
    return escapeHtml(renderer.renderInlineAsText(children, options, env))


# Parsing state lives in each call's own StateCore, so one instance serves every thread.
_markdown = _TextMarkdown("commonmark", {"html": False, "breaks": True}).enable("strikethrough")
_markdown.core.ruler.push("demote_headings", _demote_headings)
_markdown.add_render_rule("image", _image_as_alt_text)

# A second line of defence behind markdown-it's escaping and link rule. Immutable once built.
_cleaner = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes={"a": {"href", "title"}},
    url_schemes={"http", "https"},
    url_relative="deny",
    link_rel="nofollow ugc noopener",
    strip_comments=True,
)


def _usable(text: str) -> str:
    return _UNUSABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def markdown_html(text: str) -> SafeString:
    """A format v2 text's Markdown (CommonMark, with tables and strikethrough, a single newline
    a line break) as sanitised HTML."""
    text = _usable(text)
    if len(text) > MAX_TEXT_CHARS:
        return plain_html(text)
    if not text.strip():
        return SafeString("")
    html = _cleaner.clean(_markdown.render(text)).rstrip("\n")
    return mark_safe(html)  # noqa: S308 - sanitised by nh3


def plain_html(text: str) -> SafeString:
    """A v1 text as escaped HTML: a blank line starts a paragraph, a newline is a line break
    (Django's ``linebreaks``); nothing else in it means anything."""
    text = _TRAILING_SPACE.sub("", normalize_newlines(_usable(text))).strip("\n")
    if not text.strip():
        return SafeString("")
    return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 - linebreaks escapes


def rich_html(text: str, *, markdown: bool) -> SafeString:
    """A long text as HTML in its role file's format: Markdown for v2, plain text for v1."""
    return markdown_html(text) if markdown else plain_html(text)
