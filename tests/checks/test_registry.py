import sys

import pytest

import course.checks
from course.checks import Check, call, check, lookup, question, run_question
from course.checks.registry import (
    QUESTIONS_ENV,
    QuestionDefinitionError,
    UnknownQuestionError,
    domain_of,
    forget,
    hidden_questions,
    known_domains,
    registering_hidden,
)


def test_a_check_needs_a_hint_an_ask_an_expectation_and_a_positive_timeout():
    with pytest.raises(ValueError, match="needs a hint"):
        Check(hint="  ", ask=call(), expect=1)
    with pytest.raises(TypeError, match=r"ask must say what to compute from the answer \(got True\), e.g. ask=call"):
        Check(hint="h", ask=True, expect=1)
    with pytest.raises(TypeError, match="a check needs expect="):
        Check(hint="h", ask=call())
    for bad in (0, -1, True, "2"):
        with pytest.raises(ValueError, match="timeout must be a positive number"):
            Check(hint="h", ask=call(), expect=1, timeout=bad)
    with pytest.raises(TypeError, match="hint_on must be a tuple of exception names"):
        Check(hint="h", ask=call(), expect=1, hint_on="KeyError")
    assert Check(hint="h", ask=call(), expect=None).timeout == 2.0  # None is a fine expectation


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
        "from course.checks import call\n"
        "@question('ondemand.hello', title='Say hello')\n"
        "def hello():\n"
        "    yield Check(hint=\"f() should be 'hello'\", ask=call(), expect='hello')\n"
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


@pytest.mark.parametrize(
    "machinery",
    ["registry", "feedback", "hidden", "timelimit", "plain", "asks", "probes", "verdict", "remote", "kernel"],
)
def test_the_frameworks_own_modules_are_not_domains(machinery):
    assert machinery not in known_domains()
    with pytest.raises(UnknownQuestionError, match="no question"):
        lookup(f"{machinery}.check")


def test_a_question_that_yields_something_else_is_broken_not_the_learners_fault():
    @question("fixture.broken")
    def broken():
        yield "not a check"

    try:
        result = run_question("fixture.broken", lambda: 1)
        assert result.status == "broken"
        assert result.line.startswith("⚠ fixture.broken: this question is broken (question 'fixture.broken' yielded")
    finally:
        forget("fixture.broken")


def test_a_question_may_return_a_single_check_and_registering_again_replaces_it():
    @question("fixture.single")
    def first():
        return Check(hint="f() should be 1", ask=call(), expect=1)

    @question("fixture.single", title="Replaced")
    def second():
        return [Check(hint="f() should be 2", ask=call(), expect=2)]

    try:
        assert lookup("fixture.single").title == "Replaced"
        assert run_question("fixture.single", lambda: 2).ok
    finally:
        forget("fixture.single")


def test_hidden_questions_stay_out_of_lookup_and_registering_hidden_forces_them_hidden():
    @question("fixture.add", hidden=True)
    def extra():
        yield Check(hint="big numbers", ask=call(10**9, 1), expect=10**9 + 1)

    with registering_hidden():

        @question("fixture.add")  # an instructor forgot hidden=True: still hidden
        def forgot():
            yield Check(hint="negative numbers", ask=call(-5, -5), expect=-10)

    try:
        assert lookup("fixture.add").title == "Add two numbers"  # the visible one is untouched
        assert sorted(q.build.__name__ for q in hidden_questions("fixture.add")) == ["extra", "forgot"]
        assert all(q.hidden for q in hidden_questions("fixture.add"))
    finally:
        from course.checks.registry import _HIDDEN

        _HIDDEN.pop("fixture.add", None)


def test_a_question_with_rng_gets_a_stream_seeded_by_its_id():
    q = lookup("fixture.add")
    hints = [c.hint for c in q.checks()]
    assert hints == [c.hint for c in q.checks(seed=0)]
    assert hints != [c.hint for c in q.checks(seed=1)]


def test_a_question_written_the_old_way_says_how_to_write_it_now():
    @question("fixture.old")
    def old(f):
        yield Check(hint="f() should be 1", ask=call(), expect=1)

    try:
        with pytest.raises(QuestionDefinitionError, match="a question no longer receives the answer"):
            lookup("fixture.old").checks()
        assert run_question("fixture.old", lambda: 1).status == "broken"
    finally:
        forget("fixture.old")


def test_off_limits_names_are_dotted(capsys):
    with pytest.raises(ValueError, match=r"off_limits must be a tuple of dotted names \(got 'TokenBucket'\)"):
        question("fixture.x", off_limits="TokenBucket")
    with pytest.raises(ValueError, match="off_limits must be a tuple of dotted names"):
        question("fixture.x", off_limits=("TokenBucket",))


def test_an_instructors_own_domain_is_found_in_the_questions_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "mine.py").write_text(
        "from course.checks import Check, call, question\n"
        "@question('mine.twice')\n"
        "def twice():\n"
        "    yield Check(hint='twice(4) should be 8', ask=call(4), expect=8)\n"
    )
    monkeypatch.setenv(QUESTIONS_ENV, str(tmp_path))
    try:
        assert "mine" in known_domains()
        check("mine.twice", lambda x: 2 * x)
        assert capsys.readouterr().out.startswith("✓ mine.twice: the only check passed")
    finally:
        forget("mine.twice")
        sys.modules.pop("course_questions_mine", None)
