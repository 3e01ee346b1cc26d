"""Typed changes to a role (DESIGN §5 "Change sets"), pure: no ORM, no database.

- :mod:`roles.changes.state`: a role's content as a :class:`~roles.changes.state.RoleState` (what a
  §4 document says, minus formatting), its levels, skills and cells.
- :mod:`roles.changes.types`: the change types, frozen keyword-only dataclasses with an ``op``
  name, their JSON form (``{"op": "set_requirement", "skill": "docker", ...}``:
  ``parse_changes``, ``changes_as_json``), what a proposal may carry (``PROPOSAL_OPS``) and
  ``apply_changes``, which checks a whole list against a state and reports the changes that make
  no difference.
- :mod:`roles.changes.fields`: how each field of a change parses from JSON.
- :mod:`roles.changes.errors`: why a list cannot apply, as data (``ChangeProblem``: the change and
  field by JSON path, a code, the values it names), rendered in the active language when read.
- :mod:`roles.changes.diff`: ``role_diff`` compares two states cell by cell, ``preview`` is the
  diff a change list would make, ``changes_between`` the change list that turns one state into
  another (an import).

Every change names the *places* it touches (``cell:docker:senior``, ``skill:docker``,
``level:senior:focus`` …); a version records the places it changed, so a change set written
against an older version conflicts exactly when the two sets of places meet.

Nothing is re-exported here: import each name from the module that holds it.
"""
