from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from grading.models import Assessment


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin[Assessment]):
    list_display = ("created_at", "role", "role_version", "grade_name", "user")
    list_filter = ("role",)
    list_select_related = ("role", "user")
    search_fields = ("user__username", "role__title")
    # Assessments are people's own ratings: curators may look and delete, never rewrite them.
    readonly_fields = (
        "token",
        "role",
        "role_version",
        "ratings",
        "grade",
        "grade_name",
        "user",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
