from hypothesis import given
from hypothesis import strategies as st

from course.grading import difference, sanitize, text_outputs
from course.grading.compare import error_of


def stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def result(text, kind="execute_result"):
    return {"output_type": kind, "data": {"text/plain": text, "image/png": "iVBOR..."}, "metadata": {}}


def test_stdout_and_text_plain_count_while_stderr_and_images_do_not():
    outputs = [
        stream("a"),
        stream("warning: slow\n", "stderr"),
        stream("b\n"),
        result("<Figure size 640x480 with 1 Axes>", "display_data"),
        result("42"),
    ]
    assert text_outputs(outputs) == [
        ("stdout", "ab\n"),
        ("text/plain", "<Figure size 640x480 with 1 Axes>"),
        ("text/plain", "42"),
    ]


def test_errors_are_compared_by_name_and_value_without_traceback():
    error = {"output_type": "error", "ename": "NameError", "evalue": "name 'x' is not defined", "traceback": ["..."]}
    assert text_outputs([error]) == [("error", "NameError: name 'x' is not defined")]
    assert error_of([stream("ok\n"), error]) == "NameError: name 'x' is not defined"
    assert error_of([stream("ok\n")]) is None


def test_memory_addresses_are_hidden_before_comparing():
    assert text_outputs([result("<object at 0x7f00aa>")]) == text_outputs([result("<object at 0x55bb01>")])
    assert sanitize("0xABC and 0x1") == "0xADDR and 0xADDR"


def test_differences_are_described_by_their_first_differing_line():
    assert difference([("stdout", "x\n")], [("stdout", "x\n")]) is None
    assert difference([("stdout", "a\nb\n")], [("stdout", "a\nc\n")]) == (
        'output differs from the solution\'s: expected "b", got "c"'
    )
    assert difference([("stdout", "a\n")], [("text/plain", "a")]) == (
        'output differs from the solution\'s: expected stdout "a", got text/plain "a"'
    )
    assert difference([("stdout", "a\n"), ("text/plain", "1")], [("stdout", "a\n")]) == (
        'output is missing the solution\'s "1"'
    )
    assert difference([], [("stdout", "extra\n")]) == 'output has more than the solution\'s: "extra"'


@given(st.lists(st.tuples(st.sampled_from(["stdout", "stderr"]), st.text(max_size=20)), max_size=8))
def test_stdout_is_kept_whole_and_in_order_however_it_was_split(chunks):
    outputs = [stream(text, name) for name, text in chunks]
    joined = "".join(sanitize(text) for name, text in chunks if name == "stdout")
    assert "".join(text for _, text in text_outputs(outputs)) == joined


@given(st.text())
def test_sanitizing_twice_changes_nothing_more(text):
    assert sanitize(sanitize(text)) == sanitize(text)
