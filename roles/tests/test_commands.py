from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from roles.models import Requirement, Role, RoleVersion
from roles.tests.factories import HOSTILE_VALUES, hostile_document_text, role_document

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "roles" / "data" / "mlops-engineer.json"


def _write(tmp_path: Path, content: str | dict) -> Path:
    path = tmp_path / "role.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_import_then_export_to_stdout_and_file(tmp_path):
    out = StringIO()
    call_command("import_role", str(SEED), stdout=out)
    assert out.getvalue().strip() == "Created role mlops-engineer (version 1)"
    stdout = StringIO()
    call_command("export_role", "mlops-engineer", stdout=stdout)
    call_command("export_role", "mlops-engineer", "-o", str(tmp_path / "out.json"))
    assert stdout.getvalue() == (tmp_path / "out.json").read_text()
    assert json.loads(stdout.getvalue())["role"]["slug"] == "mlops-engineer"


def test_skip_existing_does_not_make_a_version():
    call_command("import_role", str(SEED), stdout=StringIO())
    out = StringIO()
    call_command("import_role", "--skip-existing", str(SEED), stdout=out)
    assert "skipped" in out.getvalue()
    assert RoleVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", r"\$: not valid JSON"),
        ({**role_document(), "format": "x"}, r"\$\.format: unknown format 'x'"),
        (
            {**role_document(), "role": {"slug": "r", "tagline": "", "key_domains": []}},
            r"\$\.role\.title: is missing",
        ),
    ],
)
def test_import_refuses_bad_files(tmp_path, content, message):
    call_command("import_role", str(SEED), stdout=StringIO())
    with pytest.raises(CommandError, match=message):
        call_command("import_role", str(_write(tmp_path, content)))
    assert Role.objects.count() == 1
    assert Requirement.objects.count() == 280


def test_import_of_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(CommandError, match=r"cannot read .*nope\.json: No such file"):
        call_command("import_role", str(tmp_path / "nope.json"))


def test_export_of_an_unknown_role():
    with pytest.raises(CommandError, match="no role with slug 'ghost'"):
        call_command("export_role", "ghost")


def test_the_real_command_prints_one_line_without_traceback(tmp_path):
    bad = _write(tmp_path, {**role_document(), "levels": [{"code": "l1"}]})
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "import_role", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "$.levels[0].name: is missing" in lines[0]
    assert "Traceback" not in result.stderr


def test_import_reads_standard_input(monkeypatch):
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(SEED.read_bytes()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    out = StringIO()
    call_command("import_role", "-", stdout=out)
    assert out.getvalue().strip() == "Created role mlops-engineer (version 1)"


def test_importing_an_unchanged_export_makes_no_version(tmp_path):
    call_command("import_role", str(SEED), stdout=StringIO())
    exported = tmp_path / "out.json"
    call_command("export_role", "mlops-engineer", "-o", str(exported))
    out = StringIO()
    call_command("import_role", str(exported), stdout=out)
    assert out.getvalue().strip() == "Unchanged role mlops-engineer (version 1)"
    assert RoleVersion.objects.count() == 1


def test_import_reports_each_difference_with_a_shared_skill_on_one_line(tmp_path):
    call_command("import_role", str(SEED), stdout=StringIO())
    document = role_document(slug="other", domains=1, skills_per_domain=2)
    document["domains"][0]["skills"][0].update({"slug": "docker", "name": "Docker CE"})
    document["domains"][0]["skills"][1].update({"slug": "redis", "description": "A cache"})
    out, err = StringIO(), StringIO()
    call_command("import_role", str(_write(tmp_path, document)), stdout=out, stderr=err)
    assert out.getvalue().strip() == "Created role other (version 1)"
    assert err.getvalue().splitlines() == [
        "Note: skill 'docker': the document's name 'Docker CE' differs from the shared "
        "skill's 'Docker', which is kept",
        "Note: skill 'redis': the document's name 'Skill 0-1' differs from the shared "
        "skill's 'Redis', which is kept",
        "Note: skill 'redis': the document's description 'A cache' differs from the shared "
        "skill's '', which is kept",
    ]


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_import_refuses_hostile_json_in_one_line_naming_the_path(tmp_path, name):
    value, problem = HOSTILE_VALUES[name]
    path = _write(tmp_path, hostile_document_text(value))

    with pytest.raises(CommandError) as caught:
        call_command("import_role", str(path))

    message = str(caught.value)
    assert "\n" not in message
    assert "$.role.description" in message
    assert problem in message
    assert not Role.objects.exists()
