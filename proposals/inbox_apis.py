"""The inbox through the API (DESIGN §7): a member's notifications (read, mark read, mark all
read) and watching a role or a proposal. The same services as the inbox pages; the words of a
notification are the page's, in the request's language."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import User
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals.apis import member_write
from proposals.inbox import (
    inbox_notifications,
    notification_excerpt,
    notification_is_members,
    notification_path,
    notification_summary,
)
from proposals.models import Notification
from proposals.notify import notification_mark_read, notifications_mark_all_read, watch_set
from proposals.selectors import proposal_get, signed_in_member
from roles.selectors import role_get
from skillsmatrix.api import ListApi, StrictBooleanField

_NOTIFICATION_EXAMPLE = {
    "id": 12,
    "kind": "reply",
    "summary": "ada replied to your comment on “Seniors should master Docker”",
    "excerpt": "Agreed — and the same for Kubernetes?",
    "url": "https://skills.example.com/proposals/7/#comment-31",
    "proposal": 7,
    "created_at": "2026-11-20T10:00:00Z",
    "read_at": None,
}


@extend_schema_serializer(component_name="Notification")
class NotificationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    summary = serializers.SerializerMethodField(help_text="What happened, in one line.")
    excerpt = serializers.SerializerMethodField(
        help_text="The start of the comment it tells of (empty for other kinds)."
    )
    url = serializers.SerializerMethodField(help_text="The page it leads to.")
    proposal = serializers.IntegerField(source="proposal_id", allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_summary(self, notification: Notification) -> str:
        return notification_summary(notification)

    def get_excerpt(self, notification: Notification) -> str:
        return notification_excerpt(notification)

    def get_url(self, notification: Notification) -> str:
        return str(self.context["request"].build_absolute_uri(notification_path(notification)))


class NotificationListApi(ListApi):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = {
        "400": "`unread` is neither true nor false.",
    }

    @extend_schema(
        operation_id="notifications_list",
        parameters=[
            OpenApiParameter(
                "unread", OpenApiTypes.BOOL, description="only the unread ones (true) or all"
            )
        ],
        responses=NotificationSerializer(many=True),
        examples=[OpenApiExample("A reply", value=_NOTIFICATION_EXAMPLE, response_only=True)],
        description="The signed-in member's notifications, newest first.",
    )
    def get(self, request: Request) -> Response:
        unread = request.query_params.get("unread", "false")
        if unread not in ("true", "false"):
            raise ValidationError({"unread": ["must be true or false."]})
        notifications = inbox_notifications(user=request.user, unread_only=unread == "true")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(notifications, request, view=self)
        data = NotificationSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


@extend_schema_serializer(component_name="NotificationsMarked")
class MarkedSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")


class NotificationReadApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="notifications_read",
        request=None,
        responses={200: MarkedSerializer},
        description="Mark one of your notifications read (harmless when it is already).",
    )
    def post(self, request: Request, pk: int) -> Response:
        if not notification_is_members(user=request.user, notification_id=pk):
            raise NotFound("You have no such notification.")
        marked = notification_mark_read(user=signed_in_member(request.user), notification_id=pk)
        return Response({"marked": int(marked)})


class NotificationsReadAllApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="notifications_read_all",
        request=None,
        responses={200: MarkedSerializer},
        description="Mark every unread notification of yours read.",
    )
    def post(self, request: Request) -> Response:
        return Response(
            {"marked": notifications_mark_all_read(user=signed_in_member(request.user))}
        )


@extend_schema_serializer(component_name="Watching")
class WatchSerializer(serializers.Serializer[Any]):
    watching = StrictBooleanField(
        help_text="true to watch (its news come to your notifications), false to stop."
    )


class _WatchApi(APIView):
    permission_classes = (IsAuthenticated,)
    error_statuses: ClassVar[dict[str, str]] = {"429": "Too many requests."}

    def _watch(self, request: Request, **subject: Any) -> Response:
        serializer = WatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        watching = serializer.validated_data["watching"]

        def watch(member: User) -> Response:
            watch_set(user=member, watching=watching, **subject)
            return Response({"watching": watching})

        return member_write(request, watch)


class RoleWatchApi(_WatchApi):
    @extend_schema(
        operation_id="roles_watch",
        request=WatchSerializer,
        responses={200: WatchSerializer},
        description="Watch a role (its new proposals and versions), or stop watching it.",
    )
    def post(self, request: Request, slug: str) -> Response:
        return self._watch(request, role=role_get(slug=slug))


class ProposalWatchApi(_WatchApi):
    @extend_schema(
        operation_id="proposals_watch",
        request=WatchSerializer,
        responses={200: WatchSerializer},
        description="Watch a proposal (its status changes and comments), or stop watching it.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self._watch(request, proposal=proposal_get(pk=pk, viewer=request.user))


urlpatterns = [
    path("notifications/", NotificationListApi.as_view(), name="api-notification-list"),
    path("notifications/read/", NotificationsReadAllApi.as_view(), name="api-notifications-read"),
    path(
        "notifications/<int:pk>/read/", NotificationReadApi.as_view(), name="api-notification-read"
    ),
    path("roles/<slug:slug>/watch/", RoleWatchApi.as_view(), name="api-role-watch"),
    path("proposals/<int:pk>/watch/", ProposalWatchApi.as_view(), name="api-proposal-watch"),
]
