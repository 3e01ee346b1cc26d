"""``manage.py seed_load``: the large community the benchmarks run on (skillsmatrix.loadseed).

Refused unless DEBUG is on or ``--i-know-this-is-not-production`` is given: it creates 20 000
members with one known password. Refused when seed_load data is there already, unless
``--reset`` removes it first.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from skillsmatrix.loadseed import (
    DEFAULT_SEED,
    LOAD_PASSWORD,
    Counts,
    LoadSeeder,
    load_data_delete,
    load_data_exists,
)


class Command(BaseCommand):
    help = (
        "Create the benchmarks' large community: 50 roles, 20 000 members (load-*), 10 000 "
        "proposals, 300 000 votes, 20 000 comments, 50 000 assessments, 400 versions (times "
        "--scale). Needs DEBUG on or --i-know-this-is-not-production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply every count (e.g. 0.01)"
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="the same seed gives the same data"
        )
        parser.add_argument(
            "--reset", action="store_true", help="remove earlier seed_load data first"
        )
        parser.add_argument(
            "--tokens-file",
            help="write the API token keys of the first 1 000 members there, one a line",
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="run with DEBUG off (a production-like benchmark server)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or options["not_production"]):
            raise CommandError(
                "seed_load creates members with a known password: DEBUG only, or pass "
                "--i-know-this-is-not-production."
            )
        scale = options["scale"]
        if not 0 < scale <= 10:
            raise CommandError(f"--scale must be above 0 and at most 10, not {scale:g}.")
        if load_data_exists():
            if not options["reset"]:
                raise CommandError(
                    "seed_load data is there already (members and roles named load-*); "
                    "pass --reset to replace it."
                )
            start = time.monotonic()
            load_data_delete()
            self.stdout.write(
                f"Removed the earlier seed_load data ({time.monotonic() - start:.1f} s)."
            )
        start = time.monotonic()
        seeder = LoadSeeder(
            seed=options["seed"],
            counts=Counts.scaled(scale),
            progress=lambda line: self.stdout.write(f"  {line}"),
        )
        result = seeder.run()
        made = ", ".join(f"{n} {what}" for what, n in result.counts.items())
        self.stdout.write(
            f"Large community added in {time.monotonic() - start:.1f} s: {made}. "
            f"Members load-00001… have the password {LOAD_PASSWORD!r}."
        )
        if options["tokens_file"]:
            path = Path(options["tokens_file"])
            path.write_text("".join(f"{key}\n" for key in result.tokens))
            self.stdout.write(f"{len(result.tokens)} API token keys written to {path}.")
