"""Text search of proposals: their title, rationale and comments (no queries of its own).

On PostgreSQL a proposal's ``search_document`` holds its words, weighted title A, rationale B
and comments C; the services write it in the transaction that changes any of them, and a GIN
index finds the matches. The query is read as a search box's (``websearch_to_tsquery``: words
are all required, ``"a phrase"``, ``or``, ``-word`` leaves out) and the matches are ranked.

Both documents and queries use the ``simple`` configuration: the site's texts are in English
and Spanish, and a proposal says in neither field which; ``simple`` lower-cases whole words
and neither stems nor drops stop words, so a word matches that word in any language (no
"vote" for "votes"; accents must match, as there is no unaccent). Other databases (SQLite, the
embedded default) have no such document: every word of the search must be in the title, the
rationale or a comment, as a case-insensitive substring.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Exists, F, Model, OuterRef, Q, Subquery, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Left

SEARCH_CONFIG = "simple"
# The longest search the list takes (the form refuses a longer one, the API cuts it).
SEARCH_MAX_LENGTH = 200
# At most this many words of a search are used by the fallback: a bound on its SQL.
SEARCH_MAX_TERMS = 8
# How much of a discussion is searched, in characters: a document far below PostgreSQL's
# limit of a tsvector (1 MB), however many comments a proposal gathers.
COMMENTS_SEARCHED = 100_000


def search_document(comment_model: type[Model]) -> Combinable:
    """A proposal's search document as an expression over its row, for an ``update()`` of
    proposals: title (A), rationale (B) and its comments in order (C), but those hidden
    pending moderation or removed. ``comment_model`` is
    the Comment model (the migration's historical one, or the app's)."""
    comments = (
        comment_model._default_manager.filter(
            proposal=OuterRef("pk"), hidden_at__isnull=True, removed_at__isnull=True
        )
        .order_by()
        .values("proposal")
        .annotate(text=StringAgg("text", " ", order_by=("created_at", "pk")))
        .values("text")
    )
    discussion = Left(Coalesce(Subquery(comments), Value("")), COMMENTS_SEARCHED)
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("rationale", weight="B", config=SEARCH_CONFIG)
        + SearchVector(discussion, weight="C", config=SEARCH_CONFIG)
    )


def search_query(search: str) -> SearchQuery:
    """A search box's words as a full-text query (any input makes a valid one)."""
    return SearchQuery(search, search_type="websearch", config=SEARCH_CONFIG)


def search_rank(search: str) -> SearchRank:
    return SearchRank(F("search_document"), search_query(search))


def _term_groups(search: str) -> list[list[str]]:
    """A search's words, in groups any one of which may match (``or`` between them), as the
    PostgreSQL query reads simple words; the quotes of a phrase are dropped."""
    groups: list[list[str]] = [[]]
    for word in search.split()[: SEARCH_MAX_TERMS * 2]:
        if word.lower() == "or":
            groups.append([])
        elif word.strip('"-'):
            groups[-1].append(word.strip('"'))
    return [group[:SEARCH_MAX_TERMS] for group in groups if group][:SEARCH_MAX_TERMS]


def _term_found(term: str, comment_model: type[Model]) -> Q:
    in_comments = comment_model._default_manager.filter(
        proposal=OuterRef("pk"),
        text__icontains=term,
        hidden_at__isnull=True,
        removed_at__isnull=True,
    )
    return Q(title__icontains=term) | Q(rationale__icontains=term) | Q(Exists(in_comments))


def search_fallback(search: str, comment_model: type[Model]) -> Q:
    """Proposals matching ``search`` without a search document: every word of a group in the
    title, the rationale or a comment (case-insensitive substrings), ``-word`` in none. A
    search of no words (quotes, dashes) matches nothing, as on PostgreSQL."""
    matches = Q(pk__in=[])
    for group in _term_groups(search):
        condition = Q()
        for term in group:
            if term.startswith("-"):
                condition &= ~_term_found(term.lstrip("-"), comment_model)
            else:
                condition &= _term_found(term, comment_model)
        matches |= condition
    return matches


def searchable(search: str) -> bool:
    """Whether a search can reach the database: no text holds a NUL (PostgreSQL refuses it)
    or a lone surrogate (no encoding can send it)."""
    if "\x00" in search:
        return False
    try:
        search.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_search(value: Any) -> str:
    """A search as the list takes it: stripped, and at most ``SEARCH_MAX_LENGTH`` long, a word
    the limit cuts in two left out."""
    text = str(value or "").strip()
    if len(text) <= SEARCH_MAX_LENGTH:
        return text
    head = text[:SEARCH_MAX_LENGTH]
    if not text[SEARCH_MAX_LENGTH].isspace() and len(head.split()) > 1:
        head = head.rsplit(maxsplit=1)[0]
    return head.strip()
