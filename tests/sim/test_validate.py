"""The one validator module: every check returns the value or names the argument, the need and why."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.sim import validate

NOT_NUMBERS = [math.nan, math.inf, -math.inf, True, False, "1", None, [1], 1j, 10**400]


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=repr)
@pytest.mark.parametrize(
    "check",
    [
        lambda v: validate.number("x", v),
        lambda v: validate.number("x", v, minimum=-1e300, maximum=math.inf),
        lambda v: validate.number("x", v, above=-1e300, below=1e300),
        lambda v: validate.duration("x", v),
        lambda v: validate.rate("x", v),
        lambda v: validate.probability("x", v),
        lambda v: validate.until(v, name="x"),
        lambda v: validate.whole("x", v, minimum=-(10**9)),
    ],
)
def test_nothing_but_a_finite_real_number_passes_a_number_check(check, bad):
    with pytest.raises(ValueError, match=r"^x must be "):
        check(bad)


@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_a_number_check_accepts_exactly_the_values_in_its_bounds(value, a, b):
    low, high = sorted((a, b))
    try:
        got = validate.number("x", value, minimum=low, maximum=high)
    except ValueError as error:
        assert not low <= value <= high
        assert str(error).startswith(f"x must be a number from {low:g} to {high:g} (got ")
    else:
        assert low <= value <= high and got == value
    inside = low < value < high
    try:
        validate.number("x", value, above=low, below=high)
    except ValueError:
        assert not inside
    else:
        assert inside


def test_numpy_numbers_are_numbers_too():
    assert validate.number("x", np.float32(0.5)) == 0.5
    assert validate.whole("x", np.int64(3)) == 3 and type(validate.whole("x", np.int64(3))) is int


def test_whole_numbers_name_their_bounds():
    with pytest.raises(ValueError, match=r"^n must be a whole number of at most 10 \(got 11\)"):
        validate.whole("n", 11, maximum=10)
    with pytest.raises(ValueError, match=r"^n must be a whole number of at least 1 \(got 1.0\)"):
        validate.whole("n", 1.0, minimum=1)


def test_items_never_drains_an_endless_iterator():
    def endless():
        while True:
            yield 1

    with pytest.raises(ValueError, match=r"^xs must hold at most 5 items \(got more than 5\)"):
        validate.items("xs", endless(), maximum=5)
    assert validate.items("xs", range(3)) == [0, 1, 2]
    for bad in ("abc", b"abc", 3, None):
        with pytest.raises(ValueError, match=r"^xs must be a list"):
            validate.items("xs", bad)


def test_distinct_covers_and_function_name_the_argument():
    with pytest.raises(ValueError, match=r"^names must not repeat a value \(got 'a' twice\)"):
        validate.distinct("names", ["a", "b", "a"])
    with pytest.raises(ValueError, match=r"^pos must have an entry for every one of 'a', 'b' \(none for 'b'\)"):
        validate.covers("pos", {"a": 1}, ["a", "b"])
    with pytest.raises(ValueError, match=r"^callback must be a function \(got 3\)"):
        validate.function("callback", 3)


def test_instance_uses_a_or_an_as_english_does():
    with pytest.raises(ValueError, match=r"^x must be an int or a str \(got 1.5\)"):
        validate.instance("x", 1.5, (int, str))
    with pytest.raises(ValueError, match=r"^x must be an Exception \(got 1\)"):
        validate.instance("x", 1, Exception)
