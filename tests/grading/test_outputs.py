from course.grading.outputs import error_of


def test_the_first_error_is_one_line_without_colour_codes_or_traceback():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "ok\n"},
        {
            "output_type": "error",
            "ename": "ValueError",
            "evalue": "\x1b[31mbad\x1b[0m value\nsecond line",
            "traceback": ["..."],
        },
        {"output_type": "error", "ename": "KeyError", "evalue": "'x'"},
    ]
    assert error_of(outputs) == "ValueError: bad value"
    assert error_of([{"output_type": "error", "ename": "KeyboardInterrupt", "evalue": ""}]) == "KeyboardInterrupt"
    assert error_of([{"output_type": "error", "ename": "E", "evalue": "x" * 500}]) == "E: " + "x" * 160
