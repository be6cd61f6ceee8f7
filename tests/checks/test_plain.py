import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.checks.plain import MAX_TEXT, NotPlain, decode, describe, encode, same

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
keys = st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.tuples(st.integers(), st.text(max_size=5))
plain = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(keys, inner, max_size=4)
        | st.frozensets(st.integers() | st.text(max_size=5), max_size=4).map(set)
    ),
    max_leaves=12,
)


def kinds(value):
    """The value's shape: every type, all the way down (so a tuple that came back as a list is caught)."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [kinds(v) for v in value])
    if isinstance(value, dict):
        return ("dict", sorted((repr(k), kinds(v)) for k, v in value.items()))
    return type(value).__name__


@given(plain)
def test_plain_values_cross_unchanged_in_value_and_type(value):
    back = decode(encode(value))
    assert kinds(back) == kinds(value)
    assert same(back, value) if not _has_set_or_dict_with_nan(value) else repr(back) == repr(value)


def _has_set_or_dict_with_nan(value):
    return "nan" in repr(value)


class AlwaysEqual:
    def __eq__(self, other):
        return True


class SneakyInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize(
    "value, what",
    [
        (AlwaysEqual(), "returned an AlwaysEqual object"),
        (SneakyInt(5), "returned a SneakyInt object"),
        ([1, AlwaysEqual()], "returned an AlwaysEqual object"),
        ({"a": (x for x in [])}, "returned a generator object"),
        (len, "returned a builtin_function_or_method object"),
    ],
)
def test_anything_that_is_not_plain_data_is_refused_with_what_it_was(value, what):
    with pytest.raises(NotPlain, match=what):
        encode(value)


def test_numpy_numbers_become_the_python_numbers_they_hold():
    np = pytest.importorskip("numpy")
    assert decode(encode([np.int64(3), np.float64(0.5), np.bool_(True)])) == [3, 0.5, True]
    with pytest.raises(NotPlain, match="returned a ndarray object"):
        encode(np.arange(3))


def test_text_that_encode_never_writes_is_refused():
    for text in ["not json", '{"$": "bytes", "v": []}', '{"$": "set", "v": [[1]]}', "[" * 100 + "]" * 100, 5]:
        with pytest.raises(NotPlain):
            decode(text)
    with pytest.raises(NotPlain, match="at most"):
        encode("x" * MAX_TEXT)


def test_same_compares_as_a_reader_would_but_never_a_bool_with_a_number():
    assert same([1, 2.0], (1, 2)) and same({"a": 1}, {"a": 1.0}) and same(float("nan"), float("nan"))
    assert not same(True, 1) and not same(1, True) and not same(None, 0) and not same("1", 1)
    assert not same({"a": 1, "b": 2}, {"a": 1}) and not same([1], [1, 1]) and not same({1}, [1])


def test_describe_keeps_one_short_line_and_says_how_long_a_list_was():
    assert describe("two\nlines") == "'two\\nlines'"
    assert describe(list(range(1000)), width=30) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, …] (1000 items)"
    assert len(describe("x" * 500)) < 110
