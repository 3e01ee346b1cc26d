from __future__ import annotations

from django.urls import path

from grading import views

app_name = "grading"

urlpatterns = [
    path("roles/<slug:slug>/grade/", views.calculator, name="calculator"),
    path("roles/<slug:slug>/grade/share/", views.assessment_share, name="share"),
    path("roles/<slug:slug>/grade/switch/", views.calculator_switch, name="switch"),
    path("assessments/", views.assessment_history, name="history"),
    path("assessments/<slug:token>/", views.assessment_detail, name="assessment"),
]
