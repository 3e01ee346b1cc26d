"""What the export commands share: write a document's text to a file or to stdout."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def write_output(command: BaseCommand, text: str, output: str | None) -> None:
    """Write ``text`` to the file ``output``, or to the command's stdout when there is none."""
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
    else:
        command.stdout.write(text, ending="")
