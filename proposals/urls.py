from __future__ import annotations

from django.urls import path

from proposals import views

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
    path("proposals/<int:pk>/revise/", views.proposal_revise_view, name="revise"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw_view, name="withdraw"),
    path("proposals/<int:pk>/review/", views.proposal_review, name="review"),
]
