import sys

import pytest

import course.checks
from course.checks import Check, check, lookup, question, run_question
from course.checks.registry import (
    UnknownQuestionError,
    domain_of,
    forget,
    hidden_questions,
    known_domains,
    registering_hidden,
)


def test_a_check_needs_a_hint_a_callable_and_a_positive_timeout():
    with pytest.raises(ValueError, match="needs a hint"):
        Check(hint="  ", run=lambda: True)
    with pytest.raises(TypeError, match="run must be a function of no arguments"):
        Check(hint="h", run=True)
    for bad in (0, -1, True, "2"):
        with pytest.raises(ValueError, match="timeout must be a positive number"):
            Check(hint="h", run=lambda: True, timeout=bad)
    assert Check(hint="h", run=lambda: True).timeout == 2.0


@pytest.mark.parametrize("bad", ["nodot", " gateway.x", "gateway.x ", 3])
def test_question_ids_are_domain_dot_name(bad):
    with pytest.raises(ValueError, match=r"a question id is '<domain>\.<name>'"):
        question(bad)


def test_the_domain_is_the_text_before_the_first_dot():
    assert domain_of("gateway.token_bucket.v2") == "gateway"


def test_a_domain_module_is_imported_on_demand_from_the_checks_package(tmp_path, monkeypatch, capsys):
    (tmp_path / "ondemand.py").write_text(
        "from course.checks import Check, question\n"
        "LOADED = True\n"
        "@question('ondemand.hello', title='Say hello')\n"
        "def hello(f):\n"
        "    yield Check(hint=\"f() should be 'hello'\", run=lambda: f() == 'hello')\n"
    )
    monkeypatch.setattr(course.checks, "__path__", [*course.checks.__path__, str(tmp_path)])
    try:
        assert "ondemand" in known_domains()
        assert "course.checks.ondemand" not in sys.modules
        check("ondemand.hello", lambda: "hello")
        assert (
            capsys.readouterr().out == "✓ ondemand.hello: the only check passed (your instructor may run more checks)\n"
        )
        assert lookup("ondemand.hello").title == "Say hello"
    finally:
        forget("ondemand.hello")
        sys.modules.pop("course.checks.ondemand", None)


def test_a_broken_domain_module_is_reported_as_the_authors_problem(tmp_path, monkeypatch, capsys):
    (tmp_path / "brokendomain.py").write_text("import no_such_module_anywhere\n")
    monkeypatch.setattr(course.checks, "__path__", [*course.checks.__path__, str(tmp_path)])
    check("brokendomain.q", 1)
    assert capsys.readouterr().out == (
        "⚠ brokendomain.q: the checks for this question could not load (ModuleNotFoundError: No module named "
        "'no_such_module_anywhere'): tell your instructor\n"
    )


@pytest.mark.parametrize("machinery", ["registry", "feedback", "hidden", "timelimit"])
def test_the_frameworks_own_modules_are_not_domains(machinery):
    assert machinery not in known_domains()
    with pytest.raises(UnknownQuestionError, match="no question"):
        lookup(f"{machinery}.check")


def test_a_question_that_yields_something_else_is_broken_not_the_learners_fault():
    @question("fixture.broken")
    def broken(f):
        yield "not a check"

    try:
        result = run_question("fixture.broken", lambda: 1)
        assert result.status == "broken"
        assert result.line.startswith("⚠ fixture.broken: this question is broken (question 'fixture.broken' yielded")
    finally:
        forget("fixture.broken")


def test_a_question_may_return_a_single_check_and_registering_again_replaces_it():
    @question("fixture.single")
    def first(f):
        return Check(hint="f() should be 1", run=lambda: f() == 1)

    @question("fixture.single", title="Replaced")
    def second(f):
        return [Check(hint="f() should be 2", run=lambda: f() == 2)]

    try:
        assert lookup("fixture.single").title == "Replaced"
        assert run_question("fixture.single", lambda: 2).ok
    finally:
        forget("fixture.single")


def test_hidden_questions_stay_out_of_lookup_and_registering_hidden_forces_them_hidden():
    @question("fixture.add", hidden=True)
    def extra(f):
        yield Check(hint="big numbers", run=lambda: f(10**9, 1) == 10**9 + 1)

    with registering_hidden():

        @question("fixture.add")  # an instructor forgot hidden=True: still hidden
        def forgot(f):
            yield Check(hint="negative numbers", run=lambda: f(-5, -5) == -10)

    try:
        assert lookup("fixture.add").title == "Add two numbers"  # the visible one is untouched
        assert sorted(q.build.__name__ for q in hidden_questions("fixture.add")) == ["extra", "forgot"]
        assert all(q.hidden for q in hidden_questions("fixture.add"))
    finally:
        from course.checks.registry import _HIDDEN

        _HIDDEN.pop("fixture.add", None)


def test_a_question_with_rng_gets_a_stream_seeded_by_its_id():
    q = lookup("fixture.add")
    hints = [c.hint for c in q.checks(lambda a, b: a + b)]
    assert hints == [c.hint for c in q.checks(lambda a, b: a + b)]
    assert hints != [c.hint for c in q.checks(lambda a, b: a + b, seed=1)]
