from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roles.document import RoleDocumentError, parse_role_document
from roles.models import Role
from roles.services import role_import


class Command(BaseCommand):
    help = "Import a role from a skillsmatrix.role/v1 JSON file (atomic: all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the JSON document, or - for standard input")
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help="do nothing when a role with the document's slug already exists",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            if options["skip_existing"]:
                slug = parse_role_document(raw).slug
                if Role.objects.filter(slug=slug).exists():
                    self.stdout.write(f"Role {slug} exists; skipped")
                    return
            result = role_import(raw=raw)
        except RoleDocumentError as exc:
            raise CommandError(f"{path}: {exc}") from None
        slug = result.role.slug
        if result.version is None:
            self.stdout.write(f"Unchanged role {slug} (version {result.role.current_version})")
        else:
            verb = "Created" if result.created else "Updated"
            self.stdout.write(f"{verb} role {slug} (version {result.version.number})")
        # Shared skills, domains and families keep their names: say where the file differs.
        for line in result.differences:
            self.stderr.write(f"Note: {line}")
