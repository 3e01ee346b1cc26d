from __future__ import annotations

import csv
import io
import json
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from jsonschema import Draft202012Validator
from openpyxl.styles import Font

from roles.changes.state import Cell, LevelState, RoleState, ScaleState, SkillState, Step
from roles.document import parse_role_document
from roles.spreadsheet import (
    Grid,
    Sheet,
    SheetProblem,
    SpreadsheetError,
    column_letter,
    spreadsheet_document,
    spreadsheet_read,
    spreadsheet_write,
)

SCHEMA_PATH = (
    Path(__file__).resolve().parents[1] / "schemas" / "skillsmatrix.framework.v2.schema.json"
)
META = {
    "framework_slug": "acme",
    "framework_name": "Acme engineering",
    "role_slug": "platform-engineer",
    "role_title": "Platform Engineer",
    "family_slug": "engineering",
    "family_name": "Engineering",
}
FIVE_STEPS = [["Code", "Name", "Description", "Points"]] + [
    [code, name, "", points]
    for code, name, points in [
        (1, "Aware", 1),
        (2, "Foundational", 2),
        (3, "Working", 4),
        (4, "Practitioner", 8),
        (5, "Expert", 16),
    ]
]


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _fill(worksheet, rows):
    # Cell by cell, so a row left as [] is absent from the file, as in a real sheet.
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                worksheet.cell(row=r, column=c, value=value)


def xlsx(matrix, legend=None, *, title="Matrix", before=()):
    workbook = openpyxl.Workbook()
    first = workbook.active
    for name in before:  # sheets ahead of the matrix
        first.title = name
        first = workbook.create_sheet()
    first.title = title
    _fill(first, matrix)
    if legend is not None:
        _fill(workbook.create_sheet("Legend"), legend)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rewritten(data, member, old, new):
    """The XLSX with one part's text changed, as another program might have written it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == member:
                assert old in body
                body = body.replace(old, new)
            target.writestr(info, body)
    return out.getvalue()


def csv_file(rows, *, delimiter=",", bom=False):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def document_of(data, filename="matrix.xlsx", **kwargs):
    return spreadsheet_document(spreadsheet_read(data, filename=filename), **META, **kwargs)


def problems_of(data, filename="matrix.xlsx", **kwargs):
    with pytest.raises(SpreadsheetError) as caught:
        document_of(data, filename, **kwargs)
    return [str(problem) for problem in caught.value.problems]


def refusal_of(data, filename):
    with pytest.raises(SpreadsheetError) as caught:
        spreadsheet_read(data, filename=filename)
    return [str(problem) for problem in caught.value.problems]


# --- Reading: the document ------------------------------------------------------------------


def test_an_xlsx_matrix_becomes_a_v2_document_of_one_role_on_the_builtin_scale(validator):
    data = xlsx(
        [
            ["Domain", "Skill", "Description", "Junior", "Middle", "Senior Engineer [senior]"],
            ["Backend", " Python ", "Writes Python.\nReads it too.", "A", "W", "E"],
            [None, "Django", None, "W?", "E", "n/a"],
            [],
            ["Operations", "Docker", None, None, "A", " N/A "],
        ]
    )
    document = document_of(data)
    assert document == {
        "format": "skillsmatrix.framework/v2",
        "framework": {"slug": "acme", "name": "Acme engineering"},
        "domains": [
            {"slug": "backend", "name": "Backend"},
            {"slug": "operations", "name": "Operations"},
        ],
        "skills": [
            {
                "slug": "python",
                "name": "Python",
                "domain": "backend",
                "description": "Writes Python.\nReads it too.",
            },
            {"slug": "django", "name": "Django", "domain": "backend"},
            {"slug": "docker", "name": "Docker", "domain": "operations"},
        ],
        "roles": [
            {
                "slug": "platform-engineer",
                "title": "Platform Engineer",
                "family": {"slug": "engineering", "name": "Engineering"},
                "layout": "matrix",
                "levels": [
                    {"code": "junior", "name": "Junior"},
                    {"code": "middle", "name": "Middle"},
                    {"code": "senior", "name": "Senior Engineer"},
                ],
                "skills": [
                    {
                        "skill": "python",
                        "requirements": {"junior": "A", "middle": "W", "senior": "E"},
                    },
                    {
                        "skill": "django",
                        "requirements": {
                            "junior": {"code": "W", "mandatory": False},
                            "middle": "E",
                            "senior": "n/a",
                        },
                    },
                    {
                        "skill": "docker",
                        "requirements": {"junior": None, "middle": "A", "senior": "n/a"},
                    },
                ],
            }
        ],
    }
    assert list(validator.iter_errors(document)) == []


def test_a_legend_sheet_gives_the_role_a_scale_of_the_framework_and_numbers_read_as_typed(
    validator,
):
    legend = [
        ["Code", "Name", "Description", "Points"],
        [1, "Aware", "Knows it.", 0],
        [2, "Foundational", None, 2.5],
        [],
        [3.0, "Working", None, None],
    ]
    data = xlsx([["Domain", "Skill", "E1", "E2"], ["Craft", "Testing", 1, "3.0"]], legend)
    with pytest.raises(SpreadsheetError) as caught:
        document_of(data, scale_slug="proficiency", scale_name="Proficiency")
    # The text "3.0" is not the number 3.0: only numbers lose their ".0".
    assert [str(p) for p in caught.value.problems] == [
        "Matrix!D2: '3.0' is not a step of scale 'proficiency'"
    ]

    data = xlsx([["Domain", "Skill", "E1", "E2"], ["Craft", "Testing", 1, 3.0]], legend)
    document = document_of(data, scale_slug="proficiency", scale_name="Proficiency")
    assert document["scales"] == [
        {
            "slug": "proficiency",
            "name": "Proficiency",
            "steps": [
                {"code": "1", "name": "Aware", "description": "Knows it.", "points": 0},
                {"code": "2", "name": "Foundational", "points": 2.5},
                {"code": "3", "name": "Working"},
            ],
        }
    ]
    assert document["skills"] == [
        {"slug": "testing", "name": "Testing", "domain": "craft", "scale": "proficiency"}
    ]
    assert document["roles"][0]["skills"][0]["requirements"] == {"e1": "1", "e2": "3"}
    assert "legend" not in document["roles"][0]
    assert list(validator.iter_errors(document)) == []


def test_a_scale_without_a_name_from_the_caller_is_named_after_the_role():
    legend = [["Name", "Code"], ["Bronze", "b"], ["Silver", "s"]]
    document = document_of(xlsx([["Domain", "Skill", "L1"], ["Craft", "Testing", "s"]], legend))
    assert document["scales"] == [
        {
            "slug": "platform-engineer-scale",
            "name": "Platform Engineer scale",
            "steps": [{"code": "b", "name": "Bronze"}, {"code": "s", "name": "Silver"}],
        }
    ]
    named = document_of(
        xlsx([["Domain", "Skill", "L1"], ["Craft", "Testing", "s"]], legend),
        scale_name="Medals",
    )
    assert named["scales"][0]["slug"] == "medals"
    assert named["skills"][0]["scale"] == "medals"


def test_an_awe_legend_relabels_the_builtin_scale_unless_the_caller_names_another(validator):
    legend = [
        ["Code", "Name", "Description"],
        ["A", "Awareness"],
        ["W", "Practitioner", "Does it alone."],
        ["E", "Expert"],
    ]
    matrix = [["Domain", "Skill", "Junior"], ["Craft", "Testing", "W"]]
    document = document_of(xlsx(matrix, legend))
    assert "scales" not in document
    assert "scale" not in document["skills"][0]
    assert document["roles"][0]["legend"] == [
        {"code": "W", "name": "Practitioner", "description": "Does it alone."}
    ]
    assert list(validator.iter_errors(document)) == []

    assert (
        "legend"
        not in document_of(
            xlsx(
                matrix,
                [
                    ["Code", "Name"],
                    *[
                        [code, name]
                        for code, name in (
                            ("A", "Awareness"),
                            ("W", "Working knowledge"),
                            ("E", "Expert"),
                        )
                    ],
                ],
            )
        )["roles"][0]
    )

    with_points = [["Code", "Name", "Points"], ["A", "Aware", 1], ["W", "Works", 2], ["E", "Ex", 3]]
    pointed = document_of(xlsx(matrix, with_points))
    assert pointed["scales"][0]["slug"] == "platform-engineer-scale"
    assert pointed["scales"][0]["steps"][2] == {"code": "E", "name": "Ex", "points": 3}
    assert pointed["skills"][0]["scale"] == "platform-engineer-scale"

    custom = document_of(xlsx(matrix, legend), scale_slug="awe-levels")
    assert custom["scales"][0]["slug"] == "awe-levels"
    assert [step["code"] for step in custom["scales"][0]["steps"]] == ["A", "W", "E"]
    assert "legend" not in custom["roles"][0]


def test_the_matrix_is_the_sheet_named_matrix_else_the_first_and_cells_are_named_by_sheet():
    matrix = [["Domain", "Skill", "Junior"], ["Craft", "Testing", "Q"]]
    assert problems_of(xlsx(matrix, title="Sheet1")) == [
        "Sheet1!C2: 'Q' is not a step of scale 'awe'"
    ]
    assert problems_of(xlsx(matrix, title="My sheet")) == [
        "'My sheet'!C2: 'Q' is not a step of scale 'awe'"
    ]
    # A "Notes" sheet ahead of the matrix is not read.
    sheet = spreadsheet_read(xlsx(matrix, before=["Notes"]), filename="m.xlsx")
    assert sheet.kind == "xlsx"
    assert sheet.matrix == Grid(
        name="Matrix", rows=(("Domain", "Skill", "Junior"), ("Craft", "Testing", "Q"))
    )
    assert sheet.legend is None


def test_rows_keep_their_numbers_across_rows_absent_from_the_file():
    data = xlsx([["Domain", "Skill", "Junior"], [], [], ["Craft", "Testing", "Z"]])
    assert problems_of(data) == ["Matrix!C4: 'Z' is not a step of scale 'awe'"]


def test_formulas_are_not_evaluated():
    # openpyxl saves no computed value with a formula: the cell reads as blank, never as 2.
    data = xlsx([["Domain", "Skill", "Junior"], ["Craft", "Testing", "=1+1"]])
    document = document_of(data)
    assert document["roles"][0]["skills"][0]["requirements"] == {"junior": None}


def test_a_number_stored_as_3_point_0_reads_as_3():
    data = xlsx([["Domain", "Skill", "Junior"], ["Craft", "Testing", 3]], FIVE_STEPS)
    data = rewritten(data, "xl/worksheets/sheet1.xml", b"<v>3</v>", b"<v>3.0</v>")
    document = document_of(data, scale_slug="proficiency")
    assert document["roles"][0]["skills"][0]["requirements"] == {"junior": "3"}


def test_the_size_a_file_declares_for_a_sheet_is_not_trusted():
    data = xlsx([["Domain", "Skill", "Junior"], ["Craft", "Testing", "W"]])
    data = rewritten(data, "xl/worksheets/sheet1.xml", b'ref="A1:C2"', b'ref="A1:A1"')
    sheet = spreadsheet_read(data, filename="m.xlsx")
    assert sheet.matrix.rows == (("Domain", "Skill", "Junior"), ("Craft", "Testing", "W"))


def test_what_openpyxl_warns_about_is_not_passed_on():
    data = xlsx([["Domain", "Skill", "Junior"], ["Craft", "Testing", "W"]])
    data = rewritten(
        data,
        "xl/workbook.xml",
        b"<definedNames />",
        b'<definedNames><definedName name="x" localSheetId="5">Matrix!$A$1</definedName>'
        b"</definedNames>",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sheet = spreadsheet_read(data, filename="m.xlsx")
    assert [str(warning.message) for warning in caught] == []
    assert sheet.matrix.rows[1] == ("Craft", "Testing", "W")


def test_dates_and_booleans_become_text():
    from datetime import date

    sheet = spreadsheet_read(
        xlsx([["Domain", "Skill", "Junior"], [True, date(2026, 1, 2), 7.25]]), filename="d.xlsx"
    )
    assert sheet.matrix.rows[1] == ("TRUE", "2026-01-02T00:00:00", "7.25")


# --- Reading: problems by cell ---------------------------------------------------------------


def test_every_problem_of_the_matrix_is_named_by_its_cell():
    data = xlsx(
        [
            ["Domain", "Skill", "Junior", "Middle", "Mid [middle]", "Lead [Lead]", "Staff"],
            [None, "Python", "A"],
            ["Backend", "Python", "X"],
            [None, "C++", "n/a?"],
            [None, "C#", None, "W"],
            [],
            ["backend", None, "A"],
            ["Ops", "x" * 501, None, None, None, None, None, "E"],
            ["Ops", "Kubernetes", "A", "W", "E", "E", "W?"],
        ]
    )
    assert problems_of(data) == [
        "Matrix!E1: duplicate level 'middle' (already at Matrix!D1)",
        "Matrix!F1: 'Lead' is not a level code (lowercase letters, digits, - and _, at most 50)",
        "Matrix!H8: this column has no header",
        "Matrix!A2: the first skill needs a domain",
        "Matrix!B3: duplicate skill 'Python' (already at Matrix!B2)",
        "Matrix!C3: 'X' is not a step of scale 'awe'",
        "Matrix!C4: 'n/a' cannot be optional",
        "Matrix!B5: skill 'C#' has the same slug 'c' as 'C++' (Matrix!B4)",
        "Matrix!A7: domain 'backend' has the same slug 'backend' as 'Backend' (Matrix!A3)",
        "Matrix!B7: the skill has no name",
        "Matrix!B8: is 501 characters long; at most 500 are allowed",
    ]


def test_an_unknown_step_is_named_by_its_cell_on_a_five_step_scale():
    rows: list[list[object]] = [["Domain", "Skill", "Junior", "Middle"]]
    rows += [["Craft", f"Skill {n}", 1, 2] for n in range(2, 14)]
    rows.append(["Craft", "Skill 14", 1, "X"])
    problems = problems_of(xlsx(rows, FIVE_STEPS), scale_slug="proficiency")
    assert problems == ["Matrix!D14: 'X' is not a step of scale 'proficiency'"]
    assert str(SheetProblem("Matrix!D14", "x")) == "Matrix!D14: x"
    assert str(SheetProblem("", "the file is empty")) == "the file is empty"


def test_header_problems():
    assert problems_of(xlsx([["Area", "Skills"], ["Craft", "Testing"]])) == [
        "Matrix!A1: must be 'Domain', not 'Area'",
        "Matrix!B1: must be 'Skill', not 'Skills'",
        "Matrix!C1: no level columns: add one column per level",
    ]
    assert problems_of(xlsx([["Domain", "Skill", "Description"]])) == [
        "Matrix!D1: no level columns: add one column per level"
    ]
    assert problems_of(xlsx([[], ["Craft", "Testing", "A"]])) == [
        "Matrix!A1: row 1 must be the header: Domain, Skill, then one column per level"
    ]
    assert problems_of(xlsx([["Domain", "Skill", "Junior", None, "Senior", "[lead]", "Ω"]])) == [
        "Matrix!D1: the level has no name",
        "Matrix!F1: the level has no name",
        "Matrix!G1: 'Ω' gives no level code: write the header as 'Name [code]'",
    ]
    levels = [f"L{n}" for n in range(31)]
    assert problems_of(xlsx([["Domain", "Skill", *levels]])) == [
        "Matrix!AG1: a role has at most 30 levels"
    ]


def test_names_without_a_slug_and_texts_over_their_limits_are_problems():
    data = xlsx(
        [
            ["Domain", "Skill", "Description", "J" * 501],
            ["!!!", "Testing"],
            ["Craft", "???"],
            ["Craft", "Docs", "d" * 20001],
            ["c" * 501, "Ops"],
            [None, "Hiring"],
        ]
    )
    assert problems_of(data) == [
        "Matrix!D1: is 501 characters long; at most 500 are allowed",
        "Matrix!A2: '!!!' gives an empty slug: a domain name needs a letter or digit",
        "Matrix!B3: '???' gives an empty slug: a skill name needs a letter or digit",
        "Matrix!C4: is 20001 characters long; at most 20000 are allowed",
        "Matrix!A5: is 501 characters long; at most 500 are allowed",
    ]


def test_a_missing_or_bad_domain_is_reported_once_for_the_rows_under_it():
    data = xlsx(
        [
            ["Domain", "Skill", "Junior"],
            [None, "Testing", "A"],
            [None, "Docs", "A"],
            ["!!!", "Ops", "A"],
            [None, "Hiring", "A"],
        ]
    )
    assert problems_of(data) == [
        "Matrix!A2: the first skill needs a domain",
        "Matrix!A4: '!!!' gives an empty slug: a domain name needs a letter or digit",
    ]


def test_legend_problems_are_named_by_cell():
    legend = [
        ["Code", "Name", "Colour", "Points"],
        [1, "Aware", None, 1],
        [1, "Again"],
        [2, "Working", None, "two"],
        ["x y", "Bad"],
        [3, None, None, -1],
        [None, "No code"],
        [4, "Far", None, None, "stray"],
        [5, "Not a number", None, "nan"],
        [6, "Endless", None, "inf"],
    ]
    data = xlsx([["Domain", "Skill", "Junior"], ["Craft", "Testing", 7]], legend)
    assert problems_of(data, scale_slug="proficiency") == [
        "Legend!C1: unknown column 'Colour' (a legend's columns are Code, Name, Description "
        "and Points)",
        "Legend!E8: this column has no header",
        "Legend!A3: duplicate code '1'",
        "Legend!D4: 'two' is not a number from 0 to 1,000,000",
        "Legend!A5: 'x y' is not a step code (up to 16 letters, digits, '.', '+', '-' and '_', "
        "starting with a letter or digit)",
        "Legend!B6: the step has no name",
        "Legend!D6: '-1' is not a number from 0 to 1,000,000",
        "Legend!A7: the step has no code",
        "Legend!D9: 'nan' is not a number from 0 to 1,000,000",
        "Legend!D10: 'inf' is not a number from 0 to 1,000,000",
        "Matrix!C2: '7' is not a step of scale 'proficiency'",
    ]


def test_a_legend_without_its_columns_or_steps_or_with_too_many_steps():
    matrix = [["Domain", "Skill", "Junior"], ["Craft", "Testing", "Q"]]
    # The codes cannot be checked without a readable legend: only the legend is reported.
    assert problems_of(xlsx(matrix, [["Code", "Title"], ["A", "Aware"]])) == [
        "Legend!B1: unknown column 'Title' (a legend's columns are Code, Name, Description "
        "and Points)",
        "Legend!A1: the legend has no 'Name' column",
    ]
    assert problems_of(xlsx(matrix, [["Code", "Name", "Code"]])) == [
        "Legend!C1: a second 'Code' column",
        "Legend!A2: the legend lists no steps",
    ]
    steps = [["Code", "Name"]] + [[f"s{n}", f"Step {n}"] for n in range(21)]
    assert problems_of(xlsx([["Domain", "Skill", "Junior"], ["Craft", "T", "s1"]], steps)) == [
        "Legend!A22: a scale has at most 20 steps"
    ]
    awe = [["Code", "Name"], ["X", "Other"]]
    assert problems_of(xlsx(matrix, awe), scale_slug="awe") == [
        "Legend!A1: 'awe' is the built-in A, W, E scale and this legend is another: give its "
        "scale another slug",
        "Matrix!C2: 'Q' is not a step of scale 'awe'",
    ]


def test_an_empty_legend_sheet_means_the_builtin_scale():
    document = document_of(xlsx([["Domain", "Skill", "Junior"], ["Craft", "Testing", "E"]], []))
    assert "scales" not in document
    assert document["roles"][0]["skills"][0]["requirements"] == {"junior": "E"}


def test_the_callers_names_and_slugs_are_checked():
    data = xlsx([["Domain", "Skill", "Junior"], ["Craft", "Testing", "E"]])
    sheet = spreadsheet_read(data, filename="m.xlsx")
    with pytest.raises(SpreadsheetError) as caught:
        spreadsheet_document(
            sheet,
            **{
                **META,
                "role_slug": "Platform Engineer",
                "family_name": " ",
                "role_title": "t" * 501,
            },
        )
    assert [str(p) for p in caught.value.problems] == [
        "role slug 'Platform Engineer' is not a slug (lowercase letters, digits, -, _)",
        "the role title is 501 characters long; at most 500 are allowed",
        "the family name must not be empty",
    ]
    legend = [["Code", "Name"], ["b", "Bronze"]]
    assert problems_of(
        xlsx([["Domain", "Skill", "J"], ["C", "T", "b"]], legend), scale_slug="Me dals"
    ) == ["scale slug 'Me dals' is not a slug (lowercase letters, digits, - and _)"]
    # The names are stripped.
    document = spreadsheet_document(sheet, **{**META, "role_title": "  Platform Engineer "})
    assert document["roles"][0]["title"] == "Platform Engineer"


def test_problems_stop_at_fifty_and_say_how_many_more_there_were():
    rows = [["Domain", "Skill", "Junior"]] + [["Craft", f"Skill {n}", "Q"] for n in range(120)]
    problems = problems_of(xlsx(rows))
    assert len(problems) == 51
    assert problems[0] == "Matrix!C2: 'Q' is not a step of scale 'awe'"
    assert problems[49] == "Matrix!C51: 'Q' is not a step of scale 'awe'"
    assert problems[50] == "… and 70 more problems (not listed here)"


def test_control_characters_are_refused_by_cell_once():
    data = csv_file(
        [["Domain", "Skill", "Junior"], ["Craft", "Py\x00thon", "W\x07"], ["Ops", "Bell\x1b", "A"]]
    )
    with pytest.raises(SpreadsheetError) as caught:
        document_of(data, "m.csv")
    assert [str(p) for p in caught.value.problems] == [
        "Matrix!B2: contains a control character (U+0000)",
        "Matrix!C2: contains a control character (U+0007)",
        "Matrix!B3: contains a control character (U+001B)",
    ]
    # Tabs and line breaks are text.
    document = document_of(
        csv_file([["Domain", "Skill", "Description", "Junior"], ["Craft", "Py", "a\tb\r\nc", "W"]]),
        "m.csv",
    )
    assert document["skills"][0]["description"] == "a\tb\r\nc"


# --- Reading: CSV -------------------------------------------------------------------------


def test_a_csv_with_bom_and_semicolons_is_read():
    data = "\ufeffDomain;Skill;Junior;Senior\r\nBackend;Python, the language;A;W?\r\n".encode()
    document = document_of(data, "matrix.csv")
    assert document["skills"] == [
        {"slug": "python-the-language", "name": "Python, the language", "domain": "backend"}
    ]
    assert document["roles"][0]["skills"][0]["requirements"] == {
        "junior": "A",
        "senior": {"code": "W", "mandatory": False},
    }


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True), ("\t", False)])
def test_a_csv_may_use_commas_semicolons_or_tabs(delimiter, bom):
    data = csv_file(
        [["Domain", "Skill", "Junior", "Senior"], ["Backend", "Python", "A", "E"]],
        delimiter=delimiter,
        bom=bom,
    )
    sheet = spreadsheet_read(data, filename="M.CSV")
    assert sheet == Sheet(
        kind="csv",
        matrix=Grid(
            name="Matrix",
            rows=(("Domain", "Skill", "Junior", "Senior"), ("Backend", "Python", "A", "E")),
        ),
    )


def test_a_csv_legend_follows_the_matrix_and_its_cells_are_named_by_their_rows():
    rows = [
        ["Domain", "Skill", "Junior"],
        ["Craft", "Testing", "2"],
        [],
        ["Legend"],
        [],
        ["Code", "Name"],
        ["1", "Aware"],
        ["1", "Again"],
    ]
    sheet = spreadsheet_read(csv_file(rows), filename="m.csv")
    assert sheet.legend == Grid(
        name="Matrix", rows=(("Code", "Name"), ("1", "Aware"), ("1", "Again")), first_row=6
    )
    assert sheet.matrix.rows == (("Domain", "Skill", "Junior"), ("Craft", "Testing", "2"))
    assert problems_of(csv_file(rows), "m.csv", scale_slug="proficiency") == [
        "Matrix!A8: duplicate code '1'",
        "Matrix!C2: '2' is not a step of scale 'proficiency'",
    ]


def test_a_skill_in_a_domain_called_legend_is_a_skill():
    data = xlsx([["Domain", "Skill", "Junior"], ["Legend", "Maps", "W"], ["Craft", "Testing", "A"]])
    document = document_of(data)
    assert [skill["name"] for skill in document["skills"]] == ["Maps", "Testing"]
    assert [domain["name"] for domain in document["domains"]] == ["Legend", "Craft"]


def test_header_words_are_matched_without_regard_to_case():
    data = xlsx([["DOMAIN", "skill", "description", "Junior"], ["Craft", "Testing", "Tests.", "A"]])
    document = document_of(data)
    assert document["skills"][0]["description"] == "Tests."
    assert [level["code"] for level in document["roles"][0]["levels"]] == ["junior"]


def test_an_xlsx_legend_may_follow_the_matrix_but_not_as_well_as_a_legend_sheet():
    matrix = [["Domain", "Skill", "Junior"], ["Craft", "Testing", "b"], [], ["Legend"]]
    matrix += [["Code", "Name"], ["b", "Bronze"]]
    document = document_of(xlsx(matrix), scale_slug="medals")
    assert document["scales"][0]["steps"] == [{"code": "b", "name": "Bronze"}]
    assert refusal_of(xlsx(matrix, [["Code", "Name"]]), "m.xlsx") == [
        "Matrix!A4: a legend is here and on the sheet 'Legend': keep one"
    ]


def test_a_csv_apostrophe_before_a_formula_sign_is_dropped():
    data = csv_file([["Domain", "Skill", "Junior"], ["'=Ops", "'-flags", "A"], ["'x", "'Q", "W"]])
    document = document_of(data, "m.csv")
    assert [skill["name"] for skill in document["skills"]] == ["-flags", "'Q"]
    assert [domain["name"] for domain in document["domains"]] == ["=Ops", "'x"]


def test_a_csv_not_in_utf8_is_refused():
    data = "Domain,Skill,Café\r\n".encode("latin-1")
    assert refusal_of(data, "m.csv") == [
        "'m.csv' is not UTF-8 text (byte 17): save it as 'CSV UTF-8'"
    ]


def test_a_csv_field_over_the_csv_limit_is_refused():
    data = b'Domain,Skill\r\nCraft,"' + b"x" * 200_000 + b'"\r\n'
    assert refusal_of(data, "m.csv") == [
        "'m.csv' cannot be read as CSV (row 2): field larger than field limit (131072)"
    ]


# --- Reading: what is refused ---------------------------------------------------------------


def test_other_kinds_of_files_are_refused():
    assert refusal_of(b"x", "matrix.ods") == [
        "'matrix.ods' cannot be read: only .csv and .xlsx files can"
    ]
    assert refusal_of(b"x", "C:\\Users\\me\\matrix") == [
        "'matrix' cannot be read: only .csv and .xlsx files can"
    ]
    assert refusal_of(b"", "matrix.csv") == ["'matrix.csv' is empty"]
    assert refusal_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xlsx") == [
        "'old.xlsx' is an old Excel (.xls) or a password-protected workbook: save it as an "
        "unprotected .xlsx"
    ]
    assert refusal_of(b"Domain,Skill,Junior\r\n", "renamed.xlsx") == [
        "'renamed.xlsx' is not an XLSX workbook (an XLSX file is a zip archive)"
    ]


def test_a_file_over_five_megabytes_is_refused():
    data = b"Domain,Skill,Junior\r\n" + b"x" * (10 * 1024 * 1024)
    assert refusal_of(data, "big.csv") == ["'big.csv' is 10.0 MB; at most 5 MB can be read"]
    assert refusal_of(b"PK" + data, "big.xlsx") == [
        "'big.xlsx' is 10.0 MB; at most 5 MB can be read"
    ]


def test_a_damaged_or_foreign_zip_is_refused():
    good = xlsx([["Domain", "Skill", "Junior"]])
    assert refusal_of(good[: len(good) // 2], "cut.xlsx") == [
        "'cut.xlsx' is a damaged zip archive, not a readable XLSX workbook"
    ]
    assert refusal_of(b"PK\x03\x04" + b"\x00" * 200, "bad.xlsx") == [
        "'bad.xlsx' is a damaged zip archive, not a readable XLSX workbook"
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert refusal_of(out.getvalue(), "other.xlsx") == [
        "'other.xlsx' cannot be read as an XLSX workbook"
    ]
    # A zip is read as a workbook whatever it is called: it cannot be CSV text.
    assert refusal_of(out.getvalue(), "other.csv") == [
        "'other.csv' cannot be read as an XLSX workbook"
    ]
    assert spreadsheet_read(good, filename="named.csv").kind == "xlsx"


def test_a_workbook_whose_parts_are_broken_is_refused():
    good = xlsx([["Domain", "Skill", "Junior"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            body = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]  # XML cut in the middle
            target.writestr(member, body)
    assert refusal_of(out.getvalue(), "broken.xlsx") == [
        "'broken.xlsx' cannot be read as an XLSX workbook"
    ]


def test_a_zip_of_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(1001):
            archive.writestr(f"part{n}.xml", "")
    assert refusal_of(out.getvalue(), "parts.xlsx") == [
        "'parts.xlsx' unpacks to more than 20 MB: save a copy with the matrix and legend only"
    ]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    assert refusal_of(data, "bomb.xlsx") == [
        "'bomb.xlsx' unpacks to more than 20 MB: save a copy with the matrix and legend only"
    ]


def test_more_than_2000_rows_are_refused_but_blank_rows_after_the_last_are_not():
    rows = [["Domain", "Skill", "Junior"]] + [["Craft", f"S{n}", "A"] for n in range(1999)]
    blank_tail = csv_file(rows) + b",,\r\n" * 5000
    assert len(spreadsheet_read(blank_tail, filename="m.csv").matrix.rows) == 2000
    assert refusal_of(csv_file([*rows, ["Craft", "One too many", "A"]]), "m.csv") == [
        "Matrix!A2001: more than 2000 rows: at most 2000"
    ]
    assert refusal_of(xlsx([*rows, [], ["Craft", "Far", "A"]]), "m.xlsx") == [
        "Matrix!A2002: more than 2000 rows: at most 2000"
    ]


def test_more_than_40_columns_are_refused_but_a_wide_formatted_blank_tail_is_not():
    header = ["Domain", "Skill"] + [f"L{n}" for n in range(38)]
    assert refusal_of(csv_file([header, ["Craft", "T", *[""] * 38, "A"]]), "m.csv") == [
        "Matrix!AO2: more than 40 columns: at most 40"
    ]
    assert (
        len(spreadsheet_read(csv_file([[*header, " ", ""]]), filename="m.csv").matrix.rows[0]) == 40
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Matrix"
    _fill(sheet, [["Domain", "Skill", "Junior"], ["Craft", "Testing", "W"]])
    sheet.cell(row=2, column=16384).font = Font(bold=True)  # formatted, empty, far right
    sheet.cell(row=5000, column=3).font = Font(bold=True)  # and far down
    out = io.BytesIO()
    workbook.save(out)
    read = spreadsheet_read(out.getvalue(), filename="m.xlsx")
    assert read.matrix.rows == (("Domain", "Skill", "Junior"), ("Craft", "Testing", "W"))
    sheet.cell(row=2, column=16384).value = "far"
    out = io.BytesIO()
    workbook.save(out)
    assert refusal_of(out.getvalue(), "m.xlsx") == ["Matrix!XFD2: more than 40 columns: at most 40"]


def test_column_letters():
    assert [column_letter(n) for n in (0, 25, 26, 40, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "AO",
        "ZZ",
        "AAA",
        "XFD",
    ]


# --- Writing, and reading back --------------------------------------------------------------


def _cell_view(cell):
    if cell is None or not cell.code:
        return None
    if cell.code == "n/a":
        return "n/a"
    return cell.code if cell.mandatory else {"code": cell.code, "mandatory": False}


def state_view(state):
    return {
        "levels": [(level.code, level.name) for level in state.levels],
        "skills": [
            (
                skill.slug,
                skill.name,
                skill.description,
                skill.domain,
                state.domain_names[skill.domain],
            )
            for skill in state.skills
        ],
        "cells": {
            (skill.slug, level.code): _cell_view(skill.cells.get(level.code))
            for skill in state.skills
            for level in state.levels
        },
    }


def document_view(document):
    skills = {skill["slug"]: skill for skill in document["skills"]}
    domains = {domain["slug"]: domain["name"] for domain in document["domains"]}
    role = document["roles"][0]
    return {
        "levels": [(level["code"], level["name"]) for level in role["levels"]],
        "skills": [
            (
                row["skill"],
                skills[row["skill"]]["name"],
                skills[row["skill"]].get("description", ""),
                skills[row["skill"]]["domain"],
                domains[skills[row["skill"]]["domain"]],
            )
            for row in role["skills"]
        ],
        "cells": {
            (row["skill"], level): value
            for row in role["skills"]
            for level, value in row["requirements"].items()
        },
    }


@pytest.fixture
def mlops_state(seed_document):
    return parse_role_document(seed_document).to_state()


@pytest.fixture
def five_step_state():
    steps = (
        Step(code="1", name="Aware", description="Knows what it is.", points=1),
        Step(code="2", name="Foundational", points=2.5),
        Step(code="3", name="Working"),
        Step(code="4", name="Practitioner", description="Teaches it.\nReviews it."),
        Step(code="5", name="Expert", points=16),
    )
    levels = (
        LevelState(code="junior", name="Junior", short="J"),
        LevelState(code="sen", name="Senior Engineer", short="S"),
        LevelState(code="description", name="Description", short="D"),
        LevelState(code="staff-ic", name="Staff [IC]", short="S+"),
    )
    return RoleState(
        slug="platform-engineer",
        title="Platform Engineer",
        family="engineering",
        family_name="Engineering",
        levels=levels,
        skills=(
            SkillState(
                slug="testing",
                name="Testing",
                description="Writes tests.\nReviews them.",
                domain="craft",
                scale="proficiency",
                cells={
                    "junior": Cell(code="2"),
                    "sen": Cell(code="4", mandatory=False),
                    "description": Cell(code="n/a"),
                    "staff-ic": Cell(code="5", details="Sets the standard."),
                },
            ),
            SkillState(
                slug="ops-on-call",
                name="-Ops on call",
                domain="delivery",
                scale="proficiency",
                cells={"junior": Cell(code="n/a"), "staff-ic": Cell(code="3", mandatory=False)},
            ),
            SkillState(
                slug="hyperlinkhttpsexampleorg",
                name='=HYPERLINK("https://example.org")',
                domain="craft",
                scale="proficiency",
                # A cell with content but no code has nothing to show in a spreadsheet.
                cells={
                    "sen": Cell(code="1"),
                    "junior": Cell(code="", mandatory=False, summary="s"),
                },
            ),
        ),
        domain_names={"craft": "Craft", "delivery": "@Delivery"},
        scales=(ScaleState(slug="proficiency", name="Proficiency", steps=steps),),
    )


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_awe_role_comes_back_from_its_spreadsheet(mlops_state, kind, validator):
    data = spreadsheet_write(mlops_state, kind=kind)
    document = document_of(data, f"mlops.{kind}")
    assert document_view(document) == state_view(mlops_state)
    assert len(document["skills"]) == 56
    assert "scales" not in document
    assert "legend" not in document["roles"][0]
    assert list(validator.iter_errors(document)) == []


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_five_step_role_with_na_and_optional_cells_comes_back_from_its_spreadsheet(
    five_step_state, kind, validator
):
    data = spreadsheet_write(five_step_state, kind=kind)
    document = document_of(
        data, f"platform.{kind}", scale_slug="proficiency", scale_name="Proficiency"
    )
    assert document_view(document) == state_view(five_step_state)
    assert document["scales"] == [
        {
            "slug": "proficiency",
            "name": "Proficiency",
            "steps": [
                {"code": "1", "name": "Aware", "description": "Knows what it is.", "points": 1},
                {"code": "2", "name": "Foundational", "points": 2.5},
                {"code": "3", "name": "Working"},
                {"code": "4", "name": "Practitioner", "description": "Teaches it.\nReviews it."},
                {"code": "5", "name": "Expert", "points": 16},
            ],
        }
    ]
    assert {skill["scale"] for skill in document["skills"]} == {"proficiency"}
    # Whole points stay whole (a CSV gives "1", not 1.0), as the state had them.
    points = [step.get("points") for step in document["scales"][0]["steps"]]
    assert [type(value).__name__ for value in points] == [
        "int",
        "float",
        "NoneType",
        "NoneType",
        "int",
    ]
    assert list(validator.iter_errors(document)) == []


def test_a_relabelled_awe_legend_comes_back(mlops_state):
    from dataclasses import replace

    state = replace(
        mlops_state, code_names={"E": "Master"}, code_descriptions={"A": "Has heard of it."}
    )
    document = document_of(spreadsheet_write(state, kind="xlsx"))
    assert document["roles"][0]["legend"] == [
        {"code": "A", "name": "Awareness", "description": "Has heard of it."},
        {"code": "E", "name": "Master"},
    ]


def test_the_xlsx_has_a_matrix_sheet_with_a_bold_frozen_header_and_a_legend_sheet(five_step_state):
    workbook = openpyxl.load_workbook(io.BytesIO(spreadsheet_write(five_step_state, kind="xlsx")))
    assert workbook.sheetnames == ["Matrix", "Legend"]
    matrix = workbook["Matrix"]
    assert [cell.value for cell in matrix[1]] == [
        "Domain",
        "Skill",
        "Description",
        "Junior",
        "Senior Engineer [sen]",
        "Description [description]",
        "Staff [IC] [staff-ic]",
    ]
    assert all(cell.font.bold for cell in matrix[1])
    assert not matrix["B2"].font.bold
    assert matrix.freeze_panes == "C2"
    assert [matrix.column_dimensions[c].width for c in "ABCD"] == [11, 35, 60, 8]
    assert matrix["C2"].alignment.wrap_text is True
    # Text that looks like a formula stays text.
    assert matrix["B4"].value == '=HYPERLINK("https://example.org")'
    assert matrix["B4"].data_type == "s"
    assert [cell.value for cell in matrix[3]] == [
        "@Delivery",
        "-Ops on call",
        None,
        "n/a",
        None,
        None,
        "3?",
    ]
    legend = workbook["Legend"]
    assert [[cell.value for cell in row] for row in legend.iter_rows()] == [
        ["Code", "Name", "Description", "Points"],
        ["1", "Aware", "Knows what it is.", 1],
        ["2", "Foundational", None, 2.5],
        ["3", "Working", None, None],
        ["4", "Practitioner", "Teaches it.\nReviews it.", None],
        ["5", "Expert", None, 16],
    ]
    assert all(cell.font.bold for cell in legend[1])
    assert legend.freeze_panes == "A2"


def test_the_csv_has_a_bom_formula_signs_marked_and_the_legend_after_a_blank_row(five_step_state):
    data = spreadsheet_write(five_step_state, kind="csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [
        [
            "Domain",
            "Skill",
            "Description",
            "Junior",
            "Senior Engineer [sen]",
            "Description [description]",
            "Staff [IC] [staff-ic]",
        ],
        ["Craft", "Testing", "Writes tests.\nReviews them.", "2", "4?", "n/a", "5"],
        ["'@Delivery", "'-Ops on call", "", "n/a", "", "", "3?"],
        ["Craft", '\'=HYPERLINK("https://example.org")', "", "", "1", "", ""],
        [],
        ["Legend"],
        ["Code", "Name", "Description", "Points"],
        ["1", "Aware", "Knows what it is.", "1"],
        ["2", "Foundational", "", "2.5"],
        ["3", "Working", "", ""],
        ["4", "Practitioner", "Teaches it.\nReviews it.", ""],
        ["5", "Expert", "", "16"],
    ]


def test_columns_are_as_wide_as_their_text_within_bounds(five_step_state):
    from dataclasses import replace

    long = SkillState(slug="long", name="L" * 100, domain="craft", scale="proficiency")
    state = replace(five_step_state, skills=(*five_step_state.skills, long))
    workbook = openpyxl.load_workbook(io.BytesIO(spreadsheet_write(state, kind="xlsx")))
    assert workbook["Matrix"].column_dimensions["B"].width == 40


def test_a_role_on_two_scales_cannot_be_written(five_step_state):
    from dataclasses import replace

    skills = (*five_step_state.skills, SkillState(slug="docker", name="Docker", domain="craft"))
    state = replace(five_step_state, skills=skills)
    with pytest.raises(SpreadsheetError) as caught:
        spreadsheet_write(state, kind="xlsx")
    assert [str(p) for p in caught.value.problems] == [
        "the role's skills use 2 scales (awe, proficiency); a spreadsheet holds one"
    ]
