from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roles.document import RoleDocumentError
from roles.framework_document import role_states
from roles.models import Role
from roles.services import document_import


class Command(BaseCommand):
    help = (
        "Import a skillsmatrix.role/v1 document (one role) or a skillsmatrix.framework/v2 "
        "document (a framework and its roles) from a JSON file (atomic: all or nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the JSON document, or - for standard input")
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help="do nothing when every role the document holds exists already",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            if options["skip_existing"]:
                slugs = [state.slug for state in role_states(raw)]
                if Role.objects.filter(slug__in=slugs).count() == len(slugs):
                    self.stdout.write(f"Role {', '.join(slugs)} exists; skipped")
                    return
            results = document_import(raw=raw)
        except RoleDocumentError as exc:
            raise CommandError(f"{path}: {exc}") from None
        for result in results:
            slug = result.role.slug
            if result.version is None:
                self.stdout.write(f"Unchanged role {slug} (version {result.role.current_version})")
            else:
                verb = "Created" if result.created else "Updated"
                self.stdout.write(f"{verb} role {slug} (version {result.version.number})")
            # Shared skills, domains and families keep their names: say where the file differs.
            for line in result.differences:
                self.stderr.write(f"Note: {line}")
