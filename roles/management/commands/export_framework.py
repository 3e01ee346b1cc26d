from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roles.document import dumps_role_document
from roles.errors import FrameworkNotFound
from roles.management.output import write_output
from roles.selectors import framework_document_get


class Command(BaseCommand):
    help = (
        "Export a framework with every role, scale, track, domain and skill it holds as a "
        "skillsmatrix.framework/v2 JSON document (to stdout, or -o FILE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the framework's slug, e.g. skillsmatrix")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = dumps_role_document(framework_document_get(slug=options["slug"]))
        except FrameworkNotFound:
            raise CommandError(f"no framework with slug {options['slug']!r}") from None
        write_output(self, text, options["output"])
