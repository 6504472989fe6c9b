"""A staff member imports a spreadsheet as Excel saves it, on a phone: a row pasted twice is named
before anything is written, and the mended file goes in. An update of orders that exist names the
file's columns it did not apply."""
import os

from playwright.sync_api import expect

from app.orders.models import Order
from tests.e2e.browsing import log_in, overflow

EXCEL = ("\ufeffOrder Number;Created At;Customer Name;Customer Phone;Item Name;Item Quantity;Item Price;;\r\n"
         "XL-1;07.12.2026 10:15;Олена Коваль;067 123 45 67;Сукня льняна;1;1 450,00;;\r\n"
         "\r\n"
         "XL-2;07.12.2026 11:40;Ірина Шевченко;;Блуза;1;890;;\r\n")
PASTED_TWICE = EXCEL + "XL-2;07.12.2026 11:40;Ірина Шевченко;;Блуза;1;890;;\r\n"


def _upload(page, base, path):
    page.goto(f"{base}/admin/orders/import")
    page.set_input_files("input[type=file]", path)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def test_excel_file_with_a_repeated_row_then_mended(app, db, make_user, live_server, browser, output_dir, tmp_path):
    staff = make_user("staff")
    context, page = log_in(browser, live_server, staff.email, 360, 740)
    try:
        repeated, mended = tmp_path / "orders.csv", tmp_path / "orders-fixed.csv"
        repeated.write_bytes(PASTED_TWICE.encode("utf-8"))
        mended.write_bytes(EXCEL.encode("utf-8"))
        _upload(page, live_server, str(repeated))
        problems = page.locator(".import-errors")
        expect(problems).to_contain_text("Нічого не імпортовано")
        expect(problems).to_contain_text("Повторює рядок 4")
        expect(problems).not_to_contain_text("Невідомий стовпець")  # the empty columns after the last one
        problems.scroll_into_view_if_needed()
        assert overflow(page) == 0
        page.screenshot(path=os.path.join(output_dir, "repeated-row-360.png"), full_page=True)
        db.session.rollback()
        assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0

        _upload(page, live_server, str(mended))
        expect(page.locator("main")).to_contain_text("Імпортовано замовлень: 2")
        expect(page.locator("main a", has_text="XL-2")).to_be_visible()
        page.screenshot(path=os.path.join(output_dir, "imported-360.png"), full_page=True)
    finally:
        context.close()


def test_an_update_names_the_columns_it_did_not_apply(app, db, make_order, make_user, live_server, browser,
                                                      output_dir, tmp_path):
    """A file that updates orders that exist may carry a new city or phone: only the parcels and the
    status are applied, and the result says which of the file's columns were not (an order with a new
    city was counted as "unchanged")."""
    order = make_order(status="shipped")  # in Lviv
    staff = make_user("staff")
    context, page = log_in(browser, live_server, staff.email, 1280, 900)
    try:
        edited = tmp_path / "orders-edited.csv"
        edited.write_bytes(("\ufeffНомер замовлення;Статус;Телефон;Місто\r\n"
                            f"{order.number};Доставлено;067 123 45 67;Одеса\r\n").encode("utf-8"))
        page.goto(f"{live_server}/admin/orders/import")
        page.set_input_files("input[type=file]", str(edited))
        page.get_by_label("Оновити їх", exact=False).check()
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        main = page.locator("main")
        expect(main).to_contain_text("Оновлено замовлень, що вже були: 1.")
        expect(page.locator("body")).not_to_contain_text("Імпортовано замовлень: 0")  # read as "nothing happened"
        kept = page.locator(".import-kept")
        expect(kept).to_have_text("Оновлення додає лише відправлення і статус: до замовлень, що вже були, ці колонки "
                                  "файлу не застосовано: Телефон, Місто. Змініть їх на сторінці замовлення.")
        expect(main).not_to_contain_text("лишилися без змін")
        kept.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(output_dir, "update-not-applied-1280.png"), full_page=True)

        main.get_by_role("link", name=order.number).click()
        expect(page.locator("h1")).to_contain_text("Доставлено")
        expect(page.locator("#delivery_city")).to_have_value("Львів")  # as the result said: not applied
    finally:
        context.close()


def test_a_corrected_waybill_replaces_the_parcel_when_the_file_lists_every_parcel(app, db, make_order, make_user,
                                                                                  live_server, browser, output_dir,
                                                                                  tmp_path):
    """The export, its mistyped waybill corrected, goes back in with "Update them" and the box that
    says the file lists every parcel: the result page says what was replaced, and the order page shows
    only the new waybill (the old one is no longer tracked)."""
    typo, fixed = "20450000000111", "20450000000222"
    order = make_order(status="shipped", tracking_number=typo)
    staff = make_user("staff")
    context, page = log_in(browser, live_server, staff.email, 360, 740)
    try:
        exported = page.request.get(f"{live_server}/admin/orders/export.csv").text()
        corrected = tmp_path / "orders-corrected.csv"
        corrected.write_bytes(exported.replace(typo, fixed).encode("utf-8"))
        page.goto(f"{live_server}/admin/orders/import")
        page.set_input_files("input[type=file]", str(corrected))
        page.get_by_label("Оновити їх").check()
        page.get_by_label("У файлі є всі відправлення його замовлень").check()
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        expect(page.locator("main")).to_contain_text("Оновлено замовлень, що вже були: 1")
        change = page.locator(".import-parcels li")
        expect(change).to_have_text(f"{order.number}: Замінено: {typo} → {fixed}")
        change.scroll_into_view_if_needed()
        assert overflow(page) == 0
        page.screenshot(path=os.path.join(output_dir, "parcel-replaced-360.png"), full_page=True)

        with page.expect_navigation():
            change.get_by_role("link", name=order.number).click()
        parcels = page.locator("ul.shipments")
        expect(parcels).to_contain_text(fixed)
        expect(parcels).not_to_contain_text(typo)
        expect(parcels.locator("li")).to_have_count(1)
        parcels.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(output_dir, "order-with-the-new-waybill-360.png"), full_page=True)
    finally:
        context.close()
