from __future__ import annotations

from django.urls import path

from proposals import inbox_views, views

app_name = "proposals"

urlpatterns = [
    path("proposals/", views.proposal_list_page, name="list"),
    path("proposals/new/", views.proposal_new, name="new"),
    path("proposals/touching/", views.proposals_touching, name="touching"),
    path("proposals/<int:pk>/", views.proposal_detail, name="detail"),
    path("proposals/<int:pk>/vote/", views.proposal_vote, name="vote"),
    path("proposals/<int:pk>/comments/", views.proposal_comment, name="comment"),
    path(
        "proposals/<int:pk>/comments/<int:comment_pk>/edit/",
        views.proposal_comment_edit,
        name="comment_edit",
    ),
    path(
        "proposals/<int:pk>/comments/<int:comment_pk>/flag/",
        views.comment_flag_view,
        name="comment_flag",
    ),
    path("proposals/<int:pk>/flag/", views.proposal_flag_view, name="flag"),
    path("proposals/<int:pk>/revise/", views.proposal_revise_view, name="revise"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw_view, name="withdraw"),
    path("proposals/<int:pk>/review/", views.proposal_review, name="review"),
    path("proposals/<int:pk>/watch/", inbox_views.proposal_watch, name="watch"),
    path("roles/<slug:slug>/watch/", inbox_views.role_watch, name="role_watch"),
    path("notifications/", inbox_views.inbox_page, name="inbox"),
    path("notifications/read/", inbox_views.notifications_read_all, name="inbox_read_all"),
    path("notifications/<int:pk>/", inbox_views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", inbox_views.notification_read, name="notification_read"),
    path("notifications/emails/", inbox_views.email_settings, name="email_settings"),
    path("notifications/unsubscribe/<str:token>/", inbox_views.unsubscribe, name="unsubscribe"),
]
