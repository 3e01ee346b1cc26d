from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillsmatrix.safejson import JSONInputError, check_value, load_json

_clean_text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _clean_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_clean_text, children, max_size=4)
    ),
    max_leaves=30,
)


@given(_json_values)
def test_clean_json_decodes_as_json_loads_does(value):
    text = json.dumps(value)
    assert load_json(text) == json.loads(text)
    assert load_json(text.encode()) == json.loads(text)


@given(st.text() | st.binary())
def test_any_input_decodes_or_is_refused_with_a_path(raw):
    refusal: JSONInputError | None = None
    try:
        load_json(raw)
    except JSONInputError as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.path.startswith("$")
        assert "\n" not in str(refusal)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ('{"a": [0, {"b": ' + "[" * 40 + "]" * 40 + "}]}", "$.a[1].b" + "[0]" * 29),
        ('{"a b": {"c": ' + "[" * 40 + "]" * 40 + "}}", "$['a b'].c" + "[0]" * 30),
        ('["]]]]", "\\"[[[", ' + "[" * 40 + "]" * 40 + "]", "$[2]" + "[0]" * 31),
    ],
)
def test_nesting_is_reported_where_it_goes_too_deep(raw, path):
    with pytest.raises(JSONInputError) as caught:
        load_json(raw)
    assert caught.value.path == path
    assert caught.value.problem == "nested deeper than 32 levels"


def test_the_first_problem_in_document_order_is_reported():
    with pytest.raises(JSONInputError) as caught:
        check_value({"a": ["ok", "bad\x00"], "b": "\ud800"})
    assert caught.value.path == "$.a[1]"
