"""The grade engine against DESIGN §5: examples, properties and a speed figure."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading import engine
from grading.engine import Matrix, Requirement, SkillRequirements, grade


def matrix_of(levels: list[str], rows: list[tuple[str, str, dict[str, object]]]) -> Matrix:
    """rows: (skill, domain, {level: "A" | ("A", mandatory)})"""
    skills = []
    for skill, domain, cells in rows:
        requirements = []
        for level, value in cells.items():
            code, mandatory = value if isinstance(value, tuple) else (value, True)
            requirements.append(Requirement(level=level, code=code, mandatory=mandatory))
        skills.append(
            SkillRequirements(skill=skill, domain=domain, requirements=tuple(requirements))
        )
    return Matrix(levels=tuple(levels), skills=tuple(skills))


def exactly(message: str) -> str:
    """A ``pytest.raises`` match for the whole message."""
    return f"^{re.escape(message)}$"


# --- Examples ---------------------------------------------------------------------------------


def test_unrated_person_is_below_the_first_level_and_its_cells_are_the_gaps():
    matrix = matrix_of(["jun", "mid"], [("py", "prog", {"jun": "A", "mid": "W"})])

    result = grade(matrix, {}, optional_share=0.5)

    assert result.grade is None
    assert result.next_level == "jun"
    assert [(g.skill, g.code, g.rating, g.steps) for g in result.gaps] == [("py", "A", 0, 1)]
    assert [level.coverage for level in result.levels] == [0.0, 0.0]


def test_a_cell_is_met_when_the_rating_reaches_its_rank():
    matrix = matrix_of(["jun"], [("py", "prog", {"jun": "W"})])

    assert grade(matrix, {"py": 1}, optional_share=0.5).grade is None
    assert grade(matrix, {"py": 2}, optional_share=0.5).grade == "jun"
    assert grade(matrix, {"py": 3}, optional_share=0.5).grade == "jun"


def test_the_grade_is_cumulative_a_met_level_above_an_unmet_one_does_not_count():
    # The seed's shape: Middle asks W, Senior only A.
    matrix = matrix_of(
        ["jun", "mid", "sen"], [("py", "prog", {"jun": "A", "mid": "W", "sen": "A"})]
    )

    result = grade(matrix, {"py": 1}, optional_share=0.5)

    assert [level.met for level in result.levels] == [True, False, True]
    assert result.grade == "jun"
    assert result.next_level == "mid"


def test_optional_cells_need_the_optional_share():
    matrix = matrix_of(
        ["jun"],
        [
            ("a", "d", {"jun": ("A", False)}),
            ("b", "d", {"jun": ("A", False)}),
            ("c", "d", {"jun": ("A", False)}),
            ("m", "d", {"jun": "A"}),
        ],
    )

    one_of_three = grade(matrix, {"m": 1, "a": 1}, optional_share=0.5)
    two_of_three = grade(matrix, {"m": 1, "a": 1, "b": 1}, optional_share=0.5)

    assert one_of_three.grade is None
    assert one_of_three.levels[0].optional_needed == 2
    assert one_of_three.levels[0].optional_shortfall == 1
    assert one_of_three.levels[0].mandatory_unmet == ()
    assert two_of_three.grade == "jun"
    assert two_of_three.levels[0].optional_shortfall == 0


def test_mandatory_cells_block_whatever_the_optional_share():
    matrix = matrix_of(["jun"], [("m", "d", {"jun": "W"}), ("o", "d", {"jun": ("A", False)})])

    result = grade(matrix, {"o": 3, "m": 1}, optional_share=0.0)

    assert result.grade is None
    assert [gap.skill for gap in result.levels[0].mandatory_unmet] == ["m"]


def test_a_level_without_cells_is_met_with_full_coverage():
    matrix = matrix_of(["jun", "mid"], [("py", "prog", {"mid": "A"})])

    result = grade(matrix, {}, optional_share=0.5)

    assert result.levels[0].met is True
    assert result.levels[0].coverage == 1.0
    assert result.grade == "jun"
    assert result.next_level == "mid"


def test_coverage_counts_met_cells_over_cells_with_a_code():
    matrix = matrix_of(
        ["jun"],
        [
            ("a", "d", {"jun": "A"}),
            ("b", "d", {"jun": "E"}),
            ("c", "d", {}),
            ("e", "d", {"jun": "W"}),
        ],
    )

    result = grade(matrix, {"a": 3, "e": 2}, optional_share=0.5)

    assert result.levels[0].cells == 3
    assert result.levels[0].cells_met == 2
    assert result.levels[0].coverage == pytest.approx(2 / 3)


def test_at_the_top_there_is_no_next_level_and_no_gaps():
    matrix = matrix_of(["jun", "mid"], [("py", "prog", {"jun": "A", "mid": "E"})])

    result = grade(matrix, {"py": 3}, optional_share=0.5)

    assert result.grade == "mid"
    assert result.next_level is None
    assert result.gaps == ()
    assert result.at_top is True


def test_gaps_are_ordered_mandatory_first_then_fewer_steps_then_domain_then_skill():
    matrix = matrix_of(
        ["jun"],
        [
            ("z1", "later", {"jun": "W"}),
            ("opt", "later", {"jun": ("A", False)}),
            ("far", "first", {"jun": "E"}),
            ("z2", "later", {"jun": "A"}),
            ("near", "first", {"jun": "A"}),
        ],
    )

    result = grade(matrix, {"z1": 1}, optional_share=0.5)

    # Mandatory one-step gaps: z1 (W from A), z2 and near (A from none); "later" is the first
    # domain in the role's order, so z1, z2 come before near; then the three-step "far".
    assert [(gap.skill, gap.steps, gap.mandatory) for gap in result.gaps] == [
        ("z1", 1, True),
        ("z2", 1, True),
        ("near", 1, True),
        ("far", 3, True),
        ("opt", 1, False),
    ]
    assert result.gaps[0].rating_code == "A"
    assert result.gaps[1].rating_code is None


def test_gaps_follow_the_domain_order_when_a_domains_skills_are_apart():
    # "first" comes first (its first skill does), so its later skill "b2" precedes "b1".
    matrix = matrix_of(
        ["jun"],
        [
            ("a1", "first", {"jun": "A"}),
            ("b1", "second", {"jun": "A"}),
            ("a2", "first", {"jun": "A"}),
        ],
    )

    result = grade(matrix, {}, optional_share=0.5)

    assert [gap.skill for gap in result.gaps] == ["a1", "a2", "b1"]


def test_the_matrix_knows_its_skills_with_or_without_cells():
    matrix = matrix_of(["jun"], [("py", "prog", {"jun": "A"}), ("go", "prog", {})])

    assert matrix.skill_slugs == frozenset({"py", "go"})


def test_ratings_of_skills_outside_the_matrix_are_ignored():
    matrix = matrix_of(["jun"], [("py", "prog", {"jun": "A"})])

    assert grade(matrix, {"py": 1, "gone": 3}, optional_share=0.5).grade == "jun"


@pytest.mark.parametrize(
    ("total", "share", "needed"),
    [
        (0, 0.5, 0),
        (1, 0.0, 0),
        (1, 0.5, 1),
        (1, 1.0, 1),
        (2, 0.5, 1),
        (3, 0.5, 2),
        (4, 0.5, 2),
        (10, 0.7, 7),
        (100, 0.66, 66),
        (5, 0.0, 0),
        (5, 1.0, 5),
    ],
)
def test_optional_needed_is_the_least_count_reaching_the_share(total, share, needed):
    assert engine.optional_needed(total, share) == needed


@pytest.mark.parametrize(
    ("levels", "skills", "message"),
    [
        (("jun", "jun"), (), "duplicate level code"),
        (
            ("jun",),
            (SkillRequirements("py", "a"), SkillRequirements("py", "b")),
            "duplicate skill 'py'",
        ),
        (
            ("jun",),
            (SkillRequirements("py", "prog", (Requirement("sen", "A"),)),),
            "unknown level 'sen' for 'py'",
        ),
        (
            ("jun",),
            (SkillRequirements("py", "prog", (Requirement("jun", "A"), Requirement("jun", "W"))),),
            "two cells for 'py' at 'jun'",
        ),
        (
            ("jun",),
            (SkillRequirements("py", "prog", (Requirement("jun", "X"),)),),
            "bad code 'X' for 'py'",
        ),
    ],
)
def test_a_matrix_that_cannot_be_graded_is_refused_naming_the_problem(levels, skills, message):
    with pytest.raises(engine.MatrixError, match=exactly(message)):
        Matrix(levels=levels, skills=skills)


@pytest.mark.parametrize("rating", [4, -1, 1.0, "2", None])
def test_a_rating_is_a_whole_number_from_0_to_3(rating):
    matrix = matrix_of(["jun"], [("py", "prog", {"jun": "A"})])
    message = f"rating of 'py' must be a whole number between 0 and 3, not {rating!r}"
    with pytest.raises(ValueError, match=exactly(message)):
        grade(matrix, {"py": rating}, optional_share=0.5)


def test_the_ratings_bounds_are_ratings():
    matrix = matrix_of(["jun"], [("py", "prog", {"jun": "E"})])
    assert grade(matrix, {"py": 0}, optional_share=0.5).gaps[0].steps == 3
    assert grade(matrix, {"py": 3}, optional_share=0.5).grade == "jun"


@pytest.mark.parametrize("share", [-0.01, 1.01])
def test_the_optional_share_is_between_0_and_1(share):
    matrix = matrix_of(["jun"], [("py", "prog", {"jun": "A"})])
    message = f"optional_share must be between 0 and 1, not {share!r}"
    with pytest.raises(ValueError, match=exactly(message)):
        grade(matrix, {}, optional_share=share)


def test_the_optional_shares_bounds_are_shares():
    matrix = matrix_of(["jun"], [("py", "prog", {"jun": ("A", False)})])
    assert grade(matrix, {}, optional_share=0.0).grade == "jun"
    assert grade(matrix, {}, optional_share=1.0).grade is None


@pytest.mark.parametrize(("code", "rank"), [(None, 0), ("A", 1), ("W", 2), ("E", 3)])
def test_rank_of_a_code(code, rank):
    assert engine.rank_of(code) == rank


def test_rank_of_refuses_what_is_not_a_code():
    with pytest.raises(ValueError, match=exactly("code must be one of A, W, E or None, not 'Z'")):
        engine.rank_of("Z")


def test_ratings_from_codes_drops_unrated_skills():
    assert engine.ratings_from_codes({"a": "A", "w": "W", "e": "E", "n": None}) == {
        "a": 1,
        "w": 2,
        "e": 3,
    }


def test_grading_the_seed_takes_well_under_a_millisecond(seed_document, benchmark):
    from grading.selectors import grading_sheet_from_document  # needs Django set up

    sheet = grading_sheet_from_document(seed_document)
    ratings = {skill.slug: "AWE"[index % 3] for index, skill in enumerate(sheet.skills)}
    ranks = {slug: "-AWE".index(code) for slug, code in ratings.items()}

    result = benchmark(grade, sheet.matrix, ranks, optional_share=0.5)

    assert result.grade == "junior"
    if benchmark.stats:  # only measured with --benchmark-enable
        assert benchmark.stats.stats.median < 0.001


# --- Properties -------------------------------------------------------------------------------

CELL = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["A", "W", "E"]), st.booleans()),
)
SHARES = st.one_of(st.sampled_from([0.0, 0.5, 0.66, 1.0]), st.floats(0.0, 1.0))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 400), SHARES)
def test_optional_needed_counts_what_the_share_asks_for_any_count(total, share):
    least = next((k for k in range(total + 1) if k / total >= share), total) if total else 0

    assert engine.optional_needed(total, share) == least


@st.composite
def matrices(draw):
    level_count = draw(st.integers(1, 6))
    levels = [f"l{index}" for index in range(level_count)]
    domain_sizes = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
    rows: list[tuple[str, str, dict[str, str]]] = []
    for domain_index, size in enumerate(domain_sizes):
        for _ in range(size):
            cells = {}
            for level in levels:
                cell = draw(CELL)
                if cell is not None:
                    cells[level] = cell
            rows.append((f"s{len(rows)}", f"d{domain_index}", cells))
    return levels, rows


@st.composite
def graded_cases(draw):
    levels, rows = draw(matrices())
    ratings = {skill: draw(st.integers(0, 3)) for skill, _, _ in rows}
    return levels, rows, ratings, draw(SHARES)


def _index(levels: list[str], code: str | None) -> int:
    return -1 if code is None else levels.index(code)


def _reference_met(rows, ratings, level, share) -> bool:
    """DESIGN §5 level rule, written out independently of the engine."""
    mandatory = [
        (s, c[0]) for s, _, cells in rows for lv, c in cells.items() if lv == level and c[1]
    ]
    optional = [
        (s, c[0]) for s, _, cells in rows for lv, c in cells.items() if lv == level and not c[1]
    ]
    rank = engine.RANKS
    if any(ratings.get(s, 0) < rank[code] for s, code in mandatory):
        return False
    if not optional:
        return True
    met = sum(1 for s, code in optional if ratings.get(s, 0) >= rank[code])
    return met / len(optional) >= share


@settings(max_examples=300, deadline=None)
@given(graded_cases(), st.data())
def test_raising_any_rating_never_lowers_the_grade(case, data):
    levels, rows, ratings, share = case
    if not rows:
        return
    matrix = matrix_of(levels, rows)
    skill = data.draw(st.sampled_from([row[0] for row in rows]))
    raised = {**ratings, skill: data.draw(st.integers(ratings[skill], 3))}

    before = grade(matrix, ratings, optional_share=share)
    after = grade(matrix, raised, optional_share=share)

    assert _index(levels, after.grade) >= _index(levels, before.grade)


@settings(max_examples=300, deadline=None)
@given(graded_cases())
def test_every_level_up_to_the_grade_is_met_and_the_next_is_not(case):
    levels, rows, ratings, share = case
    result = grade(matrix_of(levels, rows), ratings, optional_share=share)
    reached = _index(levels, result.grade)

    for index, level in enumerate(levels):
        assert result.levels[index].met == _reference_met(rows, ratings, level, share)
    if not any(cells for _, _, cells in rows):
        # Nothing to grade: no grade, never "top level met" (DESIGN §5).
        assert (result.status, result.grade, result.next_level) == ("nothing_to_grade", None, None)
        return
    assert all(result.levels[index].met for index in range(reached + 1))
    if reached + 1 < len(levels):
        assert result.next_level == levels[reached + 1]
        assert result.levels[reached + 1].met is False
    else:
        assert result.next_level is None


@settings(max_examples=300, deadline=None)
@given(graded_cases())
def test_gaps_are_exactly_the_unmet_cells_of_the_next_level_in_order(case):
    levels, rows, ratings, share = case
    result = grade(matrix_of(levels, rows), ratings, optional_share=share)
    if result.next_level is None:
        assert result.gaps == ()
        return
    domain_order = list(dict.fromkeys(domain for _, domain, _ in rows))
    expected = []
    for skill_index, (skill, domain, cells) in enumerate(rows):
        cell = cells.get(result.next_level)
        if cell is None:
            continue
        code, mandatory = cell
        rating = ratings.get(skill, 0)
        if rating < engine.RANKS[code]:
            steps = engine.RANKS[code] - rating
            key = (not mandatory, steps, domain_order.index(domain), skill_index)
            expected.append((key, (skill, domain, code, rating, mandatory, steps)))
    expected.sort()

    assert [(g.skill, g.domain, g.code, g.rating, g.mandatory, g.steps) for g in result.gaps] == [
        item for _, item in expected
    ]
    assert all(gap.level == result.next_level for gap in result.gaps)


@settings(max_examples=200, deadline=None)
@given(graded_cases())
def test_coverage_is_a_share_of_the_cells_with_a_code(case):
    levels, rows, ratings, share = case
    result = grade(matrix_of(levels, rows), ratings, optional_share=share)

    for level, level_result in zip(levels, result.levels, strict=True):
        cells = [(s, c[0]) for s, _, row in rows for lv, c in row.items() if lv == level]
        met = sum(1 for s, code in cells if ratings.get(s, 0) >= engine.RANKS[code])
        assert level_result.coverage == (met / len(cells) if cells else 1.0)
        assert 0.0 <= level_result.coverage <= 1.0


def test_the_engine_scale_is_the_roles_scale():
    # The engine keeps its own copy (it imports nothing from Django or the apps).
    from grading.engine import CODES_BY_RANK, MAX_RANK, RANKS
    from roles.scale import CODE_RANKS, CODES

    assert RANKS == CODE_RANKS
    assert {rank: code for code, rank in CODE_RANKS.items()} == {
        r: c for r, c in CODES_BY_RANK.items() if c is not None
    }
    assert MAX_RANK == max(CODE_RANKS.values()) == len(CODES)
