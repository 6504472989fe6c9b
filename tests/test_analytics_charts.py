"""Bar chart labels fit the space left of the bars: long ones wrap, longer ones end in "…"."""
from app.analytics import charts


def test_a_short_label_is_one_line():
    assert charts.label_lines("Нове") == ("Нове",)


def test_a_long_label_wraps_and_its_row_grows():
    chart = charts.bar_chart("Причини", [("Відмова при отриманні", 3, "3"), ("Розмір", 1, "1")])
    first, second = chart.bars
    assert first.lines == ("Відмова при", "отриманні")
    assert second.y == charts.BAR_HEIGHT + charts.GAP + charts.LINE_HEIGHT
    assert chart.height == second.y + charts.BAR_HEIGHT + charts.GAP


def test_a_label_longer_than_two_lines_ends_in_an_ellipsis():
    lines = charts.label_lines("Посилка пошкоджена під час доставки перевізником")
    assert len(lines) == charts.MAX_LINES
    assert all(len(line) <= charts.LINE_CHARS for line in lines)
    assert lines[-1].endswith("…")
