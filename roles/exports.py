"""The public downloads of a role: its §4 JSON document and a CSV of its matrix.

Both are built from a loaded :class:`~roles.presenters.RoleMatrix` (no queries of their own).
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from roles.document import dumps_role_document
from roles.presenters import RoleMatrix
from roles.selectors import role_document_build

# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"): a
# skill named "=HYPERLINK(…)" must stay text. A leading apostrophe is what spreadsheets
# themselves use to mark a cell as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """``value`` made inert for spreadsheets: a formula-like start gets an apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def role_export_json(matrix: RoleMatrix) -> str:
    """The role as its ``skillsmatrix.role/v1`` document, as ``manage.py export_role`` writes it."""
    return dumps_role_document(role_document_build(matrix))


def role_export_csv(matrix: RoleMatrix) -> str:
    """The matrix as CSV: one row per skill (with its domain), one column per level.

    A cell holds its code (``A``, ``W``, ``E``), marked when optional, or nothing when empty.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Domain"), _("Skill"), *(csv_safe(level.name) for level in matrix.levels)])
    for group in matrix.domains:
        for row in group.rows:
            cells = []
            for cell in row.cells:
                requirement = cell.requirement
                if requirement is None:
                    cells.append("")
                elif requirement.is_mandatory:
                    cells.append(requirement.code)
                else:
                    cells.append(_("%(code)s (optional)") % {"code": requirement.code})
            writer.writerow([csv_safe(group.domain.name), csv_safe(row.skill.name), *cells])
    return out.getvalue()
