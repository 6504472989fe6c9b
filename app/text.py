"""Text that leaves the shop in places where a line break or a formula means something.

``one_line`` is for values that end up in a header line (an e-mail's To and Subject): every
control character becomes a space, so data can never start a header of its own. ``csv_cell``
is for spreadsheet exports: a cell that a spreadsheet program would run as a formula is
written as text. ``comma_list`` and ``whole_number`` read what people type into settings and forms.

``FormRequest`` is the app's request: every submitted form field has its line breaks as LF. A browser
sends each line break of a <textarea> as CRLF, while the textarea's ``maxlength`` (and a person)
counts it as one character: a 2,000-character message on several lines would be "too long" to a
limit counted on what arrived. Done once here, every length limit and every stored text sees one
character per line break.
"""
import csv
import re

from flask import Request
from werkzeug.formparser import FormDataParser

#: A CSV download's media type. Werkzeug adds "; charset=utf-8" to a text/ type itself (written
#: here as well, the header said it twice).
CSV_MIMETYPE = "text/csv"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value):
    """``value`` on one line: control characters (CR, LF, tab, NUL, C1) as spaces, runs of spaces as one."""
    if value is None:
        return None
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def lf_lines(text):
    """``text`` with every line break as LF: "a\r\nb\rc" → "a\nb\nc"."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class _LfFormParser(FormDataParser):
    def parse(self, *args, **kwargs):
        stream, form, files = super().parse(*args, **kwargs)
        return stream, self.cls((name, lf_lines(value)) for name, value in form.items(multi=True)), files


class FormRequest(Request):
    """Flask's request, its ``form`` values with LF line breaks (see the module's docstring)."""
    form_data_parser_class = _LfFormParser


def comma_list(text):
    """The entries of a comma-separated list, trimmed, empty ones left out: " a, b,,c" → ["a", "b", "c"]."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def whole_number(value, low, high):
    """``value`` (text or a number) as an int from ``low`` to ``high``, else None. ASCII digits only,
    and few of them: int() would take "²" and spend its time on a number of thousands of digits."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 and low <= int(text) <= high else None


#: What a spreadsheet program reads as the start of a formula (OWASP's list, tab and CR included).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A number or a phone number ("+380 67 123-45-67", "-5.00"): starts like a formula but runs nothing.
_PLAIN_NUMBER = re.compile(r"[+-]?[\d\s().-]*\d[\d\s().-]*")


def csv_cell(value):
    """A CSV cell that a spreadsheet shows as the text it is: a value that would start a formula
    (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])


def csv_writer(buffer):
    """``csv.writer(buffer)`` for exports: every cell goes through ``csv_cell``."""
    return _SafeWriter(csv.writer(buffer))
