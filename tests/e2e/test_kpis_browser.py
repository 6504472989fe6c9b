"""The KPI sections of the analytics (on time, message outcomes, A/B, ratings), the Attention page
with a customer's low rating, and the question's own page, in Chromium at 1280 px and 360 px.
Screenshots in test-output/ (kpis-*.png, attention-low-score-*.png, feedback-*.png)."""
import pytest

from tests.e2e.test_narrow_screen_browser import TOO_WIDE, _log_in
from tests.test_message_kpis import data  # noqa: F401  (the fixed data set, as a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"TIMEZONE": "UTC"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a page check; one engine is enough
def test_kpi_charts_and_the_low_rating_on_a_wide_and_a_narrow_screen(app, db, data, make_user, live_server,  # noqa: F811
                                                                      browser, output_dir):
    from app.attention import services
    from app.database import writing
    from app.feedback import services as feedback
    from app.feedback.models import CustomerFeedback

    with writing():
        row = db.session.query(CustomerFeedback).filter_by(order_id=data["o3"].id).one()
        feedback.answer(row, 1, "Кур'єр не зателефонував, посилку довелося шукати")
        services.scan()
        db.session.commit()
    staff = make_user("staff")
    for width in (1280, 360):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                      locale="uk-UA")
        page = context.new_page()
        try:
            _log_in(page, staff.email)
            assert page.goto("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31").status == 200
            for section in ("#on-time", "#message-kpis", "#ratings"):
                assert page.locator(f"{section} svg").first.is_visible(), section
            assert "33,3" in page.locator('[data-figure="on-time-rate"]').inner_text()
            ab = page.locator("#ab-tests table")
            assert ab.is_visible() and "B краще" in ab.inner_text()
            ratings = page.locator("#ratings")
            table = ratings.locator("table[data-ratings=carrier]")
            assert not table.is_visible()  # one click away
            ratings.locator("summary").click()
            assert table.is_visible()
            page.locator("#on-time").screenshot(path=f"{output_dir}/kpis-on-time-{width}.png")
            page.locator("#ab-tests").screenshot(path=f"{output_dir}/kpis-ab-{width}.png")
            page.locator("#ratings").screenshot(path=f"{output_dir}/kpis-ratings-{width}.png")
            page.screenshot(path=f"{output_dir}/kpis-analytics-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(TOO_WIDE, width)

            page.goto("/admin/attention/?rule=low_score")
            low = page.locator(f"tr:has-text('{data['o3'].number}')")
            assert "Низька оцінка" in low.inner_text() and "1/5: Кур'єр не зателефонував" in low.inner_text()
            page.screenshot(path=f"{output_dir}/attention-low-score-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(TOO_WIDE, width)
        finally:
            context.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_question_page_without_an_account(app, db, make_order, live_server, browser, output_dir):
    from app.database import writing
    from app.feedback import services

    order = make_order(status="delivered")
    with writing():
        question = services.ask(order)
        db.session.commit()
    with app.test_request_context(base_url=live_server):
        path = services.feedback_url(question).replace(live_server, "")
    for width in (1280, 360):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800},
                                      locale="uk-UA")
        page = context.new_page()
        try:
            page.goto(path)
            assert order.number in page.locator("h1").inner_text()
            page.screenshot(path=f"{output_dir}/feedback-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(TOO_WIDE, width)
            if width == 360:
                page.check("input[name=rating][value='4']")
                page.fill("textarea[name=comment]", "Швидко, дякую!")
                page.click("main form button[type=submit]")
                page.wait_for_selector("[data-rating='4']")
                page.screenshot(path=f"{output_dir}/feedback-thanks-{width}.png", full_page=True)
        finally:
            context.close()
