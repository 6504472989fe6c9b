"""Why a message was not delivered reads in the staff member's language (``app.notify.problems``):
the stored codes, and the delivery log after a real failed send to a closed local SMTP port."""
import html
import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from notify_servers import free_port, later, use_smtp

from app.notify import problems
from app.notify.channels import DeliveryError
from app.notify.dispatcher import dispatch
from app.notify.models import Notification
from app.notify.problems import problem
from app.orders.models import Customer
from app.stored_problems import WITH_DETAIL
from tests.test_i18n import ROOT

LANGUAGES = ("uk", "en", "pl", "ru")


def said(language, stored):
    with force_locale(language):
        return problems.describe(stored)


# ---- the mapping ---------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["uk", "pl", "ru"])
def test_every_kind_of_delivery_problem_has_its_own_words_in_each_language(language):
    with open(f"{ROOT}/app/translations/{language}/LC_MESSAGES/messages.po", "rb") as fh:
        catalogue = read_po(fh, locale=language)
    for message in [*problems.MESSAGES.values(), WITH_DETAIL]:
        entry = catalogue.get(message)
        assert entry is not None and entry.string and entry.string != message, (language, message)
        # the same values, no more and no fewer: a translation naming a value the code lacks would fail
        assert sorted(re.findall(r"%\((\w+)\)s", entry.string)) == sorted(re.findall(r"%\((\w+)\)s", message))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the catalogues, not the database
def test_each_code_reads_as_a_sentence_in_the_readers_language(app):
    values = {"seconds": "15", "status": "503", "code": "550", "gateway": "TurboSMS", "said": "405 NOT_ENOUGH_MONEY"}
    for code, message in problems.MESSAGES.items():
        stored = problem(code, **{k: v for k, v in values.items() if f"%({k})s" in message}).stored()
        shown = {language: said(language, stored) for language in LANGUAGES}
        assert len(set(shown.values())) == 4, (code, shown)  # four languages, four sentences
        assert "…" not in shown["uk"] and "{" not in shown["uk"], (code, shown["uk"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_detail_follows_in_the_readers_words_and_the_log_stays_english(app):
    failed = problem("smtp_lost", detail="[Errno 104] Connection reset by peer")
    assert said("uk", failed.stored()) == \
        "З’єднання з поштовим сервером обірвалося. Подробиці: [Errno 104] Connection reset by peer"
    assert said("pl", problem("gateway_said", gateway="SMSAPI", said="101: Authorization failed").stored()) == \
        "SMSAPI nie przyjął wiadomości: 101: Authorization failed"
    assert said("ru", problem("gateway_http", gateway="TurboSMS", status=503).stored()) == \
        "TurboSMS ответил ошибкой (HTTP 503)."
    # the server log and the dispatcher's result read English
    assert str(DeliveryError(failed)) == \
        "The connection to the mail server was lost. Details: [Errno 104] Connection reset by peer"
    # a provider's words given as plain text: shown after the generic sentence, as they came
    assert said("uk", DeliveryError("Telegram: no bot token is set").problem.stored()) == \
        "Не вдалося надіслати повідомлення. Подробиці: Telegram: no bot token is set"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_rows_written_before_are_shown_as_they_were_stored(app):
    for old in ("SMTP connection lost: [Errno 111] Connection refused", "TurboSMS HTTP 503",
                "no SMS gateway is configured", '{"problem":"unknown_code"}', '{"problem": broken'):
        assert said("uk", old) == old
    assert said("uk", None) == "" and problems.read("TurboSMS HTTP 503") is None
    with pytest.raises(ValueError):
        problem("no_such_code")


# ---- a real failed send, and the delivery log ----------------------------------------------------

@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_closed_smtp_port_reads_in_ukrainian_in_the_delivery_log(app, db, make_order, make_user, login, client):
    from tests.notify_servers import send_at_once

    send_at_once()
    use_smtp(free_port(), NOTIFY_MAX_ATTEMPTS="1")  # nothing listens there
    person = Customer(name="Олена Коваль", email="olena@example.com", language="uk")
    db.session.add(person)
    order = make_order(customer=person, status="new")
    assert dispatch(now=later()).failed == 1
    row = db.session.execute(db.select(Notification).filter_by(order_id=order.id, channel="email")).scalar_one()
    assert row.state == "failed" and problems.read(row.last_error).code == "smtp_refused"

    login(make_user("staff", language="uk").email)
    sentence = "Поштовий сервер відхилив з’єднання. Подробиці: [Errno 111] Connection refused"
    log = html.unescape(client.get("/admin/notifications/?state=failed").get_data(as_text=True))
    assert sentence in log and "SMTP connection" not in log and '{"problem"' not in log
    page = html.unescape(client.get(f"/admin/notifications/{row.id}").get_data(as_text=True))
    assert page.count(sentence) == 2  # the last error, and the attempt's
    orders = html.unescape(client.get(f"/admin/notifications/orders/{order.id}").get_data(as_text=True))
    assert sentence in orders
