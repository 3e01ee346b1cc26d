from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roles.document import dumps_role_document
from roles.errors import RoleNotFound
from roles.management.output import write_output
from roles.selectors import role_document_get


class Command(BaseCommand):
    help = "Export a role as a skillsmatrix.role/v1 JSON document (to stdout, or -o FILE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the role's slug, e.g. mlops-engineer")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = dumps_role_document(role_document_get(slug=options["slug"]))
        except RoleNotFound:
            raise CommandError(f"no role with slug {options['slug']!r}") from None
        write_output(self, text, options["output"])
