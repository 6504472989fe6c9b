"""The notification settings page refuses codes and senders the app could never use, and saves nothing then."""
import html
import re

from app import settings


def _text(response):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _error(response, field):
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


GOOD = {"NOTIFY_QUIET_HOURS": "", "SMS_PROVIDER": "", "NOTIFY_SMS_STATUSES": "shipped,pickup,reminder",
        "NOTIFY_CAP_EXEMPT": "shipped,delivered", "MAIL_SENDER": "Posylka <shop@example.com>"}


def test_unknown_sms_status_and_a_sender_without_an_address_are_refused(app, db, make_user, client, login):
    login(make_user("admin").email)
    saved = client.post("/admin/notifications/settings", data=GOOD, follow_redirects=True)
    assert "Налаштування сповіщень збережено." in _text(saved)
    refused = client.post("/admin/notifications/settings", data={
        **GOOD, "NOTIFY_SMS_STATUSES": "shipped,bogus_status", "NOTIFY_CAP_EXEMPT": "delivered, nope",
        "MAIL_SENDER": "nobody", "NOTIFY_MERGE_SECONDS": "30"})
    assert refused.status_code == 422
    assert "Налаштування сповіщень збережено." not in _text(refused)
    assert "Вийти Перевірте виділені поля. Замовлення" in _text(refused)  # at the top of a long page
    known = ("new, awaiting_shipment, shipped, in_transit, delivered, returned, cancelled, pickup, reminder, delay, "
             "problem, feedback, return")
    assert _error(refused, "NOTIFY_SMS_STATUSES") == \
        f"Невідомий код: bogus_status. Використовуйте ці коди через кому: {known}."
    assert _error(refused, "NOTIFY_CAP_EXEMPT").startswith("Невідомий код: nope.")
    assert _error(refused, "MAIL_SENDER") == \
        "Вкажіть відправника як адресу електронної пошти, наприклад Posylka <shop@example.com>."
    # nothing of the refused form is kept, not even its valid fields
    assert settings.get("NOTIFY_SMS_STATUSES") == "shipped,pickup,reminder"
    assert settings.get("NOTIFY_CAP_EXEMPT") == "shipped,delivered"
    assert settings.get("MAIL_SENDER") == "Posylka <shop@example.com>"
    assert settings.get("NOTIFY_MERGE_SECONDS") != "30"


def test_letters_in_a_number_field_get_one_clear_error(app, db, make_user, client, login):
    login(make_user("admin").email)
    before = settings.get("NOTIFY_DAILY_CAP")
    refused = client.post("/admin/notifications/settings", data={**GOOD, "NOTIFY_DAILY_CAP": "abc"})
    assert refused.status_code == 422
    assert re.findall(r'id="NOTIFY_DAILY_CAP-error">([^<]*)<', refused.get_data(as_text=True)) == \
        ["Введіть ціле число від 0 до 1000."]
    assert re.search(r'<input[^>]*name="NOTIFY_DAILY_CAP"[^>]*value="abc"', refused.get_data(as_text=True))
    assert settings.get("NOTIFY_DAILY_CAP") == before


def test_documented_codes_and_sender_forms_are_saved(app, db, make_user, client, login):
    login(make_user("admin").email)
    for sender in ("shop@example.com", "Posylka <noreply@localhost>", "Льон і вовна <shop@example.com>"):
        saved = client.post("/admin/notifications/settings", data={
            **GOOD, "MAIL_SENDER": sender, "NOTIFY_SMS_STATUSES": " shipped , in_transit,cancelled,returned,pickup,"
                                                                  "reminder,delay,problem"})
        assert saved.status_code == 302, _text(saved)
        assert settings.get("MAIL_SENDER") == sender


def test_refusal_in_english(app, db, make_user, client, login):
    login(make_user("admin").email)
    client.set_cookie("lang", "en")
    refused = client.post("/admin/notifications/settings", data={**GOOD, "NOTIFY_SMS_STATUSES": "bogus_status"})
    assert refused.status_code == 422
    assert _error(refused, "NOTIFY_SMS_STATUSES").startswith("Unknown code: bogus_status. Use these codes")
