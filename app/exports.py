"""Downloads of rows as files: CSV for machines, Excel (.xlsx) for people.

Every export (the staff orders list, the analytics and KPI figures) gives one header of column
codes, the same columns' names in the reader's language, and its rows as typed values (numbers,
``Decimal``, naive UTC ``datetime``, ``date``, text; ``None`` or "" for nothing). ``download`` turns
them into either file, so a CSV and an Excel file of the same figures hold the same cells:

* CSV: comma-separated, UTF-8 with a byte-order mark, the codes as its header (an exported orders
  file imports back), every cell spreadsheet-safe (``app.text.csv_cell``), times as ISO 8601 UTC.
  Streamed as it is written when its rows are read from the database in batches.
* XLSX: the translated names as its header, numbers as numbers, times as dates in the shop's time
  zone (``TIMEZONE``) in the reader's own date format (Excel's built-in short formats follow the
  computer's regional settings), text always as text (never run as a formula or made a link). Written
  with XlsxWriter's ``constant_memory`` mode to a temporary file, row by row, so a large export keeps
  memory flat; the file is sent once the workbook is closed.
"""
import io
import tempfile
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from flask import Response, send_file, stream_with_context

from app.clock import local_now
from app.text import CSV_MIMETYPE, csv_writer

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
#: Excel's built-in number formats 22 ("m/d/yyyy h:mm") and 14 ("m/d/yyyy") are shown in the date format of
#: the computer's regional settings (31.03.2026 14:05 in Ukrainian, Polish and Russian).
_DATETIME_FORMAT, _DATE_FORMAT = 22, 14
_CSV_ROWS_PER_CHUNK = 200
_XLSX_COLUMN_WIDTH = 16
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})


def iso_utc(value):
    """A stored (naive UTC) time as ISO 8601 with ``Z``, to the second: how the CSV and JSON exports write it."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else ""


def _csv_value(value):
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def csv_chunks(columns, rows):
    """CSV text in chunks (a generator for streaming): the byte-order mark and header, then the rows."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)

    def flush():
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(columns)
    yield "\ufeff" + flush()
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_value(value) for value in row])
        if n % _CSV_ROWS_PER_CHUNK == 0:
            yield flush()
    yield flush()


def csv_text(columns, rows):
    """The whole CSV as one string (without the byte-order mark)."""
    return "".join(csv_chunks(columns, rows)).removeprefix("\ufeff")


def xlsx_file(labels, rows, sheet):
    """An .xlsx workbook of one sheet named ``sheet``: ``labels`` as its header, then ``rows``; a temporary
    file (deleted when closed), read from its start."""
    output = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(output, {
        "constant_memory": True,  # each row goes to disk once the next begins
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": _DATETIME_FORMAT})
    day = workbook.add_format({"num_format": _DATE_FORMAT})
    worksheet = workbook.add_worksheet(str(sheet).translate(_SHEET_NAME_FORBIDDEN)[:31] or "Sheet1")
    worksheet.set_column(0, max(len(labels) - 1, 0), _XLSX_COLUMN_WIDTH)
    worksheet.freeze_panes(1, 0)
    for col, label in enumerate(labels):
        worksheet.write_string(0, col, str(label), bold)
    for row_index, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(row_index, col, value)
            elif isinstance(value, (int, float, Decimal)):
                worksheet.write_number(row_index, col, float(value))
            elif isinstance(value, datetime):
                worksheet.write_datetime(row_index, col, local_now(value), when)
            elif isinstance(value, date):
                worksheet.write_datetime(row_index, col, value, day)
            else:
                worksheet.write_string(row_index, col, str(value))
    workbook.close()
    output.seek(0)
    return output


def download(fmt, columns, labels, rows, name, stream=False):
    """The response that downloads ``rows`` as ``name``.csv or ``name``.xlsx (``fmt``; see the module).
    ``stream``: the CSV is sent as its rows are read (rows that load orders in batches); else written first."""
    if fmt == "xlsx":
        return send_file(xlsx_file(labels, rows, name), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=f"{name}.xlsx", max_age=0)
    chunks = csv_chunks(columns, rows)
    response = Response(stream_with_context(chunks) if stream else "".join(chunks), mimetype=CSV_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
