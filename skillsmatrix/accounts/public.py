"""A member's public page: what they did for the community, never their email address.

A site page (DESIGN §3): it gathers the proposals app's part through its selectors.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from proposals.selectors import (
    expertise_list_for_member,
    member_accepted_proposals,
    member_get,
    member_reputations,
    member_reviews,
)
from skillsmatrix.accounts.views import _first_and_total

# How many accepted proposals and reviews the page lists, the latest first.
MEMBER_LIST_SIZE = 10


@require_safe
def member_page(request: HttpRequest, username: str) -> HttpResponse:
    """``/members/<username>/``: member since, reputation, accepted proposals, reviews and
    expertise (5 queries, plus the session and the viewer when signed in). An unknown or odd
    name is the site's 404 page (:class:`proposals.errors.MemberNotFound`)."""
    member = member_get(username=username)
    accepted, accepted_total = _first_and_total(
        member_accepted_proposals(user=member), MEMBER_LIST_SIZE
    )
    reviews, review_total = _first_and_total(member_reviews(user=member), MEMBER_LIST_SIZE)
    expertise = list(expertise_list_for_member(user=member))
    context = {
        "member": member,
        "reputation": member_reputations(user_ids=[member.pk]).get(member.pk),
        "accepted": accepted,
        "accepted_total": accepted_total,
        "reviews": reviews,
        "review_total": review_total,
        "expertise": expertise,
        "is_self": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "accounts/member.html", context)
