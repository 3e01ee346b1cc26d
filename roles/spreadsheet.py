"""One role's matrix as a spreadsheet (CSV or XLSX): read into a ``skillsmatrix.framework/v2``
document, and written back from a role's state.

Most organisations keep their matrix in a spreadsheet; staff upload it as it is. Reading is
pure and bounded: the file becomes a :class:`Sheet` (its cells as text), then a v2 document (a
plain dict for the format's importer) or a :class:`SpreadsheetError` listing every problem found,
each named by its cell (``Matrix!D14: 'X' is not a step of scale 'proficiency'``). Nothing here
touches the database.

Layout
------
**Matrix** — the XLSX sheet named ``Matrix`` (else the first sheet that is not ``Legend``); a CSV
is the whole file. Header words are matched without regard to case.

- Row 1 is the header: ``Domain``, ``Skill``, optionally ``Description`` (only right after
  ``Skill``: the skill's description), then one column per level, in ladder order. A level's
  header is its name, or ``Name [code]`` to give its code (lowercase letters, digits, ``-`` and
  ``_``, at most 50); without one the code is the slug of the name (``Senior Engineer`` →
  ``senior-engineer``). Every header after ``Skill``/``Description`` is a level.
- Every following row is a skill: its domain's name (blank = the domain of the row above), its
  name, its description if the column is there, then one cell per level:
  blank = empty; ``n/a`` = does not apply at this level; a step code of the scale (``W``) =
  required; a step code followed by ``?`` (``W?``) = optional. Fully blank rows are skipped.
- Domain and skill slugs are the slugs of their names, or given as ``Name [slug]`` (the writer
  does so where a name does not give its slug back, e.g. ``Testing [hw-testing]``); two
  different names with the same slug (``C++`` and ``C#``) are a problem. A domain may come
  back later in the sheet.

**Legend** — the scale, with a header row naming its columns in any order: ``Code``, ``Name``,
``Description`` (optional) and ``Points`` (optional, a number from 0 to 1,000,000), then one
row per step in rank order (the first is the lowest; at most 20). It is the XLSX sheet named
``Legend``; in a CSV (or an XLSX without that sheet) it follows the matrix, starting at a row
whose only cell is ``Legend`` in column A (the writer puts a blank row before it; blank rows
right after it are skipped); its cells are then named by their place in the file
(``Matrix!A25``). A file may hold only one of the two.

- No legend (or an empty Legend sheet): the built-in A/W/E scale (A Awareness, W Working
  knowledge, E Expert).
- A legend of exactly A, W, E in this order, without points: the built-in scale, its names and
  descriptions becoming the role's legend where they differ from the built-in ones; unless the
  caller names another scale.
- Any other legend: a scale of the framework, named by the caller (``scale_slug``,
  ``scale_name``; by default the slug of the name, else ``<role>-scale``).

Everything else (framework, role, family, the scale's slug and name) comes from the caller.

Cells are text: surrounding whitespace is stripped, numbers become their text (``3``, not
``3.0``), dates their ISO form; control characters other than tab and line breaks are refused.
XLSX formulas are never evaluated: a formula cell reads as the value the file saved with it
(blank if none). In CSV, a leading apostrophe before ``=``, ``+``, ``-`` or ``@`` is dropped
(the writer adds it so spreadsheets keep such text as text).

Bounds: files of at most 5 MB, .csv (UTF-8, with or without BOM; comma, semicolon or tab,
whichever the header row uses most) or .xlsx (a zip archive unpacking to at most 20 MB), at
most 2000 rows (a CSV counts its legend rows too; blank rows after the last are ignored) and
40 columns. The XML parser is the standard library's (expat, which refuses entity expansion
bombs); up to 50 problems are listed, then how many more there were.

The written file has this layout (the domain on every row, so sorting it loses nothing), so
reading it back gives the role's levels, domains, skills (with their slugs) and cells again.
Imported over an existing role (:func:`sheet_over_role`), a sheet changes what it holds — the
ladder's levels and names, the rows, their domains and the cells' codes — and keeps what it
cannot hold: levels' focus, stack, rank, track and sections, cells' details and content, row
descriptions, the skills' step texts.
A spreadsheet holds one scale and codes only: a role whose skills use several
scales cannot be written, and what cells, levels and steps say beyond their codes and names
(details, examples, focus, stack …) is not in it.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any, Literal, TypeAlias

import openpyxl
from django.utils.text import slugify
from openpyxl.styles import Alignment, Font

from roles.changes.state import (
    AWE,
    NOT_APPLICABLE,
    Cell,
    LevelState,
    RoleState,
    ScaleState,
    SkillState,
)
from roles.scale import CODE_NAMES, CODES

__all__ = [
    "FORMAT",
    "Grid",
    "Sheet",
    "SheetProblem",
    "SpreadsheetError",
    "column_letter",
    "sheet_over_role",
    "spreadsheet_document",
    "spreadsheet_read",
    "spreadsheet_write",
]

FORMAT = "skillsmatrix.framework/v2"
MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX is a zip: what it unpacks to is bounded too (a small file can unpack to gigabytes).
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 1000
MAX_ROWS = 2000
MAX_COLUMNS = 40
MAX_PROBLEMS = 50
# The format's own limits (the JSON Schema of skillsmatrix.framework/v2).
MAX_LEVELS = 30
MAX_STEPS = 20
MAX_LINE = 500
MAX_TEXT = 20000
MAX_SLUG = 100
MAX_LEVEL_CODE = 50
MAX_POINTS = 1_000_000

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_STEP_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,15}$")
# "Senior Engineer [senior]": the last bracketed part of a header is the level's code.
_NAMED_CODE_RE = re.compile(r"^(?P<name>.*?)\s*\[(?P<code>[^\[\]]*)\]$", re.DOTALL)
# C0 and C1 control characters, except tab, line feed and carriage return.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ARCHIVE_MAGIC = b"PK"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls workbooks, and password-protected .xlsx ones
# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection"); the CSV
# writer marks such text with an apostrophe, as spreadsheets themselves do (roles.exports too).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = (",", ";", "\t")
_LEGEND_COLUMNS = ("code", "name", "description", "points")
_BUILTIN_SCALE_NAME = "A/W/E"

Value: TypeAlias = str | int | float  # what the writer puts in a cell


@dataclass(frozen=True)
class SheetProblem:
    """One problem of an uploaded spreadsheet; ``cell`` is ``""`` for the file as a whole."""

    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}" if self.cell else self.message


class SpreadsheetError(ValueError):
    """A spreadsheet that cannot be read or imported, with every problem found (at most
    :data:`MAX_PROBLEMS`, then one saying how many more there were)."""

    def __init__(self, problems: Sequence[SheetProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, kw_only=True)
class Grid:
    """The cells of one sheet as text (``""`` = blank), row by row, trailing blanks trimmed.

    ``name`` is how cell addresses name the sheet (``Matrix``, ``'My sheet'``) and
    ``first_row`` the sheet's row number of ``rows[0]`` (a CSV's legend starts further down)."""

    name: str
    rows: tuple[tuple[str, ...], ...]
    first_row: int = 1

    def text(self, row: int, column: int) -> str:
        if row >= len(self.rows) or column >= len(self.rows[row]):
            return ""
        return self.rows[row][column]

    def width(self, row: int) -> int:
        return len(self.rows[row]) if row < len(self.rows) else 0

    def address(self, row: int, column: int) -> str:
        """The A1-style name of a cell, by 0-based row and column."""
        return f"{self.name}!{column_letter(column)}{self.first_row + row}"


@dataclass(frozen=True, kw_only=True)
class Sheet:
    """An uploaded spreadsheet, read but not yet checked: its matrix and its legend."""

    kind: Literal["csv", "xlsx"]
    matrix: Grid
    legend: Grid | None = None


def column_letter(column: int) -> str:
    """The spreadsheet letters of a 0-based column: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = column + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _refused(message: str, cell: str = "") -> SpreadsheetError:
    return SpreadsheetError([SheetProblem(cell, message)])


class _Problems:
    """Collects problems in the order found, up to MAX_PROBLEMS, counting the ones left out."""

    def __init__(self) -> None:
        self.found: list[SheetProblem] = []
        self.left_out = 0

    def add(self, cell: str, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(SheetProblem(cell, message))
        else:
            self.left_out += 1

    def raise_any(self) -> None:
        if not self.found:
            return
        problems = list(self.found)
        if self.left_out:
            problems.append(
                SheetProblem("", f"… and {self.left_out} more problems (not listed here)")
            )
        raise SpreadsheetError(problems)


# --- Reading the file ---------------------------------------------------------------------


def spreadsheet_read(data: bytes, *, filename: str) -> Sheet:
    """Read an uploaded ``.csv`` or ``.xlsx`` file into its cells' texts.

    Refuses (:class:`SpreadsheetError`, one problem) a file of another kind, too large, damaged
    or over the row and column bounds; what the cells say is checked by
    :func:`spreadsheet_document`."""
    name = filename.replace("\\", "/").rpartition("/")[2]
    if _kind(data, name) == "xlsx":
        return _read_xlsx(data, name)
    return _read_csv(data, name)


def _kind(data: bytes, name: str) -> Literal["csv", "xlsx"]:
    """What the file is: the name must end in .csv or .xlsx; a zip archive is read as XLSX
    whatever it is called (it cannot be CSV text), anything else as CSV."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in ("csv", "xlsx"):
        raise _refused(f"{name!r} cannot be read: only .csv and .xlsx files can")
    if not data:
        raise _refused(f"{name!r} is empty")
    if len(data) > MAX_FILE_BYTES:
        size = len(data) / (1024 * 1024)
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise _refused(f"{name!r} is {size:.1f} MB; at most {limit} MB can be read")
    if data.startswith(_OLE_MAGIC):
        raise _refused(
            f"{name!r} is an old Excel (.xls) or a password-protected workbook: "
            "save it as an unprotected .xlsx"
        )
    if data.startswith(_ARCHIVE_MAGIC):
        return "xlsx"
    if extension == "xlsx":
        raise _refused(f"{name!r} is not an XLSX workbook (an XLSX file is a zip archive)")
    return "csv"


def _cell_text(value: object) -> str:
    """A cell's value as text: numbers as typed (3, not 3.0), dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _csv_text(value: str) -> str:
    text = value.strip()
    if text.startswith("'") and text[1:].startswith(_FORMULA_PREFIXES):
        text = text[1:].strip()
    return text


def _row_texts(raw: Sequence[object], *, name: str, number: int, from_csv: bool) -> tuple[str, ...]:
    """One row's texts, trailing blanks trimmed; refused when it has text past MAX_COLUMNS.

    An XLSX row is as wide as its last cell, formatted or not (up to 16384 columns): the
    C-level ``count`` skips a wide blank tail cheaply."""
    if len(raw) > MAX_COLUMNS:
        tail = raw[MAX_COLUMNS:]
        blanks = tail.count("") if from_csv else tail.count(None)
        if blanks != len(tail):
            for offset, value in enumerate(tail):
                if _cell_text(value):
                    cell = f"{name}!{column_letter(MAX_COLUMNS + offset)}{number}"
                    raise _refused(f"more than {MAX_COLUMNS} columns: at most {MAX_COLUMNS}", cell)
        raw = raw[:MAX_COLUMNS]
    texts = [_csv_text(str(value)) if from_csv else _cell_text(value) for value in raw]
    while texts and not texts[-1]:
        texts.pop()
    return tuple(texts)


def _bounded_rows(
    raw_rows: Iterable[Sequence[object]], *, name: str, from_csv: bool
) -> tuple[tuple[str, ...], ...]:
    """The rows of a sheet, at most MAX_ROWS of them up to the last one with text. Blank rows
    after it are read but not kept, so a sheet formatted far down is not refused."""
    rows: list[tuple[str, ...]] = []
    for index, raw in enumerate(raw_rows):
        row = _row_texts(raw, name=name, number=index + 1, from_csv=from_csv)
        if not row:
            continue
        if index >= MAX_ROWS:
            raise _refused(f"more than {MAX_ROWS} rows: at most {MAX_ROWS}", f"{name}!A{index + 1}")
        rows.extend(() for _ in range(index - len(rows)))
        rows.append(row)
    return tuple(rows)


def _split_legend(
    rows: tuple[tuple[str, ...], ...], *, name: str
) -> tuple[tuple[tuple[str, ...], ...], Grid | None, int]:
    """The matrix rows, the legend after a ``Legend`` row (None without one; blank rows after
    that row skipped) and the sheet row number of the ``Legend`` row (0 without one)."""
    for index, row in enumerate(rows[1:], start=1):
        if len(row) == 1 and row[0].casefold() == "legend":
            matrix = rows[:index]
            while matrix and not matrix[-1]:
                matrix = matrix[:-1]
            start = index + 1
            while start < len(rows) and not rows[start]:
                start += 1
            legend = Grid(name=name, rows=rows[start:], first_row=start + 1)
            return matrix, legend, index + 1
    return rows, None, 0


def _delimiter(text: str) -> str:
    """The delimiter the header row uses most (comma on a tie): spreadsheets set to a
    language with a decimal comma write semicolons."""
    header = text.split("\n", 1)[0]
    return max(_DELIMITERS, key=header.count)


def _read_csv(data: bytes, name: str) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refused(
            f"{name!r} is not UTF-8 text (byte {exc.start + 1}): save it as 'CSV UTF-8'"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = _bounded_rows(reader, name="Matrix", from_csv=True)
    except csv.Error as exc:
        raise _refused(f"{name!r} cannot be read as CSV (row {reader.line_num}): {exc}") from None
    matrix, legend, _marker = _split_legend(rows, name="Matrix")
    return Sheet(kind="csv", matrix=Grid(name="Matrix", rows=matrix), legend=legend)


def _check_archive(data: bytes, name: str) -> None:
    """Refuse a damaged zip, or one unpacking to more than MAX_UNPACKED_BYTES. Reading a member
    never gives more than the size its entry declares, so the declared sizes bound it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refused(f"{name!r} is a damaged zip archive, not a readable XLSX workbook") from None
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_ARCHIVE_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        limit = MAX_UNPACKED_BYTES // (1024 * 1024)
        raise _refused(
            f"{name!r} unpacks to more than {limit} MB: save a copy with the matrix and legend only"
        )


def _sheet_name(title: str) -> str:
    """A sheet's name as cell addresses write it: quoted unless it is one plain word."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", title):
        return title
    return "'{}'".format(title.replace("'", "''"))


def _worksheet_rows(worksheet: Any) -> tuple[tuple[str, ...], ...]:
    # The dimension a file declares may be wrong; without it every row is as long as its cells.
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(values_only=True)
    return _bounded_rows(rows, name=_sheet_name(str(worksheet.title)), from_csv=False)


def _workbook_sheet(workbook: Any, name: str) -> Sheet:
    worksheets = list(workbook.worksheets)
    by_title = {str(worksheet.title).casefold(): worksheet for worksheet in worksheets}
    legend_sheet = by_title.get("legend")
    matrix_sheet = by_title.get("matrix")
    if matrix_sheet is None:
        others = [worksheet for worksheet in worksheets if worksheet is not legend_sheet]
        if not others:
            raise _refused(f"{name!r} has no sheet with the matrix")
        matrix_sheet = others[0]
    matrix_name = _sheet_name(str(matrix_sheet.title))
    matrix, legend, marker = _split_legend(_worksheet_rows(matrix_sheet), name=matrix_name)
    if legend_sheet is not None:
        if legend is not None:
            raise _refused(
                "a legend is here and on the sheet 'Legend': keep one", f"{matrix_name}!A{marker}"
            )
        legend_name = _sheet_name(str(legend_sheet.title))
        legend = Grid(name=legend_name, rows=_worksheet_rows(legend_sheet))
    return Sheet(kind="xlsx", matrix=Grid(name=matrix_name, rows=matrix), legend=legend)


def _read_xlsx(data: bytes, name: str) -> Sheet:
    _check_archive(data, name)
    unreadable = f"{name!r} cannot be read as an XLSX workbook"
    # openpyxl raises many kinds of errors on damaged or foreign files (KeyError, TypeError,
    # XML errors …), and warns about features it drops: none of that is the uploader's concern
    # beyond "this file cannot be read".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except Exception:
            raise _refused(unreadable) from None
        try:
            return _workbook_sheet(workbook, name)
        except SpreadsheetError:
            raise
        except Exception:
            raise _refused(unreadable) from None
        finally:
            workbook.close()


# --- Checking the cells and building the document -----------------------------------------


@dataclass(frozen=True)
class _Step:
    code: str
    name: str
    description: str = ""
    points: int | float | None = None


@dataclass(frozen=True)
class _Scale:
    slug: str
    name: str
    steps: tuple[_Step, ...]
    builtin: bool

    def codes(self) -> set[str]:
        return {step.code for step in self.steps}


_BUILTIN = _Scale(
    slug=AWE,
    name=_BUILTIN_SCALE_NAME,
    steps=tuple(_Step(code, CODE_NAMES[code]) for code in CODES),
    builtin=True,
)


@dataclass(frozen=True)
class _Level:
    code: str
    name: str
    column: int


@dataclass(frozen=True)
class _Header:
    levels: tuple[_Level, ...]
    description_column: int | None
    width: int


@dataclass(frozen=True)
class _Skill:
    slug: str
    name: str
    description: str
    domain: str
    requirements: dict[str, Any]


def _cleaned(grid: Grid, problems: _Problems) -> Grid:
    """The grid with control characters removed, each cell holding one reported once (so the
    checks after this one see the text without them and do not report the cell again)."""
    rows: list[tuple[str, ...]] = []
    for r, row in enumerate(grid.rows):
        texts = []
        for c, text in enumerate(row):
            found = _CONTROL_RE.search(text)
            if found:
                character = f"U+{ord(found.group()):04X}"
                problems.add(grid.address(r, c), f"contains a control character ({character})")
                text = _CONTROL_RE.sub("", text).strip()
            texts.append(text)
        rows.append(tuple(texts))
    return Grid(name=grid.name, rows=tuple(rows), first_row=grid.first_row)


def _too_long(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"is {len(text)} characters long; at most {limit} are allowed"
    return None


def _check_length(problems: _Problems, cell: str, text: str, limit: int) -> None:
    message = _too_long(text, limit)
    if message:
        problems.add(cell, message)


def _headerless_cells(grid: Grid, width: int, problems: _Problems) -> None:
    for r in range(1, len(grid.rows)):
        for c in range(width, grid.width(r)):
            if grid.text(r, c):
                problems.add(grid.address(r, c), "this column has no header")


# The legend.


def _legend_columns(legend: Grid, problems: _Problems) -> dict[str, int]:
    columns: dict[str, int] = {}
    for c in range(legend.width(0)):
        header = legend.text(0, c).casefold()
        cell = legend.address(0, c)
        if header not in _LEGEND_COLUMNS:
            problems.add(
                cell,
                f"unknown column {legend.text(0, c)!r} (a legend's columns are "
                "Code, Name, Description and Points)",
            )
        elif header in columns:
            problems.add(cell, f"a second {legend.text(0, c)!r} column")
        else:
            columns[header] = c
    for required in ("code", "name"):
        if required not in columns:
            problems.add(legend.address(0, 0), f"the legend has no {required.title()!r} column")
    return columns


def _points(text: str, cell: str, problems: _Problems) -> int | float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # NaN compares false and infinity is over the bound: both are refused here.
    if not 0 <= value <= MAX_POINTS:
        problems.add(cell, f"{text!r} is not a number from 0 to {MAX_POINTS:,}")
        return None
    return int(value) if value.is_integer() else value


def _legend_step(
    legend: Grid, r: int, columns: dict[str, int], seen: set[str], problems: _Problems
) -> _Step | None:
    code_cell = legend.address(r, columns["code"])
    code = legend.text(r, columns["code"])
    name = legend.text(r, columns["name"])
    if not code:
        problems.add(code_cell, "the step has no code")
        return None
    if code in seen:
        problems.add(code_cell, f"duplicate code {code!r}")
        return None
    seen.add(code)
    if not _STEP_CODE_RE.fullmatch(code):
        problems.add(
            code_cell,
            f"{code!r} is not a step code (up to 16 letters, digits, '.', '+', '-' and '_', "
            "starting with a letter or digit)",
        )
    if not name:
        problems.add(legend.address(r, columns["name"]), "the step has no name")
    _check_length(problems, legend.address(r, columns["name"]), name, MAX_LINE)
    description = ""
    if "description" in columns:
        description = legend.text(r, columns["description"])
        _check_length(problems, legend.address(r, columns["description"]), description, MAX_TEXT)
    points = None
    if "points" in columns:
        points_cell = legend.address(r, columns["points"])
        points = _points(legend.text(r, columns["points"]), points_cell, problems)
    return _Step(code, name, description, points)


def _legend_steps(legend: Grid, problems: _Problems) -> tuple[_Step, ...]:
    """The legend's steps in rank order; a step with a bad code is kept (reported), so that
    cells using it are not reported as well."""
    columns = _legend_columns(legend, problems)
    if "code" not in columns or "name" not in columns:
        return ()
    _headerless_cells(legend, legend.width(0), problems)
    steps: list[_Step] = []
    seen: set[str] = set()
    for r in range(1, len(legend.rows)):
        if not legend.rows[r]:
            continue
        step = _legend_step(legend, r, columns, seen, problems)
        if step is None:
            continue
        steps.append(step)
        if len(steps) == MAX_STEPS + 1:
            problems.add(legend.address(r, 0), f"a scale has at most {MAX_STEPS} steps")
    if not steps and len(legend.rows) <= 1:
        problems.add(legend.address(1, 0), "the legend lists no steps")
    return tuple(steps)


def _scale(
    legend: Grid | None,
    problems: _Problems,
    *,
    scale_slug: str,
    scale_name: str,
    role_slug: str,
    role_title: str,
) -> _Scale:
    if legend is None or not legend.rows:
        return _BUILTIN
    steps = _legend_steps(legend, problems)
    plain = tuple(step.code for step in steps) == CODES and all(
        step.points is None for step in steps
    )
    if plain and scale_slug in ("", AWE):
        return _Scale(slug=AWE, name=_BUILTIN_SCALE_NAME, steps=steps, builtin=True)
    slug = scale_slug or slugify(scale_name)[:MAX_SLUG] or f"{role_slug}-scale"[:MAX_SLUG]
    if slug == AWE:
        problems.add(
            legend.address(0, 0),
            "'awe' is the built-in A, W, E scale and this legend is another: "
            "give its scale another slug",
        )
    elif not _SLUG_RE.fullmatch(slug):
        problems.add("", f"scale slug {slug!r} is not a slug (lowercase letters, digits, - and _)")
    return _Scale(slug=slug, name=scale_name or f"{role_title} scale", steps=steps, builtin=False)


# The matrix header.


def _level(matrix: Grid, column: int, problems: _Problems) -> _Level | None:
    cell = matrix.address(0, column)
    header = matrix.text(0, column)
    named = _NAMED_CODE_RE.fullmatch(header)
    name, code = (named["name"].strip(), named["code"].strip()) if named else (header, "")
    if not name:
        problems.add(cell, "the level has no name")
        return None
    _check_length(problems, cell, name, MAX_LINE)
    if named is None:
        code = slugify(name)[:MAX_LEVEL_CODE]
        if not code:
            problems.add(cell, f"{name!r} gives no level code: write the header as 'Name [code]'")
            return None
    elif not _SLUG_RE.fullmatch(code) or len(code) > MAX_LEVEL_CODE:
        problems.add(
            cell,
            f"{code!r} is not a level code (lowercase letters, digits, - and _, "
            f"at most {MAX_LEVEL_CODE})",
        )
        return None
    return _Level(code=code, name=name, column=column)


def _header(matrix: Grid, problems: _Problems) -> _Header:
    if not matrix.rows or not matrix.rows[0]:
        problems.add(
            matrix.address(0, 0),
            "row 1 must be the header: Domain, Skill, then one column per level",
        )
        return _Header(levels=(), description_column=None, width=0)
    for column, expected in enumerate(("Domain", "Skill")):
        found = matrix.text(0, column)
        if found.casefold() != expected.casefold():
            problems.add(matrix.address(0, column), f"must be {expected!r}, not {found!r}")
    has_description = matrix.text(0, 2).casefold() == "description"
    first = 3 if has_description else 2
    levels: list[_Level] = []
    seen: dict[str, str] = {}
    for column in range(first, matrix.width(0)):
        level = _level(matrix, column, problems)
        if level is None:
            continue
        cell = matrix.address(0, column)
        if level.code in seen:
            problems.add(cell, f"duplicate level {level.code!r} (already at {seen[level.code]})")
            continue
        seen[level.code] = cell
        levels.append(level)
        if len(levels) == MAX_LEVELS + 1:
            problems.add(cell, f"a role has at most {MAX_LEVELS} levels")
    if matrix.width(0) <= first:
        problems.add(matrix.address(0, first), "no level columns: add one column per level")
    return _Header(
        levels=tuple(levels),
        description_column=2 if has_description else None,
        width=matrix.width(0),
    )


# The skill rows.


def _named(text: str) -> tuple[str, str]:
    """A domain's or skill's cell: ``Name [slug]`` gives the slug itself (a framework's skills
    keep theirs whatever their names), a plain name gives none ("")."""
    named = _NAMED_CODE_RE.fullmatch(text)
    if named and _SLUG_RE.fullmatch(named["code"]) and named["name"]:
        return named["name"], named["code"]
    return text, ""


def _named_cell(name: str, slug: str) -> str:
    """How the writer names a domain or skill: plain when its name gives its slug back."""
    plain = slugify(name)[:MAX_SLUG] == slug and not _NAMED_CODE_RE.fullmatch(name)
    return name if plain else f"{name} [{slug}]"


def _slug_of(
    name: str,
    *,
    kind: str,
    cell: str,
    registry: dict[str, tuple[str, str]],
    problems: _Problems,
    given: str = "",
) -> str | None:
    """The slug of a domain's or skill's name, or None (reported) when it gives none or
    clashes with another name's (or, for a skill, with the same name's: a skill is listed
    once). ``registry`` maps each slug seen to its name and first cell."""
    slug = given or slugify(name)[:MAX_SLUG]
    if not slug:
        problems.add(cell, f"{name!r} gives an empty slug: a {kind} name needs a letter or digit")
        return None
    if slug not in registry:
        registry[slug] = (name, cell)
        return slug
    other, other_cell = registry[slug]
    if other != name:
        problems.add(
            cell, f"{kind} {name!r} has the same slug {slug!r} as {other!r} ({other_cell})"
        )
        return None
    if kind == "skill":
        problems.add(cell, f"duplicate skill {name!r} (already at {other_cell})")
        return None
    return slug


def _requirement(text: str, scale: _Scale, cell: str, problems: _Problems) -> Any:
    """A cell's requirement as the v2 document writes it: null, "n/a", a code, or
    ``{"code": code, "mandatory": false}``."""
    if not text:
        return None
    if text.casefold() == NOT_APPLICABLE:
        return NOT_APPLICABLE
    optional = text.endswith("?")
    code = text[:-1].strip() if optional else text
    if optional and code.casefold() == NOT_APPLICABLE:
        problems.add(cell, "'n/a' cannot be optional")
        return None
    # No steps: the legend could not be read (reported), so the codes cannot be checked.
    if scale.steps and code not in scale.codes():
        problems.add(cell, f"{code!r} is not a step of scale {scale.slug!r}")
        return None
    return {"code": code, "mandatory": False} if optional else code


@dataclass
class _Rows:
    """What reading the skill rows gathers: the domains in order of first appearance, the
    skills in row order, and the slugs seen so far."""

    domains: dict[str, str]
    skills: list[_Skill]
    domain_slugs: dict[str, tuple[str, str]]
    skill_slugs: dict[str, tuple[str, str]]
    domain: str | None = None  # the slug of the domain of the row above
    domain_ok: bool = True  # whether that domain's name was good (else its rows say nothing)


def _row_domain(matrix: Grid, r: int, rows: _Rows, problems: _Problems) -> str | None:
    name, given = _named(matrix.text(r, 0))
    cell = matrix.address(r, 0)
    if not name:
        if rows.domain is None and rows.domain_ok:
            problems.add(cell, "the first skill needs a domain")
            rows.domain_ok = False
        return rows.domain
    long = _too_long(name, MAX_LINE)
    if long:
        problems.add(cell, long)
        slug = None
    else:
        slug = _slug_of(
            name,
            kind="domain",
            cell=cell,
            registry=rows.domain_slugs,
            problems=problems,
            given=given,
        )
    rows.domain, rows.domain_ok = slug, slug is not None
    if slug is not None:
        rows.domains.setdefault(slug, name)
    return slug


def _row_skill(
    matrix: Grid, r: int, header: _Header, scale: _Scale, rows: _Rows, problems: _Problems
) -> _Skill | None:
    domain = _row_domain(matrix, r, rows, problems)
    name, given = _named(matrix.text(r, 1))
    cell = matrix.address(r, 1)
    slug = None
    if not name:
        problems.add(cell, "the skill has no name")
    elif long := _too_long(name, MAX_LINE):
        problems.add(cell, long)
    else:
        slug = _slug_of(
            name,
            kind="skill",
            cell=cell,
            registry=rows.skill_slugs,
            problems=problems,
            given=given,
        )
    description = ""
    if header.description_column is not None:
        description = matrix.text(r, header.description_column)
        _check_length(problems, matrix.address(r, header.description_column), description, MAX_TEXT)
    requirements = {
        level.code: _requirement(
            matrix.text(r, level.column), scale, matrix.address(r, level.column), problems
        )
        for level in header.levels
    }
    if slug is None or domain is None:
        return None
    return _Skill(slug, name, description, domain, requirements)


def _skill_rows(matrix: Grid, header: _Header, scale: _Scale, problems: _Problems) -> _Rows:
    rows = _Rows(domains={}, skills=[], domain_slugs={}, skill_slugs={})
    if not header.width:
        return rows  # no header (reported): the rows cannot be read
    _headerless_cells(matrix, header.width, problems)
    for r in range(1, len(matrix.rows)):
        if not matrix.rows[r]:
            continue
        skill = _row_skill(matrix, r, header, scale, rows, problems)
        if skill is not None:
            rows.skills.append(skill)
    return rows


def _metadata(values: dict[str, str], problems: _Problems) -> dict[str, str]:
    """The caller's names and slugs, stripped; a bad one is a problem of the whole file."""
    cleaned = {key: value.strip() for key, value in values.items()}
    for key, value in cleaned.items():
        label = key.replace("_", " ")
        if key.endswith("_slug"):
            if not _SLUG_RE.fullmatch(value) or len(value) > MAX_SLUG:
                problems.add(
                    "", f"{label} {value!r} is not a slug (lowercase letters, digits, -, _)"
                )
        elif not value:
            problems.add("", f"the {label} must not be empty")
        elif long := _too_long(value, MAX_LINE):
            problems.add("", f"the {label} {long}")
    return cleaned


def _scale_document(scale: _Scale) -> dict[str, Any]:
    steps = []
    for step in scale.steps:
        written: dict[str, Any] = {"code": step.code, "name": step.name}
        if step.description:
            written["description"] = step.description
        if step.points is not None:
            written["points"] = step.points
        steps.append(written)
    return {"slug": scale.slug, "name": scale.name, "steps": steps}


def _builtin_legend(scale: _Scale) -> list[dict[str, str]]:
    """The role's legend for the built-in scale: the codes it names or describes otherwise."""
    legend = []
    for step in scale.steps:
        if step.name != CODE_NAMES[step.code] or step.description:
            written = {"code": step.code, "name": step.name}
            if step.description:
                written["description"] = step.description
            legend.append(written)
    return legend


def _document(meta: dict[str, str], scale: _Scale, header: _Header, rows: _Rows) -> dict[str, Any]:
    skills = []
    for skill in rows.skills:
        written: dict[str, Any] = {"slug": skill.slug, "name": skill.name, "domain": skill.domain}
        if not scale.builtin:
            written["scale"] = scale.slug
        if skill.description:
            written["description"] = skill.description
        skills.append(written)
    role: dict[str, Any] = {
        "slug": meta["role_slug"],
        "title": meta["role_title"],
        "family": {"slug": meta["family_slug"], "name": meta["family_name"]},
    }
    if scale.builtin and (legend := _builtin_legend(scale)):
        role["legend"] = legend
    role["layout"] = "matrix"
    role["levels"] = [{"code": level.code, "name": level.name} for level in header.levels]
    role["skills"] = [
        {"skill": skill.slug, "requirements": skill.requirements} for skill in rows.skills
    ]
    document: dict[str, Any] = {
        "format": FORMAT,
        "framework": {"slug": meta["framework_slug"], "name": meta["framework_name"]},
    }
    if not scale.builtin:
        document["scales"] = [_scale_document(scale)]
    document["domains"] = [{"slug": slug, "name": name} for slug, name in rows.domains.items()]
    document["skills"] = skills
    document["roles"] = [role]
    return document


def spreadsheet_document(
    sheet: Sheet,
    *,
    framework_slug: str,
    framework_name: str,
    role_slug: str,
    role_title: str,
    family_slug: str,
    family_name: str,
    scale_slug: str = "",
    scale_name: str = "",
) -> dict[str, Any]:
    """The ``skillsmatrix.framework/v2`` document of one role (layout ``matrix``) that the
    sheet describes, its framework, role, family and scale named by the caller.

    Raises :class:`SpreadsheetError` with every problem found, each named by its cell, so the
    uploader can mend them all at once."""
    problems = _Problems()
    meta = _metadata(
        {
            "framework_slug": framework_slug,
            "framework_name": framework_name,
            "role_slug": role_slug,
            "role_title": role_title,
            "family_slug": family_slug,
            "family_name": family_name,
        },
        problems,
    )
    matrix = _cleaned(sheet.matrix, problems)
    legend = None if sheet.legend is None else _cleaned(sheet.legend, problems)
    scale = _scale(
        legend,
        problems,
        scale_slug=scale_slug.strip(),
        scale_name=scale_name.strip(),
        role_slug=meta["role_slug"],
        role_title=meta["role_title"],
    )
    header = _header(matrix, problems)
    rows = _skill_rows(matrix, header, scale, problems)
    problems.raise_any()
    return _document(meta, scale, header, rows)


# --- Writing ------------------------------------------------------------------------------


def _role_scale(state: RoleState) -> ScaleState:
    slugs = sorted({skill.scale or AWE for skill in state.skills})
    if len(slugs) > 1:
        raise _refused(
            f"the role's skills use {len(slugs)} scales ({', '.join(slugs)}); "
            "a spreadsheet holds one"
        )
    return state.scale(slugs[0] if slugs else AWE)


def _level_header(code: str, name: str) -> str:
    """A level's header: its name when that gives its code back, else ``Name [code]``."""
    plain = (
        slugify(name)[:MAX_LEVEL_CODE] == code
        and not _NAMED_CODE_RE.fullmatch(name)
        and name.casefold() != "description"
    )
    return name if plain else f"{name} [{code}]"


def _cell_value(cell: Cell | None) -> str:
    if cell is None or not cell.code:
        return ""  # a cell with content but no code has nothing to show here
    if cell.not_applicable:
        return NOT_APPLICABLE
    return cell.code if cell.mandatory else f"{cell.code}?"


def _matrix_rows(state: RoleState, *, has_description: bool) -> list[list[Value]]:
    header: list[Value] = ["Domain", "Skill"]
    if has_description:
        header.append("Description")
    header.extend(_level_header(level.code, level.name) for level in state.levels)
    rows = [header]
    for skill in state.skills:
        info = state.domains.get(skill.domain)
        domain = state.domain_names.get(skill.domain) or (info.name if info else skill.domain)
        row: list[Value] = [_named_cell(domain, skill.domain), _named_cell(skill.name, skill.slug)]
        if has_description:
            row.append(skill.description)
        row.extend(_cell_value(skill.cells.get(level.code)) for level in state.levels)
        rows.append(row)
    return rows


def _legend_rows(scale: ScaleState) -> list[list[Value]]:
    has_description = any(step.description for step in scale.steps)
    has_points = any(step.points is not None for step in scale.steps)
    header: list[Value] = ["Code", "Name"]
    header += ["Description"] if has_description else []
    header += ["Points"] if has_points else []
    rows = [header]
    for step in scale.steps:
        row: list[Value] = [step.code, step.name]
        row += [step.description] if has_description else []
        row += ["" if step.points is None else step.points] if has_points else []
        rows.append(row)
    return rows


def _csv_safe(value: Value) -> Value:
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return f"'{value}"
    return value


def _csv_bytes(matrix: list[list[Value]], legend: list[list[Value]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_csv_safe(value) for value in row] for row in matrix)
    writer.writerow([])
    writer.writerow(["Legend"])
    writer.writerows([_csv_safe(value) for value in row] for row in legend)
    # With a BOM, Excel opens the file as UTF-8 rather than in the machine's code page.
    return out.getvalue().encode("utf-8-sig")


def _fill(worksheet: Any, rows: list[list[Value]], widths: dict[int, int]) -> None:
    """Write the rows (header in bold) and size the columns to their text, within bounds."""
    bold = Font(bold=True)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = worksheet.cell(row=r, column=c, value=value if value != "" else None)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, not a formula (openpyxl reads "=…" as one)
            if r == 1:
                cell.font = bold
    for c in range(max((len(row) for row in rows), default=0)):
        longest = max(len(str(row[c]).split("\n")[0]) for row in rows if c < len(row))
        width = widths.get(c, min(max(longest + 2, 8), 40))
        worksheet.column_dimensions[column_letter(c)].width = width


def _xlsx_bytes(
    matrix: list[list[Value]], legend: list[list[Value]], *, description: bool
) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Matrix"
    _fill(sheet, matrix, {2: 60} if description else {})
    if description:
        wrap = Alignment(wrap_text=True, vertical="top")
        for r in range(2, len(matrix) + 1):
            sheet.cell(row=r, column=3).alignment = wrap
    sheet.freeze_panes = "C2"  # the header row and the domain and skill columns
    legend_sheet = workbook.create_sheet("Legend")
    _fill(legend_sheet, legend, {})
    legend_sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def spreadsheet_write(state: RoleState, *, kind: Literal["xlsx", "csv"]) -> bytes:
    """The role's matrix and its scale's legend in the layout :func:`spreadsheet_read` reads.

    Raises :class:`SpreadsheetError` for a role whose skills use more than one scale."""
    scale = _role_scale(state)
    has_description = any(skill.description for skill in state.skills)
    matrix = _matrix_rows(state, has_description=has_description)
    legend = _legend_rows(scale)
    if kind == "csv":
        return _csv_bytes(matrix, legend)
    return _xlsx_bytes(matrix, legend, description=has_description)


def _level_over(level: LevelState, current: LevelState | None) -> LevelState:
    if current is None:
        return level
    short = level.short if level.name != current.name else current.short
    return replace(current, name=level.name, short=short)


def _cell_over(cell: Cell, current: Cell | None) -> Cell:
    """A sheet's cell (its code and mandatory flag) over what the role's cell says beyond them."""
    if current is None or cell.not_applicable or current.not_applicable:
        return cell
    return replace(current, code=cell.code, mandatory=cell.mandatory)


def _skill_over(skill: SkillState, current: SkillState | None) -> SkillState:
    if current is None:
        return skill
    return replace(
        current,
        name=skill.name,
        description=skill.description or current.description,
        domain=skill.domain,
        cells={
            level: _cell_over(cell, current.cells.get(level)) for level, cell in skill.cells.items()
        },
        scale=skill.scale,
        steps=current.steps if current.scale == skill.scale else {},
    )


def sheet_over_role(current: RoleState, sheet: RoleState) -> RoleState:
    """The role ``current`` with what a spreadsheet of it says (``sheet``, its state from
    :func:`spreadsheet_document`): the sheet's levels, rows, domains and cell codes, and
    everything the sheet cannot hold kept from ``current``. Pure."""
    levels = {level.code: level for level in current.levels}
    skills = {skill.slug: skill for skill in current.skills}
    ordered_skills = tuple(_skill_over(skill, skills.get(skill.slug)) for skill in sheet.skills)
    ladder = [level.code for level in sheet.levels]
    return replace(
        current,
        levels=tuple(_level_over(level, levels.get(level.code)) for level in sheet.levels),
        skills=tuple(
            replace(skill, cells={c: skill.cells[c] for c in ladder if c in skill.cells})
            for skill in ordered_skills
        ),
        domain_names=dict(sheet.domain_names),
        domains={**current.domains, **sheet.domains},
        scales=tuple({s.slug: s for s in (*current.scales, *sheet.scales)}.values()),
        code_names=dict(sheet.code_names) or dict(current.code_names),
        code_descriptions=dict(sheet.code_descriptions) or dict(current.code_descriptions),
    )
