"""Curators edit every part of a format v2 framework in the admin (the worked example): each
save is one change set making one version in each role that shows the part; an unchanged save
makes none; bad input is a form error."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from roles.models import Framework, Level, Requirement, Role, RoleVersion, Scale, Skill, Track
from roles.services import document_import

pytestmark = pytest.mark.django_db

EXAMPLE = Path(settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"
ROLES = (
    "hw-software-engineer",
    "hw-site-reliability",
    "hw-growth-ladder",
    "hw-head-of-engineering",
)


@pytest.fixture
def framework() -> Framework:
    document_import(raw=EXAMPLE.read_bytes())
    return Framework.objects.get(slug="harbour-works")


class _FormValues(HTMLParser):
    """What the admin's change form would post as it stands (inputs, textareas, selects)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea = ""
        self._select = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value") or "on"
            else:
                self.values[name] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            name = self._textarea
            self.values[name] = self.values[name].removeprefix("\n")
            self._textarea = ""
        elif tag == "select":
            self._select = ""


def _form(admin_client, url: str) -> dict[str, str]:
    page = admin_client.get(url)
    assert page.status_code == 200
    parser = _FormValues()
    parser.feed(page.content.decode())
    data = dict(parser.values)
    data.pop("csrfmiddlewaretoken", None)
    data.pop("q", None)  # the sidebar's search
    return data


def _counts() -> dict[str, int]:
    return {slug: RoleVersion.objects.filter(role__slug=slug).count() for slug in ROLES}


def _grew(before: dict[str, int]) -> dict[str, int]:
    """How many versions each role gained since ``before`` (roles that gained none left out)."""
    after = _counts()
    return {slug: after[slug] - before[slug] for slug in ROLES if after[slug] != before[slug]}


def _latest(slug: str) -> dict:
    snapshot = RoleVersion.objects.filter(role__slug=slug).first().snapshot
    return snapshot


def _save(admin_client, url: str, data: dict[str, str]):
    return admin_client.post(url, data)


def _errors(response) -> str:
    return response.content.decode()


def _role_doc(slug: str) -> dict:
    snapshot = _latest(slug)
    return snapshot["roles"][0] if "roles" in snapshot else snapshot


def _row(role: dict, skill: str) -> dict:
    return next(row for row in role["skills"] if row["skill"] == skill)


# --- a cell -------------------------------------------------------------------------------------


def _cell_url(skill: str, level: str) -> str:
    cell = Requirement.objects.get(
        role_skill__skill__slug=skill,
        role_skill__role__slug="hw-software-engineer",
        level__code=level,
    )
    return reverse("admin:roles_requirement_change", args=[cell.pk])


def test_a_cells_step_and_words_are_edited_as_one_version(admin_client, framework):
    url = _cell_url("hw-testing", "senior")
    data = _form(admin_client, url)
    assert data["code"] == "4"
    assert json.loads(data["cell_links"]) == [
        {"title": "Review guide", "url": "https://example.org/review-guide"}
    ]
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {}  # unchanged: no version

    data.update(
        code="5",
        summary="Reviews everyone's tests",
        examples="One\nTwo",
        cell_links='[{"title": "Guide", "url": "https://example.org/g"}]',
    )
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {"hw-software-engineer": 1}
    cell = _row(_role_doc("hw-software-engineer"), "hw-testing")["requirements"]["senior"]
    assert cell["code"] == "5"
    assert cell["summary"] == "Reviews everyone's tests"
    assert cell["examples"] == ["One", "Two"]
    assert cell["links"] == [{"title": "Guide", "url": "https://example.org/g"}]


def test_a_cell_is_marked_not_applicable(admin_client, framework):
    url = _cell_url("hw-operations", "director")
    data = {**_form(admin_client, url), "code": "n/a"}
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {"hw-software-engineer": 1}
    role = _role_doc("hw-software-engineer")
    assert _row(role, "hw-operations")["requirements"]["director"] == "n/a"


def test_bad_cell_input_is_a_form_error(admin_client, framework):
    url = _cell_url("hw-testing", "senior")
    data = _form(admin_client, url)
    before = _counts()
    broken = _save(admin_client, url, {**data, "cell_links": "[{"})
    assert broken.status_code == 200
    assert "This is not valid JSON" in _errors(broken)
    ftp = _save(admin_client, url, {**data, "cell_links": '[{"url": "ftp://x"}]'})
    assert ftp.status_code == 200
    assert "must be an http(s) address" in _errors(ftp)
    bare = _save(admin_client, url, {**data, "code": "n/a"})
    assert bare.status_code == 200
    assert "says nothing else" in _errors(bare)
    off_scale = _save(admin_client, url, {**data, "code": "Y"})
    assert off_scale.status_code == 200
    assert _grew(before) == {}


# --- a level ------------------------------------------------------------------------------------


def _level_url(code: str) -> str:
    level = Level.objects.get(role__slug="hw-software-engineer", code=code)
    return reverse("admin:roles_level_change", args=[level.pk])


def test_a_levels_rank_track_and_sections_are_edited(admin_client, framework):
    url = _level_url("e1")
    data = _form(admin_client, url)
    assert data["rank"] == "1"
    assert json.loads(data["level_sections"])[0]["title"] == "Scope"
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {}

    ic = Track.objects.get(framework=framework, code="ic")
    sections = [{"title": "Scope", "text": "Own *tasks*."}]
    data.update(rank="2", track=str(ic.pk), level_sections=json.dumps(sections))
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {"hw-software-engineer": 1}
    level = _role_doc("hw-software-engineer")["levels"][0]
    assert (level["rank"], level["track"], level["sections"]) == (2, "ic", sections)
    version = RoleVersion.objects.filter(role__slug="hw-software-engineer").first()
    assert [change["field"] for change in version.changes] == ["rank", "track", "sections"]


def test_bad_sections_are_a_form_error(admin_client, framework):
    url = _level_url("e1")
    data = _form(admin_client, url)
    before = _counts()
    no_title = _save(admin_client, url, {**data, "level_sections": '[{"text": "x"}]'})
    assert no_title.status_code == 200
    assert "value[0].title" in _errors(no_title)
    not_json = _save(admin_client, url, {**data, "level_sections": "[{'title': 'x'}]"})
    assert not_json.status_code == 200
    assert "This is not valid JSON" in _errors(not_json)
    assert _grew(before) == {}


# --- a role -------------------------------------------------------------------------------------


def test_a_roles_layout_and_grading_are_edited(admin_client, framework):
    role = Role.objects.get(slug="hw-software-engineer")
    url = reverse("admin:roles_role_change", args=[role.pk])
    data = _form(admin_client, url)
    assert data["layout"] == "matrix"
    assert json.loads(data["grading_rule"]) == {"rule": "cumulative", "optional_share": 0.5}
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {}

    data.update(layout="steps", grading_rule='{"rule": "cumulative", "optional_share": 0.25}')
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {"hw-software-engineer": 1}
    doc = _role_doc("hw-software-engineer")
    assert doc["layout"] == "steps"
    assert doc["grading"] == {"rule": "cumulative", "optional_share": 0.25}

    bad = _save(admin_client, url, {**data, "grading_rule": '{"rule": "vibes"}'})
    assert bad.status_code == 200
    assert "rule" in _errors(bad)
    unknown_level = '{"rule": "points", "thresholds": {"nope": 3}}'
    refused = _save(admin_client, url, {**data, "grading_rule": unknown_level})
    assert refused.status_code == 200
    assert _grew(before) == {"hw-software-engineer": 1}


# --- a skill ------------------------------------------------------------------------------------


def _skill_url(slug: str) -> str:
    skill = Skill.objects.get(framework__slug="harbour-works", slug=slug)
    return reverse("admin:roles_skill_change", args=[skill.pk])


def test_a_skills_step_content_versions_each_role_showing_it(admin_client, framework):
    url = _skill_url("hw-hiring")  # shown by the engineer and the head of engineering
    data = _form(admin_client, url)
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {}

    data["step_content"] = json.dumps({"3": {"summary": "Runs interviews alone."}})
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {"hw-software-engineer": 1, "hw-head-of-engineering": 1}
    skill = Skill.objects.get(framework=framework, slug="hw-hiring")
    assert json.loads(skill.steps) == {"3": {"summary": "Runs interviews alone."}}


def test_a_skills_scale_change_is_checked_against_its_cells(admin_client, framework):
    url = _skill_url("hw-testing")
    data = _form(admin_client, url)
    before = _counts()
    demonstrated = Scale.objects.get(framework=framework, slug="demonstrated")
    refused = _save(admin_client, url, {**data, "skill_scale": str(demonstrated.pk)})
    assert refused.status_code == 200
    assert "is not a step of scale" in _errors(refused)
    off_scale = _save(admin_client, url, {**data, "step_content": '{"9": {"summary": "x"}}'})
    assert off_scale.status_code == 200
    assert "is not a step of scale" in _errors(off_scale)
    assert _grew(before) == {}


# --- a scale, a track, the framework ------------------------------------------------------------


def test_a_scale_edit_versions_each_role_whose_skills_use_it(admin_client, framework):
    scale = Scale.objects.get(framework=framework, slug="proficiency")
    url = reverse("admin:roles_scale_change", args=[scale.pk])
    data = _form(admin_client, url)
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {}

    steps = json.loads(data["scale_steps"])
    steps[2]["name"] = "Independent"
    assert _save(admin_client, url, {**data, "scale_steps": json.dumps(steps)}).status_code == 302
    assert _grew(before) == {"hw-software-engineer": 1, "hw-head-of-engineering": 1}
    snapshot = _latest("hw-software-engineer")
    proficiency = next(s for s in snapshot["scales"] if s["slug"] == "proficiency")
    assert proficiency["steps"][2]["name"] == "Independent"

    # A step the roles' cells use cannot go.
    refused = _save(admin_client, url, {**data, "scale_steps": json.dumps(steps[:3])})
    assert refused.status_code == 200
    assert "is not a step of scale" in _errors(refused)
    assert _save(admin_client, url, {**data, "scale_steps": "nope"}).status_code == 200
    assert _grew(before) == {"hw-software-engineer": 1, "hw-head-of-engineering": 1}


def test_a_new_scale_no_role_uses_is_written_directly(admin_client, framework):
    before = _counts()
    response = admin_client.post(
        reverse("admin:roles_scale_add"),
        {
            "framework": str(framework.pk),
            "slug": "stars",
            "name": "Stars",
            "description": "",
            "scale_steps": '[{"code": "1", "name": "One star"}]',
        },
    )
    assert response.status_code == 302, _errors(response)[:3000]
    scale = Scale.objects.get(framework=framework, slug="stars")
    assert json.loads(scale.steps) == [{"code": "1", "name": "One star"}]
    assert _grew(before) == {}


def test_a_track_edit_versions_the_roles_on_it(admin_client, framework):
    track = Track.objects.get(framework=framework, code="manager")
    url = reverse("admin:roles_track_change", args=[track.pk])
    data = _form(admin_client, url)
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {}
    assert _save(admin_client, url, {**data, "name": "Manager"}).status_code == 302
    assert _grew(before) == {"hw-software-engineer": 1}
    tracks = _latest("hw-software-engineer")["tracks"]
    assert {
        "code": "manager",
        "name": "Manager",
        "description": "Leads a team of people.",
    } in tracks
    assert _save(admin_client, url, {**data, "name": ""}).status_code == 200


def _new_licence(admin_client, framework) -> dict[str, int]:
    url = reverse("admin:roles_framework_change", args=[framework.pk])
    data = _form(admin_client, url)
    source = json.loads(data["framework_source"])
    assert source["licence"] == "CC BY 4.0"
    before = _counts()
    assert _save(admin_client, url, data).status_code == 302
    assert _grew(before) == {}
    source["licence"] = "CC BY-SA 4.0"
    saved = _save(admin_client, url, {**data, "framework_source": json.dumps(source)})
    assert saved.status_code == 302
    return before


def test_the_frameworks_source_and_licence_are_edited(admin_client, framework):
    before = _new_licence(admin_client, framework)
    # Through the framework's first role, which records the version.
    assert _grew(before)["hw-software-engineer"] == 1
    assert _role_doc("hw-software-engineer") is not None
    snapshot = _latest("hw-software-engineer")
    assert snapshot["framework"]["source"]["licence"] == "CC BY-SA 4.0"
    framework.refresh_from_db()
    source = json.loads(framework.source)
    assert source["licence"] == "CC BY-SA 4.0"
    assert source["x-reviewed"] == "2026-11"  # kept


def test_the_frameworks_licence_versions_every_role_of_it(admin_client, framework):
    before = _new_licence(admin_client, framework)
    assert _grew(before) == dict.fromkeys(ROLES, 1)


def test_bad_framework_source_is_a_form_error(admin_client, framework):
    url = reverse("admin:roles_framework_change", args=[framework.pk])
    data = _form(admin_client, url)

    bad = _save(admin_client, url, {**data, "framework_source": '{"url": "javascript:x"}'})
    assert bad.status_code == 200
    assert "must be an http(s) address" in _errors(bad)


def test_the_new_admin_pages_load(admin_client, framework):
    for model in ("scale", "track", "framework"):
        assert admin_client.get(reverse(f"admin:roles_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:roles_scale_add")).status_code == 200
    assert admin_client.get(reverse("admin:roles_track_add")).status_code == 200
