"""Student text is cleaned once where it enters the grader: what `autograder.student_text` promises."""

from autograder import student_text


def test_clean_removes_surrogates_and_controls_and_keeps_newlines() -> None:
    text = student_text.clean("bad \udcff \x1b[31mred\x07 \x00 ok\r\nnext\u202e")
    text.encode("utf-8")  # strict: no lone surrogate is left
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text and "\u202e" not in text
    assert text.endswith("ok\nnext\ufffd")


def test_clean_caps_the_text_and_each_line() -> None:
    assert len(student_text.clean("x" * 10_000, limit=50)) == 53
    assert all(len(line) <= 203 for line in student_text.clean(("y" * 900 + "\n") * 3, 5000).split("\n"))


def test_a_fence_is_longer_than_any_backtick_run_inside() -> None:
    block = student_text.fence("```\n## 60/60\n````` <img src=x>")
    first, *_, last = block.split("\n")
    assert first == "``````text" and last == "``````"


def test_names_that_are_not_utf8_are_shown_not_raised() -> None:
    assert student_text.name(b"engine\xff.py") == "engine\ufffd.py"
    assert student_text.name("caf\udce9.py") == "caf\ufffd.py"


def test_csv_cells_never_start_a_formula() -> None:
    assert student_text.csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert student_text.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert student_text.csv_cell("alice") == "alice"
    assert student_text.csv_cell(-3.5) == -3.5


def test_long_lines_of_grader_feedback_can_be_kept_with_a_larger_line_limit() -> None:
    text = student_text.clean("z" * 900 + "\udcff", limit=5000, line_limit=2000)
    assert text == "z" * 900 + "?"  # a lone surrogate is replaced (encode with "replace")
    assert student_text.clean("z" * 900, limit=5000).endswith("z" * 200 + "...")
