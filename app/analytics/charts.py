"""Horizontal bar charts as data for an SVG template (no JavaScript, prints as drawn).

A label longer than the space left of the bars wraps onto a second line, and one longer than two lines
ends in "…" (the full label is the row's tooltip): the SVG is scaled down on a phone, not cropped, so
what is drawn must fit inside its own width."""
import textwrap
from dataclasses import dataclass

WIDTH = 420
LABEL_WIDTH = 150
BAR_HEIGHT = 22
GAP = 8
#: characters per label line that fit in LABEL_WIDTH at the chart's 12 px type (wide Cyrillic capitals included)
LINE_CHARS = 18
LINE_HEIGHT = 14
MAX_LINES = 2


@dataclass
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: float
    css: str
    lines: tuple = ()


@dataclass
class Chart:
    title: str
    bars: list
    height: int
    label_width: int = LABEL_WIDTH
    width: int = WIDTH
    line_height: int = LINE_HEIGHT

    @property
    def empty(self):
        """Nothing to draw (no rows, or every value zero): the page says so instead of empty bars."""
        return not any(bar.value for bar in self.bars)


def label_lines(label):
    """``label`` in at most ``MAX_LINES`` lines of ``LINE_CHARS``, the last cut with "…" if it goes on."""
    lines = textwrap.wrap(label, LINE_CHARS) or [""]
    if len(lines) > MAX_LINES:
        rest = " ".join(lines[MAX_LINES - 1:])
        lines = lines[:MAX_LINES - 1] + [rest[:LINE_CHARS - 1].rstrip() + "…"]
    return tuple(lines)


def bar_chart(title, rows, css=None):
    """``rows``: (label, value, text) tuples; value None or 0 draws no bar. ``css``: class per row."""
    values = [v for _label, v, _text in rows if v]
    top = max(values) if values else 1
    plot = WIDTH - LABEL_WIDTH - 60
    bars, y = [], 0
    for index, (label, value, text) in enumerate(rows):
        width = round(plot * (value or 0) / top, 1) if top else 0
        lines = label_lines(str(label))
        bars.append(Bar(str(label), value or 0, text, y, width, (css[index] if css else "bar"), lines))
        y += BAR_HEIGHT + GAP + (len(lines) - 1) * LINE_HEIGHT
    return Chart(title, bars, max(y, BAR_HEIGHT + GAP))
