from __future__ import annotations

app_name = "grading"

urlpatterns: list = []
