"""The static look at an answer's cells for code its question puts off-limits."""

# ruff: noqa: E501 (the cases read best as one notebook per line)

import pytest

from course.grading.offlimits import off_limits_use

BUCKET = ("course.gateway.TokenBucket",)


def use(*cells, rules=BUCKET, question="gateway.token_bucket"):
    return off_limits_use(list(cells), len(cells) - 1, question, rules)


@pytest.mark.parametrize(
    "cells, found",
    [
        (["from course.gateway import TokenBucket", "check('gateway.token_bucket', TokenBucket)"], "course.gateway.TokenBucket (cell 1)"),
        (["import course.gateway as g", "make = lambda c, r: g.TokenBucket(c, r)", "check('gateway.token_bucket', make)"], "course.gateway.TokenBucket (cell 2)"),
        (["from course.gateway import *", "def make(c, r):\n    return TokenBucket(c, r)", "check('gateway.token_bucket', make)"], "course.gateway.TokenBucket (cell 2)"),
        (["def make(c, r):\n    from course.gateway.rate_limit import TokenBucket\n    return TokenBucket(c, r)", "check('gateway.token_bucket', make)"], "course.gateway.rate_limit.TokenBucket (cell 1)"),
        (["from course.gateway import TokenBucket as TB", "class Mine(TB):\n    pass", "Alias = Mine", "check('gateway.token_bucket', Alias)"], "course.gateway.TokenBucket (cell 1)"),
        (["if True:\n    from course import gateway", "def make(c, r):\n    return gateway.TokenBucket(c, r)", "check('gateway.token_bucket', make)"], "course.gateway.TokenBucket (cell 2)"),
        (["import importlib", "def make(c, r):\n    m = importlib.import_module('course.gateway')\n    return m.TokenBucket(c, r)", "check('gateway.token_bucket', make)"], "TokenBucket (cell 2)"),
    ],
)  # fmt: skip
def test_every_way_of_reaching_the_forbidden_class_is_found(cells, found):
    assert use(*cells) == f"uses {found}, which gateway.token_bucket puts off-limits: write that part yourself"


def test_text_naming_it_or_code_given_as_text_is_found_too():
    by_name = use(
        "import course.gateway as g",
        "make = lambda c, r: getattr(g, 'TokenBucket')(c, r)",
        "check('gateway.token_bucket', make)",
    )
    assert by_name == "names TokenBucket in text (cell 2), off-limits in gateway.token_bucket"
    by_exec = use(
        "exec('from course.gateway import TokenBucket as B')",
        "def make(c, r):\n    return B(c, r)",
        "check('gateway.token_bucket', make)",
    )
    assert by_exec is None  # a name made by exec() in a cell outside the answer's definitions: beyond a static look
    inside = use(
        "def make(c, r):\n    exec('from course.gateway import TokenBucket')\n    return 1",
        "check('gateway.token_bucket', make)",
    )
    assert (
        inside
        == "uses course.gateway.TokenBucket (cell 1), which gateway.token_bucket puts off-limits: write that part yourself"
    )


@pytest.mark.parametrize(
    "cells",
    [
        ["from course.gateway import TokenBucket", "class Mine:\n    '''Not a TokenBucket, my own.'''\n    def allow(self, now):\n        return True", "check('gateway.token_bucket', Mine)"],
        ["class TokenBucket:\n    pass", "check('gateway.token_bucket', TokenBucket)"],
        ["def f(assign):\n    x = assign\n    return x", "check('gateway.token_bucket', f)"],
        ["def p():\n    return 30", "check('gateway.token_bucket', p)", "from course.gateway import TokenBucket\nTokenBucket(10, 5)"],
        ["%matplotlib inline\nimport math", "def f(x):\n    return math.sqrt(x)", "check('gateway.token_bucket', f)"],
        ["def broken(:\n", "check('gateway.token_bucket', len)"],
    ],
)  # fmt: skip
def test_honest_answers_are_left_alone(cells):
    check_cell = next(i for i, c in enumerate(cells) if c.startswith("check("))
    assert off_limits_use(cells, check_cell, "gateway.token_bucket", BUCKET) is None


def test_the_checks_own_code_is_off_limits_for_every_question_but_check_and_the_givens():
    reference = use(
        "from course.checks.messaging import workers_needed",
        "def f(*a):\n    return workers_needed(*a)",
        "check('q.x', f)",
        rules=(),
        question="q.x",
    )
    assert (
        reference
        == "uses course.checks.messaging.workers_needed (cell 1), the checks' own reference code, which no answer may use"
    )
    given = use(
        "from course.checks import check\nfrom course.checks.balancing import pool_scenario",
        "def plan(rate):\n    pool_scenario(rate, 'x', 3)\n    return ('x', 3)",
        "check('q.x', plan)",
        rules=(),
        question="q.x",
    )
    assert given is None


def test_a_whole_module_can_be_off_limits():
    assert use(
        "import statistics",
        "def mean(xs):\n    return statistics.fmean(xs)",
        "check('demo.mean', mean)",
        rules=("statistics.*",),
        question="demo.mean",
    ) == ("uses statistics.fmean (cell 2), which demo.mean puts off-limits: write that part yourself")
