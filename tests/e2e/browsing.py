"""What several browser tests do alike: log in through the real form in a window of a given size,
and measure sideways scrolling."""
from tests.conftest import PASSWORD


def log_in(browser, base, email, width, height, locale="uk-UA"):
    """A new browser context of ``width`` × ``height`` (Ukrainian locale unless ``locale``), logged in
    as ``email``."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return context, page


def overflow(page):
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
