"""Fail when a function of the app code is more complex than the limit.

Radon's cyclomatic complexity (branches, loops, boolean operators and comprehensions each
count), which is stricter than ruff's mccabe: a function over the limit is split into helpers
whose names say what each part does. Run by ``make lint``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_visit

LIMIT = 15
ROOT = Path(__file__).resolve().parents[2]
APPS = ("roles", "proposals", "grading", "skillsmatrix")
SKIPPED_PARTS = {"tests", "migrations"}


def _sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if not SKIPPED_PARTS & set(path.relative_to(ROOT).parts)
    )


def main() -> int:
    over = []
    for path in _sources():
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > LIMIT:
                name = f"{block.classname}.{block.name}" if block.classname else block.name
                where = f"{path.relative_to(ROOT)}:{block.lineno}"
                over.append(f"{where}: {name} has complexity {block.complexity} (> {LIMIT})")
    print("\n".join(over) if over else f"complexity: every function is at most {LIMIT}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
