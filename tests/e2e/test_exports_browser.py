"""A shop owner downloads the orders list for Excel from the list's own link, in a real browser."""
import os

import openpyxl
import pytest

from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the download; the filtered rows on both engines: test_xlsx_exports
def test_the_orders_list_downloads_an_excel_file_of_the_filtered_orders(app, db, make_user, make_order, live_server,
                                                                        browser, output_dir):
    shipped, new = make_order(status="shipped"), make_order(status="new")
    context, page = log_in(browser, live_server, make_user("staff").email, 1280, 900)
    try:
        page.goto(f"{live_server}/admin/orders?status=shipped")
        page.screenshot(path=os.path.join(output_dir, "orders-list-export-links.png"), full_page=False)
        with page.expect_download() as info:
            page.get_by_role("link", name="Експорт Excel (XLSX)").click()
        download = info.value
        assert download.suggested_filename.startswith("orders-") and download.suggested_filename.endswith(".xlsx")
        path = os.path.join(output_dir, download.suggested_filename)
        download.save_as(path)
    finally:
        context.close()
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("Номер замовлення", "Створено", "Статус")
    assert [row[0] for row in rows[1:]] == [shipped.number]  # the list's filter, not the new order
    assert new.number not in {row[0] for row in rows}
    assert rows[1][2] == "shipped" and rows[1][19] == 1  # the quantity a number
