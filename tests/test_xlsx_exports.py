"""Excel (.xlsx) downloads beside every CSV: the orders list, the analytics report and the KPIs.

Each file is opened with openpyxl, as a spreadsheet program would read it: the header in the reader's
language, numbers as numbers, times as dates (the shop's clock), text as text, and the same cells as the
CSV of the same figures.
"""
import csv
import io
import tracemalloc
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from test_analytics import T, dataset  # noqa: F401  (the hand-computed March of the analytics tests)

from app.database import writing
from app.orders.models import Customer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERIOD = "date_from=2026-03-01&date_to=2026-03-31"


def _sheet(response):
    assert response.status_code == 200 and response.mimetype == XLSX, response.status_code
    assert "attachment" in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).worksheets[0]


def _csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_orders_export_in_excel_has_numbers_dates_and_translated_headers(app, db, make_order, make_user,
                                                                             client, login):
    app.config["TIMEZONE"] = "Europe/Kyiv"  # this module's analytics tests keep their hand-computed March in UTC
    customer = Customer(name="=HYPERLINK(\"http://x\")", email="eva@example.com", phone="+380671234567")
    db.session.add(customer)
    order = make_order(customer=customer, status="shipped", created_at=datetime(2026, 3, 10, 10, 0),
                       items=[{"name": "Сукня", "sku": "DR-1", "size": "M", "color": "синій", "quantity": 2,
                               "price": "1450.50"}])
    with writing():
        order.cod_amount = Decimal("2901.00")
        db.session.commit()
    sandbox = make_order(status="new")
    with writing():
        sandbox.is_sandbox = True
        db.session.commit()
    login(make_user("staff").email)

    response = client.get("/admin/orders/export.xlsx")
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = _sheet(response)
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    assert header[:5] == ["Номер замовлення", "Створено", "Статус", "Примітка до статусу", "Ім’я клієнта"]
    assert len(rows) == 2  # the header and the one real order's item: the sandbox order is left out
    row = {name: cell for name, cell in zip(header, rows[1])}
    assert row["Номер замовлення"].value == order.number
    assert row["Створено"].is_date and row["Створено"].value == datetime(2026, 3, 10, 12, 0)  # Kyiv, as on the page
    assert row["Кількість"].data_type == "n" and row["Кількість"].value == 2
    assert row["Ціна"].data_type == "n" and row["Ціна"].value == 1450.5
    assert row["Накладений платіж"].value == 2901
    # a name that looks like a formula is text in a cell, never run
    assert row["Ім’я клієнта"].data_type == "s" and row["Ім’я клієнта"].value == customer.name
    assert row["Телефон"].value == "+380671234567" and row["Статус"].value == "shipped"
    assert all(sandbox.number != cell.value for r in rows for cell in r)

    # the same cells as the CSV of the same list, the header in the reader's language
    csv_rows = _csv(client.get("/admin/orders/export.csv"))
    assert csv_rows[0][0] == "order_number" and len(csv_rows) == 2
    assert csv_rows[1][csv_rows[0].index("item_price")] == "1450.50"
    polish = _sheet(client.get("/admin/orders/export.xlsx", headers={"Accept-Language": "pl"}))
    assert polish.cell(1, 1).value == "Numer zamówienia"


def test_the_orders_list_links_its_excel_export_with_the_filters(app, db, make_order, make_user, client, login):
    make_order(status="new")
    login(make_user("staff").email)
    for language, words in (("uk", "Експорт Excel (XLSX)"), ("en", "Export Excel (XLSX)"),
                            ("pl", "Eksport Excel (XLSX)"), ("ru", "Экспорт Excel (XLSX)")):
        page = client.get("/admin/orders?status=new", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'href="/admin/orders/export.xlsx?status=new" hx-boost="false">{words}</a>' in page, language


def test_a_wrong_period_or_format_is_refused_for_the_excel_export_too(app, make_user, client, login):
    login(make_user("staff").email)
    response = client.get("/admin/orders/export.xlsx?date_from=2026-03-10&date_to=2026-03-01")
    assert response.status_code == 400 and response.mimetype != XLSX
    refused = client.get("/admin/analytics/report.xlsx?date_from=2026-03-10&date_to=2026-03-01")
    assert refused.status_code == 400 and refused.mimetype != XLSX
    for path in ("/admin/orders/export.xls", "/admin/analytics/report.xls", "/admin/analytics/kpis.pdf",
                 "/admin/analytics/monthly.txt"):
        assert client.get(path).status_code == 404, path


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC"}


@pytest.mark.parametrize("path", [f"/admin/analytics/report.xlsx?{PERIOD}",
                                  f"/admin/analytics/report.xlsx?{PERIOD}&section=stages",
                                  "/admin/analytics/monthly.xlsx?month=2026-03",
                                  f"/admin/analytics/kpis.xlsx?{PERIOD}"])
def test_analytics_excel_files_hold_the_csv_cells_as_numbers(app, db, dataset, make_user, client, login,  # noqa: F811
                                                            path):
    login(make_user("staff").email)
    sheet = _sheet(client.get(path))
    csv_rows = _csv(client.get(path.replace(".xlsx", ".csv")))
    xlsx_rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(xlsx_rows) == len(csv_rows) > 2
    assert xlsx_rows[0][:3] == ["Розділ", "Група", "Кількість"]
    numbers = 0
    for xlsx_row, csv_row in zip(xlsx_rows[1:], csv_rows[1:]):
        for value, text in zip(xlsx_row, csv_row):
            if text == "":
                assert value is None
            elif isinstance(value, (int, float)):
                assert value == pytest.approx(float(text)), (csv_row, xlsx_row)
                numbers += 1
            else:
                assert value == text
    assert numbers > 5
    assert not any(isinstance(v, str) and v.replace(".", "", 1).isdigit() for r in xlsx_rows for v in r)


def test_the_hours_in_stage_are_numbers_in_the_excel_file(app, db, dataset, make_user, client, login):  # noqa: F811
    login(make_user("staff").email)
    sheet = _sheet(client.get(f"/admin/analytics/report.xlsx?{PERIOD}&section=stages"))
    stages = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "hours_in_stage"}
    assert stages and all(isinstance(row[2], int) for row in stages.values())
    medians = [row[4] for row in stages.values() if row[2]]
    assert medians and all(isinstance(median, (int, float)) for median in medians)


@pytest.mark.parametrize("language,figures,one", [
    ("uk", "Завантажити всі показники в Excel (XLSX)", "Завантажити Excel (XLSX)"),
    ("en", "Download all figures as Excel (XLSX)", "Download Excel (XLSX)"),
    ("pl", "Pobierz wszystkie dane jako Excel (XLSX)", "Pobierz Excel (XLSX)"),
    ("ru", "Скачать все показатели в Excel (XLSX)", "Скачать Excel (XLSX)")])
def test_the_analytics_pages_link_their_excel_files(app, make_user, client, login, language, figures, one):
    login(make_user("staff").email)
    page = client.get(f"/admin/analytics/?{PERIOD}", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f'href="/admin/analytics/report.xlsx?{PERIOD.replace("&", "&amp;")}" download>{figures}</a>' in page
    assert f'section=stages" download>{one}</a>' in page
    assert f'href="/admin/analytics/kpis.xlsx?{PERIOD.replace("&", "&amp;")}" download>{one}</a>' in page
    monthly = client.get("/admin/analytics/monthly?month=2026-03",
                         headers={"Accept-Language": language}).get_data(as_text=True)
    assert f'href="/admin/analytics/monthly.xlsx?month=2026-03" download>{one}</a>' in monthly


# The writer's memory is XlsxWriter's and the rows are made here: no database is read
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_large_excel_file_is_written_in_flat_memory(app):
    from app.exports import xlsx_file

    def rows(n):
        for i in range(n):
            yield (f"PS{i:06d}", datetime(2026, 3, 1, 10, 0), "delivered", i, Decimal("1450.00"), "Сукня льняна")

    with app.test_request_context():
        tracemalloc.start()
        small = xlsx_file(["a"] * 6, rows(1000), "orders")
        _, small_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        large = xlsx_file(["a"] * 6, rows(20000), "orders")
        _, large_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert openpyxl.load_workbook(large, read_only=True).worksheets[0].max_row == 20001
    small.close()
    assert large_peak < 2 * small_peak + 1_000_000  # twenty times the rows, not twenty times the memory
