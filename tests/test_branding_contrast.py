"""The shop's brand on every customer page, with its colour checked: a brand colour too light to
read as text on white (WCAG AA, 4.5:1) is adjusted to the nearest readable shade, and the admin is
told so."""
import os
import re

import pytest

from app.orders import links
from app.tracking import branding


def test_a_colour_that_fails_aa_contrast_is_adjusted_with_a_message(app, db, make_user, client, login):
    admin = make_user("admin")
    login(admin.email)
    response = client.post("/admin/branding", data={"color": "#ffcc00", "background": "#ffffff"},
                           content_type="multipart/form-data", follow_redirects=True, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    used = branding.readable_on("#ffcc00")
    assert "The colour #ffcc00 is too light to read as text" in html and used in html
    css = client.get("/widget/branding.css").get_data(as_text=True)
    assert f"--brand: {used}" in css
    assert branding.contrast(used, "#ffffff") >= 4.5 > branding.contrast("#ffcc00", "#ffffff")

    response = client.post("/admin/branding", data={"color": "#7a1f5c", "background": "#ffffff"},
                           content_type="multipart/form-data", follow_redirects=True, headers={"Accept-Language": "uk"})
    assert "занадто світлий" not in response.get_data(as_text=True)  # a readable colour is kept, silently
    assert "--brand: #7a1f5c" in client.get("/widget/branding.css").get_data(as_text=True)


def test_every_customer_page_carries_the_shops_colours_and_logo(app, db, make_user, make_order, client, login):
    from tests.test_tracking_widget import png_bytes

    branding.save("#7a1f5c", "#fdf8f3", png_bytes(120, 32))
    db.session.commit()
    user = make_user("customer")
    order = make_order(customer=user.customer, status="shipped")
    for path in ("/track", "/login", None, "/orders/", f"/orders/{order.number}", "/account"):
        if path is None:
            login(user.email)
            continue
        html = client.get(path).get_data(as_text=True)
        assert "/widget/branding.css?v=" in html, path
        assert 'class="brand-logo" src="/widget/logo?v=' in html, path


@pytest.mark.browser
def test_a_dark_widget_background_keeps_every_text_readable(app, db, make_user, make_order, client, login,
                                                            live_server, browser, output_dir):
    """With a dark background no brand shade read on both it and white: the shop's own blue was
    replaced by black (the admin told it was "too light on white"), the shop name and links went black
    on the dark background, and the white cards' texts took the background's white ink."""
    login(make_user("admin").email)
    saved = client.post("/admin/branding", data={"color": "#1f5eff", "background": "#222222"},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "занадто світлий" not in saved.get_data(as_text=True)
    assert "--brand: #1f5eff" in client.get("/widget/branding.css").get_data(as_text=True)
    token = links.make_token(make_order(status="in_transit"))
    db.session.commit()
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{live_server}/widget/{token}")
    page.screenshot(path=os.path.join(output_dir, "dark-widget.png"), full_page=True)

    def colour(selector, prop="color"):
        r, g, b = re.findall(r"\d+", page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}"))[:3]
        return f"#{int(r):02x}{int(g):02x}{int(b):02x}"

    assert branding.contrast(colour(".widget-shop"), "#222222") >= 4.5
    assert branding.contrast(colour(".widget-foot a"), "#222222") >= 4.5
    news = ".latest-news"
    assert branding.contrast(colour(news + " .latest-text"), colour(news, "backgroundColor")) >= 4.5
    page.close()
