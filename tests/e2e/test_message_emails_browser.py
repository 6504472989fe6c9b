"""The e-mails as a customer's phone shows them: the HTML part from the local SMTP server, drawn by
Chromium 360 px wide, and its links followed as the customer follows them (no log-in)."""
import os

import pytest
from notify_servers import SmtpServer, later, use_smtp
from test_notify import customer

from app.feedback.services import ask
from app.notify.dispatcher import dispatch
from tests.e2e.browsing import overflow

# what a mail looks like on a phone; one engine is enough (the outbox keeps its PostgreSQL tests)
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

#: how many lines a piece of text takes in the page (by the tops of its boxes)
LINES = """text => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(walker.currentNode, at);
    range.setEnd(walker.currentNode, at + text.length);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  }
  return 0;
}"""


def test_the_question_after_delivery_reads_and_works_on_a_phone(notify, db, make_order, browser, client, output_dir):
    """On a 360 px screen the order number broke at its hyphen ("PS-" | "100001"), and the question's
    link was plain text in the HTML part: a long address the customer could not tap in every mail app.
    The one big button under the question was "Track your order": a tap expected to answer opened the
    tracking page."""
    with SmtpServer() as smtp:
        use_smtp(smtp.port)
        order = make_order(customer=customer(db, language="uk"), status="delivered")
        ask(order)
        db.session.commit()
        dispatch(now=later())
        assert smtp.wait_for(2)
    mail = next(m for m in smtp.messages if "як пройшла доставка" in m["Subject"])
    html = mail.get_body(("html",)).get_content()
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="uk-UA")
    page = context.new_page()
    try:
        page.set_content(html)
        page.screenshot(path=os.path.join(output_dir, "feedback-email-360.png"), full_page=True)
        assert overflow(page) == 0
        assert page.evaluate(LINES, order.number) == 1
        question = page.get_by_role("link", name="https://shop.example/feedback/", exact=False)
        assert question.count() == 1
        href = question.get_attribute("href")
        # its one link is the question (defaults.default_template): no "track your order" button beside it
        assert page.get_by_role("link").count() == 2 and page.get_by_role("link", name="Відстежити").count() == 0
        unsubscribe = page.get_by_role("link", name="Відписатися").get_attribute("href")
    finally:
        context.close()
    # each link opens what it says, without logging in
    answer = client.get(href.removeprefix("https://shop.example"))
    assert answer.status_code == 200 and order.number in answer.get_data(as_text=True)
    assert "Відписатися" in client.get(unsubscribe.removeprefix("https://shop.example")).get_data(as_text=True)
