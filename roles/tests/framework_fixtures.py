"""Framework v2 documents of our own, each stressing one shape a real framework takes: a points
ladder, a five-step scale with a forked ladder, a yes/no checklist, several roles on one band, a
role without levels, twelve levels, long behaviour names, Markdown and raw HTML everywhere.

Every text is made up for these tests. Each builder returns a fresh dict, so a test may mutate it.
"""

from __future__ import annotations

from typing import Any

from roles.framework_document import FORMAT_V2


def _framework(slug: str, name: str, **more: Any) -> dict[str, Any]:
    return {"slug": slug, "name": name, **more}


def points_ladder() -> dict[str, Any]:
    """Grading by points: milestone points on the steps, a table for the other scales (awe too),
    fractional thresholds, rank 0, and an x- key inside the grading object."""
    return {
        "format": FORMAT_V2,
        "framework": _framework("tidewater", "Tidewater growth framework"),
        "scales": [
            {
                "slug": "milestones",
                "name": "Milestones",
                "steps": [
                    {"code": "M1", "name": "Milestone 1", "points": 1},
                    {"code": "M2", "name": "Milestone 2", "points": 2.5},
                    {"code": "M3", "name": "Milestone 3", "points": 0},
                ],
            },
            {
                "slug": "stars",
                "name": "Stars",
                "steps": [{"code": "s1", "name": "One star"}, {"code": "s2", "name": "Two stars"}],
            },
        ],
        "domains": [
            {"slug": "building", "name": "Building"},
            {"slug": "helping", "name": "Helping"},
        ],
        "skills": [
            {
                "slug": "tw-building",
                "name": "Building",
                "domain": "building",
                "scale": "milestones",
            },
            {"slug": "tw-helping", "name": "Helping others", "domain": "helping", "scale": "stars"},
            {"slug": "tw-tooling", "name": "Tooling", "domain": "building"},
        ],
        "roles": [
            {
                "slug": "tw-engineer",
                "title": "Engineer",
                "family": {"slug": "tidewater", "name": "Tidewater"},
                "layout": "steps",
                "grading": {
                    "rule": "points",
                    "points": {
                        "stars": {"s1": 2, "s2": 5},
                        "awe": {"A": 1, "W": 2, "E": 4},
                        "milestones": {"M3": 7},
                    },
                    "thresholds": {"g1": 0, "g2": 3.5, "g3": 10},
                    "x-rounding": "down",
                },
                "levels": [
                    {"code": "g1", "name": "Grade 1", "rank": 0},
                    {"code": "g2", "name": "Grade 2", "rank": 1},
                    {"code": "g3", "name": "Grade 3", "rank": 2},
                ],
                "skills": [
                    {"skill": "tw-building", "requirements": {}},
                    {"skill": "tw-helping", "requirements": {"g1": None, "g2": None, "g3": "s2"}},
                    {"skill": "tw-tooling", "requirements": {"g1": "A", "g2": "W", "g3": "E"}},
                ],
            }
        ],
    }


def _depth_steps(topic: str) -> dict[str, Any]:
    return {
        str(step): {
            "summary": f"{topic} at depth {step}.",
            "details": f"What depth {step} of {topic} looks like day to day.",
            "examples": [f"A made-up {topic} example at depth {step}."],
            "links": [
                {"url": f"https://example.org/{topic}/{step}", "x-kind": "guide"},
                {"title": "Also", "url": f"http://example.org/{topic}/{step}/more"},
            ],
            "x-reviewed": step % 2 == 0,
        }
        for step in range(1, 6)
    }


def five_step_forked() -> dict[str, Any]:
    """A five-step scale with every step described, skills with text at every step, and a
    ladder that forks into two tracks after the third level."""
    tracks = [
        {"code": "builder", "name": "Builder", "x-colour": "teal"},
        {"code": "leader", "name": "Leader", "description": "Grows a team."},
    ]
    common = [
        {"code": "l1", "name": "Level one", "rank": 1},
        {"code": "l2", "name": "Level two", "rank": 2, "stack": ["Rust", "SQLite"]},
        {"code": "l3", "name": "Level three", "rank": 3, "focus": "Owns a service."},
    ]
    forked = [
        {"code": f"{prefix}{rank}", "name": f"{track} {rank}", "rank": rank, "track": code}
        for rank in (4, 5)
        for prefix, track, code in (("b", "Builder", "builder"), ("m", "Leader", "leader"))
    ]
    levels = common + forked
    return {
        "format": FORMAT_V2,
        "framework": _framework(
            "quillon",
            "Quillon engineering",
            source={"version": "3", "notes": "Made up for tests.", "x-id": 7},
        ),
        "scales": [
            {
                "slug": "depth",
                "name": "Depth",
                "description": "How deep the skill goes.",
                "steps": [
                    {"code": str(n), "name": f"Depth {n}", "description": f"Depth {n} of 5."}
                    for n in range(1, 6)
                ],
                "x-origin": "tests",
            }
        ],
        "tracks": tracks,
        "domains": [{"slug": "engineering", "name": "Engineering", "x-order": 1}],
        "skills": [
            {
                "slug": "q-design",
                "name": "Design",
                "domain": "engineering",
                "scale": "depth",
                "steps": _depth_steps("design"),
            },
            {
                "slug": "q-care",
                "name": "Care",
                "domain": "engineering",
                "scale": "depth",
                "steps": _depth_steps("care"),
                "x-owner": "guild",
            },
        ],
        "roles": [
            {
                "slug": "q-engineer",
                "title": "Engineer",
                "family": {"slug": "quillon", "name": "Quillon"},
                "levels": levels,
                "skills": [
                    {
                        "skill": "q-design",
                        "requirements": {
                            "l1": "1",
                            "l2": "2",
                            "l3": {"code": "3", "details": "Designs alone."},
                            "b4": "4",
                            "m4": {"code": "3", "mandatory": False},
                            "b5": "5",
                            "m5": "n/a",
                        },
                    },
                    {
                        "skill": "q-care",
                        "requirements": {
                            "l1": "n/a",
                            "l2": "1",
                            "l3": "2",
                            "b4": "3",
                            "m4": "4",
                            "b5": "4",
                            "m5": {"code": "5", "x-why": "the team's health"},
                        },
                    },
                ],
            }
        ],
    }


def yes_no_checklist() -> dict[str, Any]:
    """A checklist of behaviours on a yes/no scale, levels carrying sections of text and items."""
    behaviours = [
        ("cl-writes-it-down", "Writes decisions down where the team finds them"),
        ("cl-asks", "Asks before assuming"),
        ("cl-tidies", "Leaves the code tidier than found"),
    ]
    return {
        "format": FORMAT_V2,
        "framework": _framework("ledger", "Ledger behaviours"),
        "scales": [
            {
                "slug": "yes-no",
                "name": "Yes or no",
                "steps": [{"code": "no", "name": "Not yet"}, {"code": "yes", "name": "Yes"}],
            }
        ],
        "domains": [{"slug": "habits", "name": "Habits"}],
        "skills": [
            {"slug": slug, "name": name, "domain": "habits", "scale": "yes-no"}
            for slug, name in behaviours
        ],
        "roles": [
            {
                "slug": "cl-analyst",
                "title": "Analyst",
                "family": {"slug": "ledger", "name": "Ledger"},
                "layout": "checklist",
                "levels": [
                    {
                        "code": "a1",
                        "name": "Analyst",
                        "sections": [
                            {"title": "Scope", "text": "Own tasks.", "items": ["One", "Two"]},
                            {"title": "Impact", "items": ["The team"], "x-icon": "star"},
                        ],
                    },
                    {
                        "code": "a2",
                        "name": "Senior Analyst",
                        "sections": [{"title": "Scope", "text": "A product area."}],
                    },
                ],
                "skills": [
                    {"skill": "cl-writes-it-down", "requirements": {"a1": "yes", "a2": "yes"}},
                    {"skill": "cl-asks", "requirements": {"a1": "no", "a2": "yes"}},
                    {"skill": "cl-tidies", "requirements": {"a1": None, "a2": "yes"}},
                ],
            }
        ],
    }


def _band_role(slug: str, title: str, share: float, overrides: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": title,
        "tagline": f"{title} on the shared band.",
        "family": {"slug": "band", "name": "Band", "x-cost-centre": slug},
        "key_domains": ["core"],
        "grading": {"rule": "cumulative", "optional_share": share},
        "levels": [
            {"code": "p1", "name": "Practitioner 1", "short": "P1", "rank": 10},
            {"code": "p2", "name": "Practitioner 2", "short": "P2", "rank": 20, "x-pay": "b2"},
            {"code": "lead", "name": "Lead", "rank": 30, "track": "lead"},
        ],
        **overrides,
        "x-team": title.lower(),
    }


def band_of_roles() -> dict[str, Any]:
    """Three roles on one band of ranks, sharing skills, each overriding domains, descriptions and
    the names of the built-in scale; a track whose code is also a level code."""
    frontend = _band_role(
        "band-frontend",
        "Frontend",
        0,
        {
            "legend": [
                {"code": "E", "name": "Leads", "description": "Sets the direction."},
                {"code": "A", "name": "Awareness", "x-hint": "default name, kept for this key"},
            ],
            "skills": [
                {"skill": "band-review", "requirements": {"p1": "A", "p2": "W", "lead": "E"}},
                {
                    "skill": "band-testing",
                    "domain": "quality",
                    "description": "Browser tests, for frontend.",
                    "requirements": {"p1": "W", "p2": None, "lead": {"code": "E", "x-n": 1}},
                    "x-row": True,
                },
            ],
        },
    )
    backend = _band_role(
        "band-backend",
        "Backend",
        0.25,
        {
            "layout": "matrix",
            "legend": [{"code": "W", "name": "Does it"}],
            "skills": [
                {"skill": "band-testing", "requirements": {"p1": "A", "p2": "W", "lead": "W"}},
                {"skill": "band-review", "domain": "quality", "requirements": {"lead": "E"}},
            ],
        },
    )
    data = _band_role(
        "band-data",
        "Data",
        1,
        {
            "skills": [
                {"skill": "band-review", "requirements": {}},
                {"skill": "band-testing", "requirements": {"p2": {"summary": "Checks data."}}},
            ],
        },
    )
    return {
        "format": FORMAT_V2,
        "framework": _framework("band", "Band framework", **{"x-lang": "en"}),
        "tracks": [{"code": "lead", "name": "Lead"}],
        "domains": [
            {"slug": "core", "name": "Core"},
            {"slug": "quality", "name": "Quality"},
            {"slug": "unused", "name": "Nobody uses this"},
        ],
        "skills": [
            {"slug": "band-review", "name": "Code review", "domain": "core"},
            {"slug": "band-testing", "name": "Testing", "domain": "core", "scale": "awe"},
        ],
        "roles": [frontend, backend, data],
    }


def role_without_levels() -> dict[str, Any]:
    """A post with no ladder (skills listed, nothing asked per level), and a role with nothing."""
    return {
        "format": FORMAT_V2,
        "framework": _framework("solo", "Solo posts"),
        "domains": [{"slug": "leading", "name": "Leading"}],
        "skills": [
            {"slug": "solo-vision", "name": "Vision", "domain": "leading"},
            {"slug": "solo-budget", "name": "Budget", "domain": "leading"},
        ],
        "roles": [
            {
                "slug": "solo-cto",
                "title": "CTO",
                "family": {"slug": "solo", "name": "Solo"},
                "grading": {
                    "rule": "points",
                    "points": {"awe": {"A": 1, "W": 2, "E": 3}},
                    "thresholds": {},
                },
                "levels": [],
                "skills": [
                    {"skill": "solo-vision", "requirements": {}},
                    {"skill": "solo-budget", "description": "Owns it.", "requirements": {}},
                ],
            },
            {
                "slug": "solo-empty",
                "title": "Empty",
                "family": {"slug": "solo", "name": "Solo"},
                "key_domains": ["leading"],
                "levels": [],
                "skills": [],
            },
        ],
    }


def twelve_levels() -> dict[str, Any]:
    """Twelve levels (names long enough to need a default short name) and one skill each."""
    levels = [
        {"code": f"t{n:02d}", "name": f"Technical staff member grade {n}", "rank": n}
        for n in range(1, 13)
    ]
    codes = ("A", "W", "E")
    return {
        "format": FORMAT_V2,
        "framework": _framework("twelve", "Twelve grades"),
        "domains": [{"slug": "all", "name": "All"}],
        "skills": [{"slug": f"tw-{n}", "name": f"Skill {n}", "domain": "all"} for n in range(12)],
        "roles": [
            {
                "slug": "twelve",
                "title": "Twelve",
                "family": {"slug": "twelve", "name": "Twelve"},
                "levels": levels,
                "skills": [
                    {
                        "skill": f"tw-{n}",
                        "requirements": {
                            level["code"]: codes[min(index // 4, 2)]
                            for index, level in enumerate(levels)
                            if index >= n
                        },
                    }
                    for n in range(12)
                ],
            }
        ],
    }


def long_behaviours() -> dict[str, Any]:
    """Behaviours named in whole sentences: 400 characters, and one at the 500 limit."""
    sentence = "Notices, names and follows up on a risk to the team's delivery before it lands; "
    names = [(f"#{n} " + sentence * 6)[:399].rstrip() for n in range(3)]
    names = [name + "." * (400 - len(name)) for name in names]
    names.append("x" * 500)
    return {
        "format": FORMAT_V2,
        "framework": _framework("sentences", "Sentences"),
        "scales": [{"slug": "shown", "name": "Shown", "steps": [{"code": "Y", "name": "Shown"}]}],
        "domains": [{"slug": "ways", "name": "Ways of working"}],
        "skills": [
            {"slug": f"s-{n}", "name": name, "domain": "ways", "scale": "shown"}
            for n, name in enumerate(names)
        ],
        "roles": [
            {
                "slug": "sentences",
                "title": "Sentences",
                "family": {"slug": "sentences", "name": "Sentences"},
                "layout": "checklist",
                "levels": [{"code": "one", "name": "One"}, {"code": "two", "name": "Two"}],
                "skills": [
                    {"skill": f"s-{n}", "requirements": {"one": None, "two": "Y"}}
                    for n in range(len(names))
                ],
            }
        ],
    }


MARKDOWN = (
    "**Bold** and _em_ – see [the guide](https://example.org/guide?a=1&b=2) 🚢\n\n"
    '<script>alert("x")</script> <b onclick="x()">raw</b> &amp; `code`'
)


def _md(label: str) -> str:
    return f"{label}: {MARKDOWN}"


def _line_md(label: str) -> str:
    return f"{label} <i>raw</i> [link](https://example.org/{label}) & **bold**"


def markdown_everywhere() -> dict[str, Any]:
    """Markdown with links and raw HTML in every text field (kept verbatim; rendering is not
    the parser's business)."""
    content = {
        "summary": _line_md("summary"),
        "details": _md("details"),
        "examples": [_md("example 1"), _md("example 2")],
        "links": [{"title": _line_md("link"), "url": 'https://example.org/<b>?q="x"'}],
    }
    return {
        "format": FORMAT_V2,
        "framework": _framework(
            "md",
            _line_md("framework"),
            description=_md("framework"),
            source={
                "url": "https://example.org/src",
                "licence": _line_md("licence"),
                "attribution": _line_md("attribution"),
                "version": _line_md("version"),
                "notes": _md("notes"),
            },
        ),
        "scales": [
            {
                "slug": "md-scale",
                "name": _line_md("scale"),
                "description": _md("scale"),
                "steps": [{"code": "S", "name": _line_md("step"), "description": _md("step")}],
            }
        ],
        "tracks": [{"code": "md", "name": _line_md("track"), "description": _md("track")}],
        "domains": [{"slug": "md", "name": _line_md("domain"), "description": _md("domain")}],
        "skills": [
            {
                "slug": "md-skill",
                "name": _line_md("skill"),
                "domain": "md",
                "scale": "md-scale",
                "description": _md("skill"),
                "steps": {"S": content},
            },
            {"slug": "md-awe", "name": _line_md("awe skill"), "domain": "md"},
        ],
        "roles": [
            {
                "slug": "md-role",
                "title": _line_md("title"),
                "tagline": _line_md("tagline"),
                "description": _md("role"),
                "family": {"slug": "md", "name": _line_md("family")},
                "key_domains": ["md"],
                "legend": [{"code": "W", "name": _line_md("legend"), "description": _md("legend")}],
                "levels": [
                    {
                        "code": "m1",
                        "name": _line_md("level"),
                        "short": "<b>M1</b>",
                        "track": "md",
                        "focus": _md("focus"),
                        "stack": ["<b>Py</b>", "[SQL](https://example.org/sql)"],
                        "sections": [
                            {
                                "title": _line_md("section"),
                                "text": _md("section"),
                                "items": [_md("item")],
                            }
                        ],
                    }
                ],
                "skills": [
                    {
                        "skill": "md-skill",
                        "description": _md("row"),
                        "requirements": {"m1": {"code": "S", **content}},
                    },
                    {"skill": "md-awe", "requirements": {"m1": {"code": "W", **content}}},
                ],
            }
        ],
    }


FIXTURES = {
    "points ladder": points_ladder,
    "five-step forked": five_step_forked,
    "yes/no checklist": yes_no_checklist,
    "band of roles": band_of_roles,
    "role without levels": role_without_levels,
    "twelve levels": twelve_levels,
    "long behaviours": long_behaviours,
    "markdown everywhere": markdown_everywhere,
}
