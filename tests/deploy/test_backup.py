"""Backups that restore (issue 19): the procedure of docs/deploy.md ("Backup and restore") run on
a database with roles, versions, proposals and votes gives back a database whose every role
exports byte for byte the same and whose every tally is the same."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from django.db import connection

from proposals.models import Proposal
from proposals.services import (
    expertise_grant,
    proposal_create,
    proposal_withdraw,
    review_submit,
    vote_cast,
)
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from roles.models import Framework, Role
from roles.services import document_import
from skillsmatrix.tests.production import run_python
from tests.deploy.backup import backup_contents
from tests.deploy.conftest import FIGURES, database_url
from tests.worker.conftest import unavailable

ROLE_FILES = sorted((Path(__file__).resolve().parents[2] / "roles" / "data").glob("*.json"))
CONTENTS = """
import json, sys, django
from pathlib import Path
django.setup()
from tests.deploy.backup import backup_contents
print(json.dumps(backup_contents(Path(sys.argv[1]))))
"""


def _client_tools() -> dict[str, str]:
    tools = {name: shutil.which(name) for name in ("pg_dump", "pg_restore", "createdb")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        needed = ", ".join(missing)
        unavailable(f"the backup test needs {needed} (Debian package postgresql-client)")
    return {name: str(path) for name, path in tools.items()}


def _community() -> None:
    """Every role file imported, two proposals applied (new versions), one voting with votes,
    one withdrawn."""
    for path in ROLE_FILES:
        document_import(raw=path.read_bytes())
    role = Role.objects.get(slug="mlops-engineer")
    author = UserFactory.create(username="author")
    expert = UserFactory.create(username="expert")
    expertise_grant(user=expert)
    voters = UserFactory.create_batch(7)

    def proposal(title: str, change: Mapping[str, object]) -> Proposal:
        return proposal_create(
            role=role, author=author, title=title, rationale="Why.", changes=[change]
        )

    focus = {"op": "set_focus", "level": "junior", "text": "Ship one model end to end."}
    for made, ups in ((proposal("Docker", DOCKER_SENIOR_E), 5), (proposal("Focus", focus), 4)):
        for index, voter in enumerate(voters):
            vote_cast(proposal=made, voter=voter, value=1 if index < ups else -1)
        Proposal.objects.filter(pk=made.pk).update(status=Proposal.Status.IN_REVIEW)
        review_submit(proposal=made, reviewer=expert, decision="approve", comment="Agreed.")
    kubernetes = {**DOCKER_SENIOR_E, "skill": "kubernetes-core", "level": "junior"}
    voting = proposal("Kubernetes", kubernetes)
    for index, voter in enumerate(voters[:5]):
        vote_cast(proposal=voting, voter=voter, value=-1 if index == 0 else 1)
    withdrawn = proposal("Withdrawn", {**DOCKER_SENIOR_E, "level": "junior"})
    vote_cast(proposal=withdrawn, voter=voters[0], value=1)
    proposal_withdraw(proposal=withdrawn, author=author)


@pytest.fixture
def restored_name(transactional_db: None) -> Iterator[str]:
    """The name of the database the backup is restored into, dropped after the test."""
    if connection.vendor != "postgresql":
        unavailable("the backup test needs PostgreSQL (DATABASE_URL): it runs pg_dump")
    name = f"{connection.settings_dict['NAME']}_restored"
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_dump_restored_into_a_new_database_exports_every_role_and_tally_the_same(
    restored_name, tmp_path, settings
):
    tools = _client_tools()
    # One author opens several proposals (the new members' rule: proposals/tests/test_people.py).
    settings.NEW_MEMBER_OPEN_PROPOSALS = 10
    _community()
    assert Role.objects.filter(current_version__gte=3).count() == 1  # two proposals applied

    params = connection.settings_dict
    environment = {**os.environ, "PGPASSWORD": params["PASSWORD"] or ""}
    source = database_url()
    restored = source.rsplit("/", 1)[0] + f"/{restored_name}"
    dump = tmp_path / "skillsmatrix.dump"
    server = [f"--host={params['HOST'] or '127.0.0.1'}", f"--port={params['PORT'] or 5432}"]
    user = [f"--username={params['USER'] or 'postgres'}"]
    # docs/deploy.md, "Backup and restore": the same three commands.
    for command in (
        [tools["pg_dump"], "--format=custom", f"--file={dump}", source],
        [tools["createdb"], *server, *user, restored_name],
        [tools["pg_restore"], "--exit-on-error", "--no-owner", f"--dbname={restored}", str(dump)],
    ):
        done = subprocess.run(  # noqa: S603 - PostgreSQL's client programs
            command, env=environment, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{command[0]}: {done.stderr}"

    original_exports, restored_exports = tmp_path / "original", tmp_path / "restored"
    original_exports.mkdir()
    restored_exports.mkdir()
    original = backup_contents(original_exports)
    # The restored database read by a process of its own, as the site would after a restore.
    result = run_python(["-c", CONTENTS, str(restored_exports)], DATABASE_URL=restored)
    assert result.returncode == 0, result.stderr
    after = json.loads(result.stdout)

    names = sorted(path.name for path in original_exports.iterdir())
    assert len(names) == Role.objects.count() + Framework.objects.count()
    assert sorted(path.name for path in restored_exports.iterdir()) == names
    same, different, errors = filecmp.cmpfiles(
        original_exports, restored_exports, names, shallow=False
    )
    assert (different, errors) == ([], [])
    assert after["tallies"] == original["tallies"]
    assert len(original["tallies"]) == 4
    assert sorted(status for status, _, _ in original["tallies"].values()) == [
        "accepted",
        "accepted",
        "voting",
        "withdrawn",
    ]
    assert after["versions"] == original["versions"]
    assert after["sequences"] == original["sequences"]
    FIGURES.append(
        f"backup: pg_dump -Fc of {len(original['versions'])} versions, "
        f"{len(original['tallies'])} proposals -> {dump.stat().st_size} bytes; restored: "
        f"{len(same)} exports byte-identical, every tally the same"
    )
