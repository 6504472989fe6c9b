"""What went wrong with a carrier reads in the admin's language: the stored codes (``app.carriers.problems``),
and the carriers page after real failed syncs against local fake carriers (503, not JSON, no answer)."""
import html
import json
import re
from datetime import datetime

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from notify_servers import SilentServer

from app import settings
from app.carriers import problems
from app.carriers.base import CarrierError, CarrierResponseError
from app.carriers.models import CarrierState, SyncRun
from app.carriers.problems import problem
from app.carriers.sync import sync_all
from app.clock import utcnow
from app.stored_problems import WITH_DETAIL
from tests.test_i18n import ROOT

LANGUAGES = ("uk", "en", "pl", "ru")


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_BACKOFF_SECONDS": 0.01, "CARRIER_BACKOFF_MAX_SECONDS": 0.05,
            "CARRIER_TIMEOUT_SECONDS": 0.5, "CARRIER_CONNECT_TIMEOUT_SECONDS": 0.5, "CARRIER_BREAKER_THRESHOLD": 5}


def said(language, stored):
    with force_locale(language):
        return problems.describe(stored)


# ---- the mapping ---------------------------------------------------------------------------------

def _catalogue(language):
    with open(f"{ROOT}/app/translations/{language}/LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh, locale=language)


@pytest.mark.parametrize("language", ["uk", "pl", "ru"])
def test_every_kind_of_problem_has_its_own_words_in_each_language(language):
    catalogue = _catalogue(language)
    for message in [*problems.MESSAGES.values(), WITH_DETAIL]:
        entry = catalogue.get(message)
        assert entry is not None and entry.string and entry.string != message, (language, message)
        # the same values, no more and no fewer: a translation naming a value the code lacks would fail
        assert sorted(re.findall(r"%\((\w+)\)s", entry.string)) == sorted(re.findall(r"%\((\w+)\)s", message))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the catalogues, not the database
def test_each_code_reads_as_a_sentence_in_the_readers_language(app):
    values = {"seconds": "2.5", "status": "503", "number": "20400048799000", "said": "Документ не знайдено",
              "event": "9", "time": "2026-01-10T10:00:00", "current": "delivered", "target": "shipped",
              "numbers": "204000487990001, 204000487990002", "more": "1234", "quota": "250", "waiting": "12",
              "failures": "5"}
    for code, message in problems.MESSAGES.items():
        stored = problem(code, **{k: v for k, v in values.items() if f"%({k})s" in message}).stored()
        shown = {language: said(language, stored) for language in LANGUAGES}
        assert len(set(shown.values())) == 4, (code, shown)  # four languages, four sentences
        assert "…" not in shown["uk"] and "{" not in shown["uk"], (code, shown["uk"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_values_are_written_as_the_reader_writes_them(app):
    # a moment in the shop's time zone (Kyiv: UTC+2 in January), numbers and statuses in the reader's language
    paused = problem("breaker_paused", time=datetime(2026, 1, 10, 10, 0)).stored()
    assert "12:00" in said("uk", paused) and "10:00" not in said("uk", paused)
    assert said("uk", paused).startswith("Запитів не було: запобіжник призупинив перевізника до")
    assert said("pl", problem("timeout", seconds="0.5").stored()) == "Przewoźnik nie odpowiedział w ciągu 0,5 s."
    assert said("en", problem("timeout", seconds="0.5").stored()) == "The carrier sent no answer within 0.5 s."
    assert "1\u00a0234" in said("uk", problem("not_found_more", numbers="X", more=1234).stored())
    moved = problem("move_refused", number="RA1", event="41000", current="cancelled", target="delivered").stored()
    assert "з «Скасовано» на «Доставлено»" in said("uk", moved), said("uk", moved)
    assert "“Cancelled” to “Delivered”" in said("en", moved)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_carriers_own_words_and_the_detail_stay_as_they_came(app):
    stored = problem("http_status", status=400, detail="Invalid tracking number").stored()
    assert said("uk", stored) == "Сервер перевізника відповів помилкою (HTTP 400). Подробиці: Invalid tracking number"
    assert said("pl", stored) == "Serwer przewoźnika odpowiedział błędem (HTTP 400). Szczegóły: Invalid tracking number"
    assert said("ru", problem("parcel_error", number="445", said="Document number is not correct").stored()) == \
        "Посылка 445: перевозчик сообщил об ошибке: Document number is not correct"
    # words of an adapter that gives no code: a generic sentence around them
    error = CarrierError("quota exhausted for today")
    assert said("uk", error.problem.stored()) == "Запит до перевізника не вдався. Подробиці: quota exhausted for today"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_rows_written_before_are_shown_as_they_were_stored(app):
    assert said("uk", "nova_poshta: HTTP 503") == "nova_poshta: HTTP 503"
    assert said("uk", '{"problem":"no_such_code","status":"503"}') == '{"problem":"no_such_code","status":"503"}'
    assert said("uk", '{"problem":"timeout","seconds":') == '{"problem":"timeout","seconds":'  # cut short
    assert said("uk", None) == "" and said("uk", "") == ""
    mixed = "\n".join(["204000: not found", problem("refused").stored(), ""])
    with force_locale("pl"):
        assert problems.lines(mixed) == ["204000: not found", "Serwer przewoźnika odrzucił połączenie."]
    # a row missing a value its sentence names (another version wrote it) still reads
    assert said("uk", '{"problem":"http_status"}') == "Сервер перевізника відповів помилкою (HTTP …)."


def test_the_english_needs_no_app_for_the_log_and_the_command_line():
    error = CarrierResponseError(problem("bad_json", status=200))
    assert str(error) == "The carrier's answer is not valid JSON (HTTP 200)." and error.cause == "response"
    assert CarrierResponseError(problem("http_status", status=404)).cause == "http"
    assert str(problem("future_event", number="1", event="9", time=datetime(2026, 1, 10, 10, 0))) == \
        "Parcel 1: the carrier's event 9 is dated in the future (2026-01-10 10:00 UTC); it is ignored until then."
    assert problems.in_english("\n".join(["old words", problem("refused").stored()])) == \
        "old words\nThe carrier's server refused the connection."
    assert problems.in_english(None) is None
    with pytest.raises(ValueError):
        problem("no_such_code")


def test_a_long_detail_is_cut_so_that_the_stored_json_fits_its_column():
    stored = problem("unreachable", detail='"' * 400).stored(limit=500)  # JSON spells each quote as two
    assert len(stored) <= 500
    assert problems.read(stored).values["detail"].endswith('"…')
    assert len(problem("parcel_error", number="1", said="y" * 1000).values["said"]) == problems.TEXT_LIMIT


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_blanking_a_parcel_number_leaves_the_stored_problem_readable(app, db):
    from app.privacy.logs import scrub_parcel_numbers

    db.session.add(SyncRun(carrier="nova_poshta", started_at=utcnow(), errors="\n".join([
        problem("parcel_error", number="20400048799011", said="Документ не знайдено").stored(),
        problem("not_found", numbers="20400048799012, 20400048799011").stored()])))
    db.session.commit()
    scrub_parcel_numbers(["20400048799011"])
    db.session.commit()
    run = db.session.execute(db.select(SyncRun)).scalar_one()
    assert all(json.loads(line) for line in run.errors.splitlines())
    with force_locale("uk"):
        assert problems.lines(run.errors) == ["Посилка —: перевізник повідомив про помилку: Документ не знайдено",
                                              "Перевізник не знайшов: 20400048799012, —"]


# ---- the carriers page after a real failed sync ------------------------------------------------------

def _live_nova_poshta(db, url):
    settings.put("NOVAPOSHTA_MODE", "live")
    settings.put("NOVAPOSHTA_API_URL", url)
    settings.put("NOVAPOSHTA_API_KEY", "k" * 32, secret=True)
    db.session.commit()


def _page(client, login, make_user, language):
    admin = make_user("admin", language=language)
    login(admin.email)
    page = client.get("/admin/carriers/").get_data(as_text=True)
    row = re.search(r'<a href="#carrier-nova_poshta">.*?<td class="muted carrier-last-error">(.*?)</td>', page, re.S)
    runs = re.findall(r'<pre class="run-errors">(.*?)</pre>', page, re.S)
    return html.unescape(row.group(1)), [html.unescape(r) for r in runs], page


def _failed_sync(app, db, make_order, url):
    make_order(status="shipped", carrier="nova_poshta", tracking_number="20400048799050")
    _live_nova_poshta(db, url)
    [summary] = sync_all(app, force=True)
    assert summary["outcome"] == "failed"
    db.session.commit()  # a fresh snapshot: the sync wrote from its own thread


ANSWERS = {
    "503": {"uk": "Сервер перевізника відповів помилкою (HTTP 503).",
            "pl": "Serwer przewoźnika odpowiedział błędem (HTTP 503)."},
    "not_json": {"uk": "Відповідь перевізника не є коректним JSON (HTTP 200).",
                 "pl": "Odpowiedź przewoźnika nie jest poprawnym JSON-em (HTTP 200)."},
}


@pytest.mark.parametrize("language", ["uk", "pl"])
@pytest.mark.parametrize("answer", ["503", "not_json"])
def test_the_carriers_page_says_what_the_carrier_answered_in_the_admins_language(
        app, db, make_order, make_user, login, client, httpserver, answer, language):
    if answer == "503":
        httpserver.expect_request("/np/").respond_with_data("Service Unavailable", status=503)
    else:
        httpserver.expect_request("/np/").respond_with_data("<html>Технічні роботи</html>", content_type="text/html")
    _failed_sync(app, db, make_order, httpserver.url_for("/np/"))
    assert problems.read(db.session.get(CarrierState, "nova_poshta").last_error) is not None  # a code is stored

    last_error, runs, page = _page(client, login, make_user, language)
    assert last_error == ANSWERS[answer][language]
    assert runs == [ANSWERS[answer][language]]
    assert "answered with an error" not in page and "not valid JSON" not in page and '{"problem"' not in page


@pytest.mark.parametrize("language,words", [("uk", "Перевізник не відповів протягом 0,5 с."),
                                            ("pl", "Przewoźnik nie odpowiedział w ciągu 0,5 s.")])
def test_a_carrier_that_never_answers_is_told_in_the_admins_language(app, db, make_order, make_user, login, client,
                                                                     language, words):
    with SilentServer() as silent:  # accepts the connection, never answers
        _failed_sync(app, db, make_order, f"http://127.0.0.1:{silent.port}/np/")
    last_error, runs, page = _page(client, login, make_user, language)
    assert last_error == words and runs == [words]
    assert "no answer" not in page


def test_the_breaker_opening_and_the_skipped_run_are_told_in_the_admins_language(
        app, db, make_order, make_user, login, client, httpserver):
    settings.put("CARRIER_BREAKER_THRESHOLD", "1")
    httpserver.expect_request("/np/").respond_with_data("Service Unavailable", status=503)
    _failed_sync(app, db, make_order, httpserver.url_for("/np/"))
    [summary] = sync_all(app, force=True)  # paused: the carrier is not asked
    assert summary["outcome"] == "skipped" and len(httpserver.log) == 1
    db.session.commit()
    last_error, runs, _html = _page(client, login, make_user, "uk")
    assert last_error == "Сервер перевізника відповів помилкою (HTTP 503)."
    skipped, failed = runs  # newest first
    assert skipped.startswith("Запитів не було: запобіжник призупинив перевізника до ")
    assert failed.splitlines() == ["Сервер перевізника відповів помилкою (HTTP 503).",
                                   failed.splitlines()[1]]
    assert failed.splitlines()[1].startswith("Невдалих запитів поспіль: 1. Запобіжник призупинив перевізника до ")


def test_rows_from_before_are_still_shown_on_the_page(app, db, make_user, login, client):
    db.session.add(CarrierState(carrier="nova_poshta", breaker_state="closed", consecutive_failures=1,
                                quota_used=0, last_error="nova_poshta: HTTP 503"))
    db.session.add(SyncRun(carrier="nova_poshta", started_at=utcnow(), finished_at=utcnow(), outcome="failed",
                           shipments=1, error_count=1, errors="nova_poshta: HTTP 503\nnot found at the carrier: 204"))
    db.session.commit()
    last_error, runs, _html = _page(client, login, make_user, "uk")
    assert last_error == "nova_poshta: HTTP 503"
    assert runs == ["nova_poshta: HTTP 503\nnot found at the carrier: 204"]


# ---- the connection test ----------------------------------------------------------------------------

@pytest.mark.parametrize("answer,cause,message,detail", [
    ("503", "http", "Сервер перевізника відповів помилкою.", "Сервер перевізника відповів помилкою (HTTP 503)."),
    ("not_json", "response", "Перевізник відповів, але в такому вигляді, що Posylka не може його прочитати.",
     "Відповідь перевізника не є коректним JSON (HTTP 200)."),
])
def test_the_connection_test_tells_the_cause_and_its_detail_in_the_admins_language(
        app, db, make_user, login, client, httpserver, answer, cause, message, detail):
    if answer == "503":
        httpserver.expect_request("/dhl/shipments").respond_with_data("Service Unavailable", status=503)
    else:
        httpserver.expect_request("/dhl/shipments").respond_with_data("<html>Wartung</html>", content_type="text/html")
    settings.put("DHL_MODE", "live")
    settings.put("DHL_API_URL", httpserver.url_for("/dhl"))
    settings.put("DHL_API_KEY", "key-1", secret=True)
    db.session.commit()
    login(make_user("admin").email)  # Ukrainian, the default
    fragment = client.post("/admin/carriers/dhl/test", headers={"HX-Request": "true"}).get_data(as_text=True)
    found = re.search(r'data-cause="(\w+)" title="([^"]*)">([^<]*)</output>', fragment)
    assert found, fragment
    assert found.group(1) == cause and html.unescape(found.group(2)) == detail
    assert html.unescape(found.group(3)).endswith(message) and "HTTP 503" not in found.group(3)
