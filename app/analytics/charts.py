"""Horizontal bar charts as data for an SVG template (no JavaScript, prints as drawn)."""
from dataclasses import dataclass

WIDTH = 420
LABEL_WIDTH = 150
BAR_HEIGHT = 22
GAP = 8


@dataclass
class Bar:
    label: str
    value: float
    text: str
    y: int
    width: float
    css: str


@dataclass
class Chart:
    title: str
    bars: list
    height: int
    label_width: int = LABEL_WIDTH
    width: int = WIDTH

    @property
    def empty(self):
        """Nothing to draw (no rows, or every value zero): the page says so instead of empty bars."""
        return not any(bar.value for bar in self.bars)


def bar_chart(title, rows, css=None):
    """``rows``: (label, value, text) tuples; value None or 0 draws no bar. ``css``: class per row."""
    values = [v for _label, v, _text in rows if v]
    top = max(values) if values else 1
    bars = []
    for index, (label, value, text) in enumerate(rows):
        plot = WIDTH - LABEL_WIDTH - 60
        width = round(plot * (value or 0) / top, 1) if top else 0
        bars.append(Bar(str(label), value or 0, text, index * (BAR_HEIGHT + GAP), width,
                        (css[index] if css else "bar")))
    return Chart(title, bars, max(1, len(rows)) * (BAR_HEIGHT + GAP))
