"""Help at hand on the customer's pages: the shop's contact, a FAQ the admin edits, and "report a
problem", which leaves a note staff see on the order."""
import io

from app import settings
from app.orders import links
from app.tracking.models import ProblemReport


def test_report_a_problem_reaches_staff_on_the_order(app, db, make_user, make_order, client, login):
    user = make_user("customer")
    order = make_order(customer=user.customer, status="in_transit")
    login(user.email)
    page = client.get(f"/orders/{order.number}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Help with this order" in page and "Where is my parcel?" in page and "Report a problem" in page
    refused = client.post(f"/orders/{order.number}/problem", data={"message": " "}, follow_redirects=True,
                          headers={"Accept-Language": "en"})
    assert "Please tell the shop what went wrong." in refused.get_data(as_text=True)
    done = client.post(f"/orders/{order.number}/problem", data={"message": "Посилка стоїть уже тиждень"},
                       headers={"Accept-Language": "uk"}, follow_redirects=True)
    assert "Магазин отримав ваше повідомлення" in done.get_data(as_text=True)

    token = links.make_token(order)
    db.session.commit()
    client.post("/logout")
    client.post(f"/t/{token}/problem", data={"message": "Не той розмір"})
    assert [r.source for r in db.session.query(ProblemReport).filter_by(order_id=order.id)] == ["customer", "link"]
    assert client.post("/t/broken/problem", data={"message": "hello"}).status_code == 404

    staff = make_user("staff")
    login(staff.email)
    admin_page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Посилка стоїть уже тиждень" in admin_page and "Не той розмір" in admin_page
    first = db.session.query(ProblemReport).filter_by(order_id=order.id).first()
    client.post(f"/admin/problems/{first.id}/handled")
    admin_page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Посилка стоїть уже тиждень" not in admin_page and "Не той розмір" in admin_page
    # another customer's order: no report
    other = make_order(status="shipped")
    client.post("/logout")
    login(user.email)
    assert client.post(f"/orders/{other.number}/problem", data={"message": "hello"}).status_code == 404


def test_the_admin_edits_the_faq_and_the_contact(app, db, make_user, make_order, client, login):
    settings.put("SHOP_EMAIL", "shop@example.com")
    db.session.commit()
    admin = make_user("admin")
    login(admin.email)
    client.post("/admin/branding/help", data={
        "phone": "+380 67 123 45 67",
        "faq_uk": "Коли відправите?\nПротягом дня після оплати.\n\nЧи можна обміняти?\nТак, протягом 14 днів.",
        "faq_en": "", "faq_pl": "", "faq_ru": ""})
    user = make_user("customer")
    order = make_order(customer=user.customer, status="shipped")
    client.post("/logout")
    login(user.email)
    uk = client.get(f"/orders/{order.number}", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "Коли відправите?" in uk and "Протягом дня після оплати." in uk and "Де моя посилка?" not in uk
    assert 'href="tel:+380671234567"' in uk and 'href="mailto:shop@example.com"' in uk
    en = client.get(f"/orders/{order.number}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Where is my parcel?" in en  # no English FAQ written: the built-in one


def test_the_help_and_branding_pages_save_through_the_settings_service(app, db, make_user, client, login):
    """Like every settings page: one audit entry naming what changed (a logo as "changed", not its bytes)."""
    from app.audit import AuditLog
    from tests.test_tracking_widget import png_bytes

    login(make_user("admin").email)
    client.post("/admin/branding/help", data={"phone": "+380 67 123 45 67", "faq_uk": "", "faq_en": "",
                                              "faq_pl": "", "faq_ru": ""})
    client.post("/admin/branding", data={"color": "#7a1f5c", "background": "#ffffff",
                                         "logo": (io.BytesIO(png_bytes(120, 32)), "logo.png")},
                content_type="multipart/form-data")
    entries = {row.action: row for row in db.session.execute(db.select(AuditLog)).scalars()}
    assert entries["settings.help"].after_data == {"HELP_PHONE": "+380 67 123 45 67"}
    assert entries["settings.branding"].after_data == {"BRAND_COLOR": "#7a1f5c", "BRAND_BACKGROUND": "#ffffff",
                                                       "BRAND_LOGO": "changed", "BRAND_LOGO_TYPE": "image/png"}


def test_a_refused_help_form_keeps_the_text_and_names_each_field(app, db, make_user, client, login):
    """It redirected with "check the fields": no field was marked, and the FAQ as typed was gone."""
    login(make_user("admin").email)
    faq = "Коли відправите?\nПротягом дня після оплати.\n" + "x" * 5000
    refused = client.post("/admin/branding/help", data={"phone": "call us", "faq_uk": faq, "faq_en": "",
                                                        "faq_pl": "", "faq_ru": ""})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Введіть номер телефону, наприклад +380 67 123 45 67." in page
    assert "не більше ніж 5000 символів" in page and "Коли відправите?" in page
    assert not settings.get("HELP_PHONE")


def test_an_faq_question_without_an_answer_is_named_not_passed_over(app, db, make_user, client, login):
    """A lone line was dropped when shown: an FAQ of such lines, saved "saved", showed the built-in one."""
    login(make_user("admin").email)
    refused = client.post("/admin/branding/help", data={"phone": "", "faq_uk": "Коли відправите?\nЗавтра.\n\nА обмін?",
                                                        "faq_en": "", "faq_pl": "", "faq_ru": ""})
    assert refused.status_code == 422
    assert "«А обмін?» не має відповіді" in refused.get_data(as_text=True)
    assert not settings.get("HELP_FAQ_uk")


def test_a_line_break_counts_once_against_a_limit(app, db, make_user, make_order, client, login):
    """A browser sends a textarea's line breaks as CRLF, its maxlength counts each once: a message of
    exactly the limit on several lines was refused as too long. Every form's text is stored with LF."""
    from app.tracking.help import MESSAGE_MAX

    user = make_user("customer")
    order = make_order(customer=user.customer, status="in_transit")
    login(user.email)
    message = "\r\n".join(["x" * 99] * 19 + ["y" * 100])  # CRLF on the wire; one character each as typed
    assert len(message.replace("\r\n", "\n")) == MESSAGE_MAX
    done = client.post(f"/orders/{order.number}/problem", data={"message": message},
                       headers={"Accept-Language": "uk"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Магазин отримав ваше повідомлення" in page and "має бути коротшим" not in page
    assert db.session.query(ProblemReport).one().message == message.replace("\r\n", "\n")

    client.post("/logout")
    login(make_user("admin").email)  # the admin's FAQ (5,000) likewise
    faq = "Q?\r\n" + "a" * 4997
    assert client.post("/admin/branding/help", data={"phone": "", "faq_uk": faq, "faq_en": "", "faq_pl": "",
                                                     "faq_ru": ""}).status_code == 302
    assert settings.get("HELP_FAQ_uk") == "Q?\n" + "a" * 4997


def test_a_stale_help_form_is_refused_with_the_text_as_typed(app, db, make_user, client, login):
    """Like every settings page (``settings.save``): a form shown before another admin's change does not undo it."""
    import html
    import re

    login(make_user("admin").email)
    help_block = client.get("/admin/branding").get_data(as_text=True).split('id="help-settings"')[1]
    shown = html.unescape(re.search(r'name="settings_shown"[^>]*value="([^"]*)"', help_block).group(1))
    empty = {"faq_en": "", "faq_pl": "", "faq_ru": ""}
    assert client.post("/admin/branding/help", data={"phone": "+380 67 123 45 67", "faq_uk": "", **empty,
                                                     "settings_shown": shown}).status_code == 302
    stale = client.post("/admin/branding/help", data={"phone": "", "faq_uk": "Коли?\nЗавтра.", **empty,
                                                      "settings_shown": shown})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Поки ви редагували, ці налаштування змінив хтось інший." in page and "Коли?\nЗавтра." in page
    assert settings.get("HELP_PHONE") == "+380 67 123 45 67" and not settings.get("HELP_FAQ_uk")
