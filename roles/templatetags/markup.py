"""The site's long texts in templates, safely: ``{% load markup %}``, then
``{{ text|rich:markdown }}`` (Markdown when ``markdown`` is true, a format v2 text; plain text
otherwise) or ``{{ text|plain }}``. :mod:`roles.markup` says what each allows."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from roles.markup import plain_html, rich_html

register = template.Library()


@register.filter
def rich(text: str | None, markdown: bool) -> SafeString:
    """A long text in its format: ``{{ level.focus|rich:markdown }}``. The flag is
    required, so a template says which format it renders. The text is escaped even if it is
    marked safe or autoescaping is off: it is a role file's text, never the template's HTML."""
    return rich_html(str(text or ""), markdown=bool(markdown))


@register.filter
def plain(text: str | None) -> SafeString:
    """A v1 text: escaped, paragraphs on blank lines, a newline a line break."""
    return plain_html(str(text or ""))
