from __future__ import annotations

import random
import re
import time
from html import unescape

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from roles import markup
from roles.markup import MAX_TEXT_CHARS, markdown_html, plain_html, rich_html

ALLOWED_TAGS = {
    *("p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote"),
    *("ul", "ol", "li", "a", "h3", "h4", "h5", "h6"),
}
TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)([^>]*)>")
REL = ' rel="nofollow ugc noopener"'


def tags_of(html: str) -> set[str]:
    return {match.group(2) for match in TAG.finditer(html)}


# --- raw HTML and dangerous links -----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<a href=javascript:alert(1)>x</a>",
        '<p style="color:red">red</p>',
        "<!-- a comment -->",
    ],
)
@pytest.mark.parametrize("markdown", [True, False])
def test_raw_html_is_shown_as_text_in_both_modes(source, markdown):
    html = rich_html(source, markdown=markdown)

    assert tags_of(html) == {"p"}
    assert unescape(html.removeprefix("<p>").removesuffix("</p>")) == source


def test_a_raw_html_block_is_text_too():
    html = markdown_html("<div>\n<script>alert(1)</script>\n</div>")

    assert "<script" not in html
    assert "<div" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "[x](mailto:someone@example.org)",
        "[x](/relative/path)",
        "[x](//evil.example.org)",
        "[x](#fragment)",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "<mailto:someone@example.org>",
        "<someone@example.org>",
        "![x](javascript:alert(1))",
    ],
)
def test_a_link_that_is_not_http_or_https_is_not_a_link(source):
    html = markdown_html(source)

    assert "href" not in html
    assert "<a" not in html
    assert tags_of(html) == {"p"}


def test_a_javascript_link_stays_as_its_source_text():
    assert markdown_html("[x](javascript:alert(1))") == "<p>[x](javascript:alert(1))</p>"


@pytest.mark.parametrize(
    ("source", "link"),
    [
        ("[x](https://example.org)", f'<a href="https://example.org"{REL}>x</a>'),
        (
            "[x](http://example.org/a?b=1&c=2)",
            f'<a href="http://example.org/a?b=1&amp;c=2"{REL}>x</a>',
        ),
        ("[x](HTTPS://EXAMPLE.ORG)", f'<a href="HTTPS://EXAMPLE.ORG"{REL}>x</a>'),
        (
            '[x](https://example.org "The site")',
            f'<a href="https://example.org" title="The site"{REL}>x</a>',
        ),
        ("<https://example.org>", f'<a href="https://example.org"{REL}>https://example.org</a>'),
        ("[x][ref]\n\n[ref]: https://example.org", f'<a href="https://example.org"{REL}>x</a>'),
    ],
)
def test_an_http_link_is_a_link_marked_as_user_content(source, link):
    assert markdown_html(source) == f"<p>{link}</p>"


def test_a_link_opens_in_the_same_tab():
    assert "target" not in markdown_html("[x](https://example.org)")


def test_an_image_is_shown_as_its_alt_text():
    html = markdown_html("See ![the *release* diagram](https://example.org/d.png) here.")

    assert html == "<p>See the release diagram here.</p>"


def test_an_image_inside_a_link_leaves_the_link_with_the_alt_text():
    html = markdown_html("[![logo](https://example.org/l.png)](https://example.org)")

    assert html == f'<p><a href="https://example.org"{REL}>logo</a></p>'


def test_an_image_alt_text_is_escaped():
    assert markdown_html("![a &lt;b&gt; c](https://example.org/i.png)") == "<p>a &lt;b&gt; c</p>"


# --- what Markdown may do -------------------------------------------------------------------------


def test_headings_are_demoted_below_the_page_headings():
    html = markdown_html("# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six")

    assert html == (
        "<h3>One</h3>\n<h4>Two</h4>\n<h5>Three</h5>\n<h6>Four</h6>\n<h6>Five</h6>\n<h6>Six</h6>"
    )


def test_setext_headings_are_demoted_too():
    assert markdown_html("One\n===\n\nTwo\n---") == "<h3>One</h3>\n<h4>Two</h4>"


def test_a_single_newline_is_a_line_break_in_markdown():
    html = markdown_html("Learns the codebase.\nShips small changes.")

    assert html == "<p>Learns the codebase.<br>\nShips small changes.</p>"


def test_a_blank_line_starts_a_paragraph_in_markdown():
    assert markdown_html("One.\n\nTwo.") == "<p>One.</p>\n<p>Two.</p>"


def test_markdown_keeps_emphasis_lists_code_quotes_and_strikethrough():
    html = markdown_html(
        "**Bold** *it* `code` ~~gone~~\n\n- one\n- two\n\n1. first\n\n> quoted\n\n"
        "```python\nprint(1)\n```\n\n---"
    )

    assert html == (
        "<p><strong>Bold</strong> <em>it</em> <code>code</code> <s>gone</s></p>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<ol>\n<li>first</li>\n</ol>\n"
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        "<pre><code>print(1)\n</code></pre>\n"
        "<hr>"
    )


def test_a_table_is_shown_as_text_without_styles():
    html = markdown_html("| a | b |\n|--:|:--|\n| 1 | 2 |")

    assert "<table" not in html
    assert "style" not in html
    assert html.startswith("<p>| a | b |<br>")


def test_the_sanitiser_drops_styles_classes_and_unknown_tags():
    # The second line of defence, fed HTML markdown-it would never make.
    dirty = (
        '<h1 style="color:red">t</h1><p class="btn" style="x" onclick="y">a</p>'
        '<a href="https://example.org" target="_blank" rel="opener">b</a>'
        '<a href="/relative">c</a><img src="https://example.org/i.png"><iframe src="x"></iframe>'
        "<script>alert(1)</script>"
    )

    assert markup._cleaner.clean(dirty) == (
        f't<p>a</p><a href="https://example.org"{REL}>b</a><a{REL}>c</a>'
    )


# --- plain text -----------------------------------------------------------------------------------


def test_plain_text_keeps_line_breaks_and_paragraphs():
    html = plain_html("Learns the codebase.\nShips small changes.\n\nOwns a service.")

    assert html == "<p>Learns the codebase.<br>Ships small changes.</p>\n\n<p>Owns a service.</p>"


def test_plain_text_stays_literal():
    html = plain_html("*stars* and _under_\n1. first\n# not a heading\n[x](https://example.org)")

    assert html == (
        "<p>*stars* and _under_<br>1. first<br># not a heading<br>[x](https://example.org)</p>"
    )


def test_plain_text_takes_a_line_of_spaces_and_windows_newlines_as_a_paragraph_break():
    assert plain_html("\r\n  One.  \r\n  \r\nTwo.\r\n\r\n") == "<p>  One.</p>\n\n<p>Two.</p>"


def test_plain_text_escapes_even_a_safe_string():
    assert plain_html(mark_safe("<b>&amp;</b>")) == "<p>&lt;b&gt;&amp;amp;&lt;/b&gt;</p>"


@pytest.mark.parametrize("markdown", [True, False])
@pytest.mark.parametrize("text", ["", "   ", "\n\n", " \n \t\n"])
def test_an_empty_text_renders_nothing(text, markdown):
    assert rich_html(text, markdown=markdown) == ""


def test_rich_html_picks_the_format():
    assert rich_html("*x*", markdown=True) == "<p><em>x</em></p>"
    assert rich_html("*x*", markdown=False) == "<p>*x*</p>"


@pytest.mark.parametrize("markdown", [True, False])
def test_results_are_safe_strings(markdown):
    assert isinstance(rich_html("x", markdown=markdown), SafeString)
    assert isinstance(rich_html("", markdown=markdown), SafeString)


# --- characters no one meant ----------------------------------------------------------------------


@pytest.mark.parametrize("markdown", [True, False])
def test_nul_characters_are_removed(markdown):
    html = rich_html("a\x00b\x00\n\x00c", markdown=markdown)

    assert "\x00" not in html
    assert "\ufffd" not in html
    assert "ab" in html
    assert "c" in html


@pytest.mark.parametrize("markdown", [True, False])
def test_a_lone_surrogate_becomes_a_replacement_character(markdown):
    html = rich_html("a\ud800b \udfff", markdown=markdown)

    assert "a\ufffdb \ufffd" in html
    html.encode()  # what the response does with it


# --- bounded work ---------------------------------------------------------------------------------


def _random_text(seed: int) -> str:
    chars = "*_`[]()!<>#-+|~\\&;:=.1a \n\t"
    rng = random.Random(seed)  # noqa: S311 - a repeatable text, not a secret
    return "".join(rng.choice(chars) for _ in range(MAX_TEXT_CHARS))


PATHOLOGICAL = {
    "nested lists": "".join("  " * depth + "- item\n" for depth in range(2000))[:MAX_TEXT_CHARS],
    "nested list markers": "- " * (MAX_TEXT_CHARS // 2),
    "nested quotes": ">" * MAX_TEXT_CHARS,
    "nested quotes with text": "> a\n" * (MAX_TEXT_CHARS // 4),
    "10k backticks": "`" * 10_000,
    "10k spaced backticks": "` " * 10_000,
    "backtick runs of every length": "".join("`" * n + "a" for n in range(1, 199)),
    "emphasis": "*a_" * (MAX_TEXT_CHARS // 3),
    "emphasis runs": "*" * 10_000 + "a" + "*" * 9_999,
    "angle brackets": "<" * MAX_TEXT_CHARS,
    "entities": "&#x" * (MAX_TEXT_CHARS // 3),
    "random text": _random_text(1),
}


def _render_seconds(text: str) -> tuple[float, str]:
    # CPU time, not wall time: the work a text costs, whatever else the test machine runs.
    start = time.process_time()
    html = markdown_html(text)
    return time.process_time() - start, html


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_markdown_renders_in_under_a_second(name):
    text = PATHOLOGICAL[name]
    assert len(text) <= MAX_TEXT_CHARS

    seconds, html = _render_seconds(text)

    assert seconds < 1.0
    assert tags_of(html) <= ALLOWED_TAGS


# Unclosed link brackets are markdown-it-py's slowest input that we found: linear, but
# 0.5-0.9 s of CPU for 20000 characters on the 2-core test machine, where 20000 characters of
# ordinary prose with links and emphasis take 0.05 s. The bound is looser so the test is not
# flaky; what it catches is a quadratic regression, which would take minutes.
BRACKET_FLOODS = {
    "open brackets": "[" * MAX_TEXT_CHARS,
    "open image brackets": "![" * (MAX_TEXT_CHARS // 2),
    "open brackets on lines": "[\n" * (MAX_TEXT_CHARS // 2),
    "unclosed links": "[a](" * (MAX_TEXT_CHARS // 4),
}


@pytest.mark.parametrize("name", BRACKET_FLOODS)
def test_bracket_floods_render_in_linear_time(name):
    seconds, html = _render_seconds(BRACKET_FLOODS[name])

    assert seconds < 3.0
    assert tags_of(html) <= {"p", "br"}


def test_a_text_over_the_limit_is_shown_as_plain_text():
    text = "*a*\n" + "x" * MAX_TEXT_CHARS

    html = markdown_html(text)

    assert html.startswith("<p>*a*<br>xxx")


def test_a_text_at_the_limit_is_still_markdown():
    text = "*a*\n" + "x" * (MAX_TEXT_CHARS - 4)

    assert markdown_html(text).startswith("<p><em>a</em><br>\nxxx")


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("<>\"'=:/()[]!*_`#-\n ajvscriptmgdhtp&;")) | st.text())
def test_any_text_renders_allowed_tags_and_http_links_only(text):
    html = markdown_html(text)

    assert tags_of(html) <= ALLOWED_TAGS
    for match in TAG.finditer(html):
        closing, tag, attributes = match.groups()
        if tag == "a" and not closing:
            assert re.fullmatch(r'( href="https?://[^"]*")?( title="[^"]*")?' + REL, attributes)
        else:
            assert attributes == ""


# --- the template filters -------------------------------------------------------------------------


def test_the_filters_render_through_a_template():
    template = Template(
        "{% load markup %}<div>{{ text|rich:markdown }}</div><div>{{ text|plain }}</div>"
    )

    html = template.render(Context({"text": "*Owns* it.\n<b>Ships</b>.", "markdown": True}))

    assert html == (
        "<div><p><em>Owns</em> it.<br>\n&lt;b&gt;Ships&lt;/b&gt;.</p></div>"
        "<div><p>*Owns* it.<br>&lt;b&gt;Ships&lt;/b&gt;.</p></div>"
    )


def test_the_rich_filter_renders_plain_text_when_the_flag_is_false():
    template = Template("{% load markup %}{{ text|rich:markdown }}")

    assert template.render(Context({"text": "*a*\nb", "markdown": False})) == "<p>*a*<br>b</p>"


def test_the_filters_escape_with_autoescape_off_and_a_safe_string():
    template = Template(
        "{% load markup %}{% autoescape off %}{{ text|rich:True }}{{ text|plain }}"
        "{% endautoescape %}"
    )

    html = template.render(Context({"text": mark_safe("<i>x</i>")}))

    assert html == "<p>&lt;i&gt;x&lt;/i&gt;</p><p>&lt;i&gt;x&lt;/i&gt;</p>"


def test_the_filters_render_nothing_for_a_missing_text():
    template = Template("{% load markup %}[{{ text|rich:True }}][{{ text|plain }}]")

    assert template.render(Context({"text": None})) == "[][]"
    assert template.render(Context({})) == "[][]"
