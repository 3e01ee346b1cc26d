"""Proposals API (DESIGN §7): list, read, vote, review, withdraw, revise and flag. One APIView
per operation, each calling the same service as the HTML pages; domain errors become JSON 4xx
with a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals.errors import CommentNotFound, ProposalNotFound
from proposals.models import (
    FLAG_NOTE_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    REVIEW_COMMENT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VOTE_REASON_MAX_LENGTH,
    Flag,
    FlagReason,
    Proposal,
    Review,
)
from proposals.moderation import comment_flag, proposal_flag
from proposals.ratelimit import flag_writes_count, proposal_writes_count
from proposals.search import SEARCH_MAX_LENGTH, as_search
from proposals.selectors import (
    SORTS,
    proposal_comment_get,
    proposal_get,
    proposal_list,
    proposal_shown_to,
    signed_in_member,
)
from proposals.services import (
    proposal_create,
    proposal_read,
    proposal_revise,
    proposal_withdraw,
    review_submit,
    vote_cast,
    vote_retract,
)
from roles.selectors import role_get
from skillsmatrix.api import ListApi, StrictCharField, StrictSlugField, StrictURLField


def member_write(request: Request, write: Callable[[User], Response]) -> Response:
    """Run one write of the signed-in member, counted against ``PROPOSAL_WRITES_PER_MINUTE``
    (one budget per member, shared with the pages): ``write(member)``. Its domain errors, and
    the limit's 429 with ``Retry-After``, are answered by the API's exception handler."""
    proposal_writes_count(key=f"user:{request.user.pk}")
    return write(signed_in_member(request.user))


@extend_schema_serializer(component_name="ProposalVotes")
class VotesSerializer(serializers.Serializer[Any]):
    up = serializers.IntegerField(source="votes_up")
    down = serializers.IntegerField(source="votes_down")


@extend_schema_serializer(component_name="ProposalSummary")
class ProposalSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    role = serializers.CharField(source="role.slug")
    title = serializers.CharField()
    author = serializers.CharField(source="author.get_username")
    status = serializers.CharField()
    votes = VotesSerializer(source="*")
    created_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


_CHANGE_EXAMPLE = {
    "op": "set_requirement",
    "skill": "docker",
    "level": "senior",
    "code": "E",
    "mandatory": True,
}
_DETAIL_EXAMPLE = {
    "id": 7,
    "role": "mlops-engineer",
    "title": "Seniors should master Docker",
    "rationale": "Every senior on our team debugs image builds weekly.",
    "evidence_links": ["https://example.com/survey"],
    "author": "ada",
    "status": "voting",
    "base_version": 3,
    "changes": [_CHANGE_EXAMPLE],
    "votes": {"up": 4, "down": 1},
    "created_at": "2026-11-20T10:00:00Z",
    "closes_at": "2026-11-27T10:00:00Z",
    "decided_at": None,
    "reviews": [],
    "applied_version": None,
    "conflicts": [],
}


@extend_schema_serializer(component_name="ProposalDetail")
class ProposalDetailOutput(ProposalSummarySerializer):
    @extend_schema_serializer(component_name="ProposalReview")
    class ReviewSerializer(serializers.Serializer[Any]):
        reviewer = serializers.CharField(source="reviewer.get_username")
        decision = serializers.CharField()
        comment = serializers.CharField()
        created_at = serializers.DateTimeField()

    rationale = serializers.CharField()
    evidence_links = serializers.ListField(child=serializers.URLField())
    base_version = serializers.IntegerField()
    changes = serializers.ListField(child=serializers.DictField())
    decided_at = serializers.DateTimeField(allow_null=True)
    reviews = ReviewSerializer(many=True, source="reviews.all")
    applied_version = serializers.IntegerField(source="applied_version.number", allow_null=True)
    conflicts = serializers.ListField(child=serializers.CharField())


# An http(s) address as the services take one. Documented by a pattern of the addresses every
# part accepts (Django's URLValidator: labels of at most 63 characters, a host of at most 253,
# http or https only), so a request the schema allows is never refused; more are accepted.
EVIDENCE_LINK_PATTERN = r"^https?://([a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\.){1,3}[a-z]{2,12}(/[A-Za-z0-9._~-]{0,30}){0,5}$"


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 500,
        "pattern": EVIDENCE_LINK_PATTERN,
        "description": "An http(s) address.",
        "example": "https://example.com/survey",
    }
)
class EvidenceLinkField(StrictURLField):
    """A link to evidence: an http(s) address (the services refuse other schemes)."""


class ProposalListApi(ListApi):
    error_statuses: ClassVar[dict[str, str]] = {
        "400": "Invalid input (for the list, a status or sort that is not one of its values).",
        "429": "Too many requests, or the member has as many open proposals as allowed.",
    }

    # Anyone reads the list; proposing needs a member.
    permission_classes = (IsAuthenticatedOrReadOnly,)

    @extend_schema_serializer(component_name="ProposalCreateRequest")
    class InputSerializer(serializers.Serializer[Any]):
        role = StrictSlugField(max_length=100)
        title = StrictCharField(min_length=1, max_length=TITLE_MAX_LENGTH)
        rationale = StrictCharField(min_length=1, max_length=RATIONALE_MAX_LENGTH)
        evidence_links = serializers.ListField(
            child=EvidenceLinkField(max_length=500), required=False, default=list
        )
        base_version = serializers.IntegerField(required=False, min_value=1)
        changes = serializers.ListField(
            child=serializers.DictField(),
            min_length=1,
            help_text=(
                "Ordered typed changes, each an object with an `op`. Which skills and levels a "
                "role has is data: a change naming one it lacks, or one that changes nothing, "
                "is refused with a 400 naming the change (`changes[2].level`)."
            ),
        )

    @extend_schema(
        operation_id="proposals_create",
        request=InputSerializer,
        responses={201: ProposalDetailOutput},
        examples=[
            OpenApiExample(
                "Docker at Senior becomes Expert",
                value={
                    "role": "mlops-engineer",
                    "title": "Seniors should master Docker",
                    "rationale": "Every senior on our team debugs image builds weekly.",
                    "changes": [_CHANGE_EXAMPLE],
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created", value=_DETAIL_EXAMPLE, response_only=True, status_codes=["201"]
            ),
            OpenApiExample(
                "Refused change",
                value={
                    "message": "changes[0].level: no level 'staff' in role 'mlops-engineer'",
                    "errors": {"changes[0].level": "no level 'staff' in role 'mlops-engineer'"},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
        description=(
            "Open a proposal for voting. `changes` is an ordered list of typed changes: "
            "set_requirement, set_details, add_skill, remove_skill, set_focus, set_stack."
        ),
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        role = role_get(slug=data["role"])

        def create(member: User) -> Response:
            proposal = proposal_create(
                role=role,
                author=member,
                title=data["title"],
                rationale=data["rationale"],
                evidence_links=data["evidence_links"],
                base_version=data.get("base_version"),
                changes=data["changes"],
            )
            return Response(ProposalDetailOutput(proposal_get(pk=proposal.pk)).data, 201)

        return member_write(request, create)

    @extend_schema(
        operation_id="proposals_list",
        parameters=[
            OpenApiParameter("role", OpenApiTypes.STR, description="role slug"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Proposal.Status.values),
            OpenApiParameter("domain", OpenApiTypes.STR, description="skill domain slug"),
            OpenApiParameter(
                "sort",
                OpenApiTypes.STR,
                enum=list(SORTS),
                description="relevance (the default with a search; newest without one), "
                "newest, score or closing",
            ),
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description="words of the title, rationale or comments, as a search box takes "
                f'them ("a phrase", or, -word); the first {SEARCH_MAX_LENGTH} characters count',
            ),
        ],
        responses=ProposalSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        for name, allowed in (("status", Proposal.Status.values), ("sort", SORTS)):
            if name in params and params[name] not in allowed:
                choices = ", ".join(allowed)
                raise ValidationError({name: [f"must be one of {choices}."]})
        proposals = proposal_list(
            role_slug=params.get("role", "")[:100],
            status=params.get("status", ""),
            domain_slug=params.get("domain", "")[:100],
            sort=params.get("sort", ""),
            search=as_search(params.get("search")),
        )
        return self.paginate(request, proposals, ProposalSummarySerializer)


class ProposalDetailApi(APIView):
    @extend_schema(
        operation_id="proposals_retrieve",
        responses={200: ProposalDetailOutput},
        examples=[
            OpenApiExample("A proposal in voting", value=_DETAIL_EXAMPLE, response_only=True)
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        proposal = proposal_read(pk=pk)
        if not proposal_shown_to(proposal=proposal, user=request.user):
            # Only its author and the moderators read a proposal hidden pending moderation.
            raise ProposalNotFound(_("Proposal #%(pk)d is hidden pending moderation.") % {"pk": pk})
        return Response(ProposalDetailOutput(proposal).data)


class ProposalVoteApi(APIView):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = {
        "409": "Voting on this proposal is closed.",
        "429": "Too many requests, or the member's votes for the day are used up.",
    }

    @extend_schema_serializer(component_name="ProposalVoteRequest")
    class InputSerializer(serializers.Serializer[Any]):
        value = serializers.ChoiceField(
            choices=[1, -1], error_messages={"invalid_choice": "A vote is 1 (up) or -1 (down)."}
        )
        reason = StrictCharField(
            required=False,
            allow_blank=True,
            max_length=VOTE_REASON_MAX_LENGTH,
            trim_whitespace=True,
            help_text=(
                "Optional, down votes only: why, in at most 280 characters (not only invisible "
                "ones). Shown to the author and on the proposal's page; sending a vote again "
                "replaces it, an up vote with a reason is refused."
            ),
        )

    @extend_schema_serializer(component_name="ProposalVoteResult")
    class OutputSerializer(serializers.Serializer[Any]):
        value = serializers.IntegerField(allow_null=True)
        reason = serializers.CharField(help_text="The down vote's reason (empty when none).")
        votes = VotesSerializer()

    def _answer(self, tally: tuple[int, int], value: int | None, reason: str = "") -> Response:
        up, down = tally
        data = {"value": value, "reason": reason, "votes": {"votes_up": up, "votes_down": down}}
        return Response(self.OutputSerializer(data).data)

    @extend_schema(
        operation_id="proposals_vote",
        request=InputSerializer,
        responses={200: OutputSerializer},
        examples=[
            OpenApiExample("Vote up", value={"value": 1}, request_only=True),
            OpenApiExample(
                "Vote down, saying why",
                value={"value": -1, "reason": "Seniors here rarely write Dockerfiles."},
                request_only=True,
            ),
            OpenApiExample(
                "Counted",
                value={"value": 1, "reason": "", "votes": {"up": 5, "down": 1}},
                response_only=True,
            ),
        ],
        description=(
            "Cast or change your vote while the proposal is voting. A down vote may carry a "
            "short `reason`. Only votes on the proposal's current changes count: a revision "
            "that changes them sets earlier votes aside, and their voters may vote again."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        value = serializer.validated_data["value"]
        reason = serializer.validated_data.get("reason", "")

        def cast(member: User) -> Response:
            # The tally is the one the service wrote in the vote's transaction (under the
            # proposal's lock: the count as this vote left it), so nothing is read after the
            # commit: a connection lost then cannot turn a counted vote into an error. The
            # service reads the proposal under its lock (a missing one is a 404), so no
            # proposal is read before it.
            vote = vote_cast(proposal=Proposal(pk=pk), voter=member, value=value, reason=reason)
            tally = (vote.proposal.votes_up, vote.proposal.votes_down)
            return self._answer(tally, vote.value, vote.reason)

        return member_write(request, cast)

    @extend_schema(
        operation_id="proposals_vote_retract",
        request=None,
        responses={200: OutputSerializer},
        description="Take your vote back while the proposal is voting.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        def retract(member: User) -> Response:
            # The tally as the service left it, as cast() above.
            locked = vote_retract(proposal=proposal_get(pk=pk), voter=member)
            return self._answer((locked.votes_up, locked.votes_down), None)

        return member_write(request, retract)


class ProposalReviewApi(APIView):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = {
        "409": "The proposal is not in review, or this expert reviewed it already.",
    }

    @extend_schema_serializer(component_name="ProposalReviewRequest")
    class InputSerializer(serializers.Serializer[Any]):
        decision = serializers.ChoiceField(choices=Review.Decision.values)
        comment = StrictCharField(min_length=1, max_length=REVIEW_COMMENT_MAX_LENGTH)

    @extend_schema(
        operation_id="proposals_review",
        request=InputSerializer,
        responses={200: ProposalDetailOutput},
        examples=[
            OpenApiExample(
                "Approve",
                value={"decision": "approve", "comment": "Matches what seniors do."},
                request_only=True,
            ),
        ],
        description=(
            "An expert of a touched domain (or a global expert) approves or rejects a proposal "
            "in review. One rejection rejects it; REVIEW_APPROVALS approvals apply it."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def review(member: User) -> Response:
            review_submit(
                proposal=proposal_get(pk=pk),
                reviewer=member,
                decision=data["decision"],
                comment=data["comment"],
            )
            return Response(ProposalDetailOutput(proposal_get(pk=pk)).data)

        return member_write(request, review)


class ProposalWithdrawApi(APIView):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = {
        "409": "Only a proposal that is still voting can be withdrawn.",
    }

    @extend_schema(
        operation_id="proposals_withdraw",
        request=None,
        responses={200: ProposalDetailOutput},
        description="The author withdraws their proposal while it is voting.",
    )
    def post(self, request: Request, pk: int) -> Response:
        def withdraw(member: User) -> Response:
            proposal_withdraw(proposal=proposal_get(pk=pk), author=member)
            return Response(ProposalDetailOutput(proposal_get(pk=pk)).data)

        return member_write(request, withdraw)


class ProposalReviseApi(APIView):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = {
        "400": "Invalid input, a change the role refuses, or a revision that changes nothing.",
        "403": "Only the author can revise a proposal.",
        "409": "Voting on this proposal is closed.",
    }

    @extend_schema_serializer(component_name="ProposalReviseRequest")
    class InputSerializer(serializers.Serializer[Any]):
        title = StrictCharField(min_length=1, max_length=TITLE_MAX_LENGTH)
        rationale = StrictCharField(min_length=1, max_length=RATIONALE_MAX_LENGTH)
        evidence_links = serializers.ListField(
            child=EvidenceLinkField(max_length=500), required=False, default=list
        )
        changes = serializers.ListField(
            child=serializers.DictField(),
            min_length=1,
            help_text=(
                "The whole change list as it should stand. The same list keeps the votes and "
                "the voting window; another one (checked against the role's current version) "
                "restarts the window and sets the votes so far aside."
            ),
        )

    @extend_schema_serializer(component_name="ProposalRevision")
    class OutputSerializer(serializers.Serializer[Any]):
        revision = serializers.IntegerField(help_text="The number of the text now shown.")
        changes_changed = serializers.BooleanField()
        votes_set_aside = serializers.IntegerField()
        proposal = ProposalDetailOutput()

    @extend_schema(
        operation_id="proposals_revise",
        request=InputSerializer,
        responses={200: OutputSerializer},
        description=(
            "The author revises their proposal while it is voting; the text it replaces is "
            "kept and shown on the proposal's page."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def revise(member: User) -> Response:
            revised = proposal_revise(
                proposal=proposal_get(pk=pk),
                author=member,
                title=data["title"],
                rationale=data["rationale"],
                evidence_links=data["evidence_links"],
                changes=data["changes"],
            )
            answer = {
                "revision": revised.proposal.revision,
                "changes_changed": revised.changes_changed,
                "votes_set_aside": revised.votes_set_aside,
                "proposal": proposal_get(pk=pk),
            }
            return Response(self.OutputSerializer(answer).data)

        return member_write(request, revise)


@extend_schema_serializer(component_name="FlagRequest")
class FlagInput(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(
        choices=FlagReason.choices,
        help_text="Why a moderator should look at it: spam, abuse (rude or abusive), off_topic.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=FLAG_NOTE_MAX_LENGTH,
        help_text=(
            "Optional: a note for the moderators, one line of at most 200 characters (not only "
            "invisible ones). Only moderators read it."
        ),
    )


@extend_schema_serializer(component_name="Flag")
class FlagOutput(serializers.Serializer[Any]):
    proposal = serializers.IntegerField(source="proposal_id")
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    reason = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    hidden = serializers.BooleanField(
        help_text="Whether the flagged item is now hidden pending moderation (FLAGS_TO_HIDE "
        "flags from different members hide it)."
    )


_FLAG_ERRORS = {
    "403": "Not allowed: a member needs a verified email address, and nobody flags their own "
    "proposal or comment (or, for a browser session, no valid CSRF token).",
    "409": "This member has already flagged it, or the comment was removed by a moderator.",
    "429": "Too many requests, or the member's flags for the hour (FLAGS_PER_HOUR) are used up.",
}


def _flag_answer(flag: Flag) -> Response:
    item = flag.comment if flag.comment_id else flag.proposal
    data = {
        "proposal_id": flag.proposal_id,
        "comment_id": flag.comment_id,
        "reason": flag.reason,
        "note": flag.note,
        "created_at": flag.created_at,
        "hidden": item is not None and item.is_hidden,
    }
    return Response(FlagOutput(data).data, 201)


def _flag_write(request: Request, flag: Callable[[User, str, str], Flag]) -> Response:
    """Check the body, count one proposal write and one flag of the member, then flag."""
    serializer = FlagInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    reason = serializer.validated_data["reason"]
    note = serializer.validated_data.get("note", "")
    flag_writes_count(key=f"user:{request.user.pk}")
    return member_write(request, lambda member: _flag_answer(flag(member, reason, note)))


class ProposalFlagApi(APIView):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = _FLAG_ERRORS

    @extend_schema(
        operation_id="proposals_flag",
        request=FlagInput,
        responses={201: FlagOutput},
        examples=[
            OpenApiExample(
                "Flag as spam",
                value={"reason": "spam", "note": "Links to a shop."},
                request_only=True,
            ),
        ],
        description=(
            "Flag a proposal for the moderators, once per member (not your own). FLAGS_TO_HIDE "
            "flags from different members hide it pending a moderator: it leaves the lists and "
            "takes no votes, comments or reviews until restored."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        def flag(member: User, reason: str, note: str) -> Flag:
            return proposal_flag(
                proposal=proposal_get(pk=pk), member=member, reason=reason, note=note
            )

        return _flag_write(request, flag)


class CommentFlagApi(APIView):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = _FLAG_ERRORS

    @extend_schema(
        operation_id="proposals_comment_flag",
        request=FlagInput,
        responses={201: FlagOutput},
        examples=[
            OpenApiExample("Flag as abuse", value={"reason": "abuse"}, request_only=True),
        ],
        description=(
            "Flag a comment of the proposal's discussion for the moderators, once per member "
            "(not your own). FLAGS_TO_HIDE flags from different members hide it: it shows as a "
            "placeholder to all but its author and the moderators until a moderator decides."
        ),
    )
    def post(self, request: Request, pk: int, comment_pk: int) -> Response:
        def flag(member: User, reason: str, note: str) -> Flag:
            comment = proposal_comment_get(proposal=proposal_get(pk=pk), pk=comment_pk)
            if comment is None:
                raise CommentNotFound(
                    _("No comment %(comment)d in proposal #%(pk)d.")
                    % {"comment": comment_pk, "pk": pk}
                )
            return comment_flag(comment=comment, member=member, reason=reason, note=note)

        return _flag_write(request, flag)


urlpatterns = [
    path("proposals/", ProposalListApi.as_view(), name="api-proposal-list"),
    path("proposals/<int:pk>/", ProposalDetailApi.as_view(), name="api-proposal-detail"),
    path("proposals/<int:pk>/vote/", ProposalVoteApi.as_view(), name="api-proposal-vote"),
    path("proposals/<int:pk>/review/", ProposalReviewApi.as_view(), name="api-proposal-review"),
    path(
        "proposals/<int:pk>/withdraw/", ProposalWithdrawApi.as_view(), name="api-proposal-withdraw"
    ),
    path("proposals/<int:pk>/revise/", ProposalReviseApi.as_view(), name="api-proposal-revise"),
    path("proposals/<int:pk>/flag/", ProposalFlagApi.as_view(), name="api-proposal-flag"),
    path(
        "proposals/<int:pk>/comments/<int:comment_pk>/flag/",
        CommentFlagApi.as_view(),
        name="api-proposal-comment-flag",
    ),
]
