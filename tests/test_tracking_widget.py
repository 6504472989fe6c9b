"""The embeddable widget and its branding (colours and logo from the admin page)."""
import io
import re
import struct
import zlib

from app.database import writing
from app.orders import links


def png_bytes(width=8, height=8, rgb=(122, 31, 92)):
    """A small real PNG, made here (no image library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_widget_shows_the_live_bar_for_one_order(app, db, make_order, client):
    order = make_order(status="in_transit")
    other = make_order(status="new")
    token = links.make_token(order)
    db.session.commit()
    response = client.get(f"/widget/{token}?lang=pl")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="pl"' in html
    assert f'hx-get="/widget/{token}/progress?lang=pl"' in html and "Etap 4 z 5: W drodze do Ciebie" in html
    assert other.number not in html and order.customer.email not in html and order.customer.name not in html
    assert "/widget/branding.css" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "style=" not in html and "<script>" not in html  # ready for a strict CSP
    poll = client.get(f"/widget/{token}/progress?lang=pl", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Etap 4 z 5" in poll.get_data(as_text=True)
    assert client.get(f"/widget/{token}/progress", headers={"HX-Request": "true",
                                                            "If-None-Match": poll.headers["ETag"]}).status_code == 200
    script = client.get("/widget/embed.js")
    assert script.status_code == 200 and "javascript" in script.mimetype and b"posylka:height" in script.data


def test_admin_sets_colours_and_logo_and_gets_the_snippet(app, db, make_user, make_order, client, login):
    order = make_order(status="shipped")
    login(make_user("admin").email)
    response = client.post("/admin/branding", data={"color": "#7A1F5C", "background": "#fdf8f3",
                                                    "logo": (io.BytesIO(png_bytes()), "logo.png")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Фірмовий стиль збережено" in response.get_data(as_text=True)
    css = client.get("/widget/branding.css").get_data(as_text=True)
    assert "--brand: #7a1f5c" in css and "--brand-ink: #ffffff" in css and "--widget-bg: #fdf8f3" in css
    logo = client.get("/widget/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == png_bytes()

    page = client.get(f"/admin/branding?order={order.number}").get_data(as_text=True)
    db.session.refresh(order)
    # the page's own link (a token made here a second later would carry another timestamp)
    token = re.search(r"/widget/([\w-]+\.[\w-]+\.[\w-]+)", page).group(1)
    assert links.read_token(token) == (order.id, order.link_nonce)
    assert "&lt;iframe src=" in page and "/widget/embed.js" in page
    # the script's iframe is named in the shop's language too (embed.js fell back to "Order tracking")
    assert 'data-lang="uk" data-title="Відстеження замовлення" async' in page
    widget = client.get(f"/widget/{token}").get_data(as_text=True)
    assert 'class="widget-logo"' in widget

    # revoking: the old snippet stops working, the page shows a new one
    client.post("/admin/branding/revoke", data={"order": order.number})
    assert client.get(f"/widget/{token}").status_code == 404
    db.session.refresh(order)
    assert client.get(f"/widget/{links.make_token(order)}").status_code == 200


def test_bad_branding_input_changes_nothing(app, db, make_user, client, login):
    login(make_user("admin").email)
    bad_colour = client.post("/admin/branding", data={"color": "red; background:url(x)", "background": "#ffffff"})
    assert bad_colour.status_code == 200 and "Введіть колір, наприклад #1f5eff." in bad_colour.get_data(as_text=True)
    not_image = client.post("/admin/branding", data={"color": "#123456", "logo": (io.BytesIO(b"<svg onload=x>"), "x.svg")},
                            content_type="multipart/form-data")
    assert "PNG, JPEG, GIF або WebP" in not_image.get_data(as_text=True)
    css = client.get("/widget/branding.css").get_data(as_text=True)
    assert "--brand: #1f5eff" in css and "url(" not in css
    assert client.get("/widget/logo").status_code == 404


def test_branding_page_is_for_admins_only(app, make_user, client, login):
    assert client.get("/admin/branding").status_code == 302  # to the log-in page
    login(make_user("staff").email)
    assert client.get("/admin/branding").status_code == 403
    assert client.post("/admin/branding/revoke", data={"order": "PS-100001"}).status_code == 403


def test_the_snippet_speaks_the_customers_language_not_the_admins(app, db, make_user, make_order, client, login):
    """An admin reading the pages in Russian copied a snippet that showed a Polish customer (or, by
    default, the shop's Ukrainian customers) the widget in Russian: data-lang was the admin's own language."""
    polish, unknown = make_order(status="shipped"), make_order(status="shipped")
    with writing():
        polish.customer.language = "pl"
        db.session.commit()
    login(make_user("admin").email)
    client.post("/language", data={"lang": "ru", "next": "/admin/branding"})
    page = client.get(f"/admin/branding?order={polish.number}").get_data(as_text=True)
    assert "Виджет для заказа" in page  # the admin's page stays in Russian
    assert 'data-lang="pl" data-title="Śledzenie zamówienia" async' in page
    assert 'title="Śledzenie zamówienia" width="100%"' in page  # the iframe snippet too
    page = client.get(f"/admin/branding?order={unknown.number}").get_data(as_text=True)
    assert 'data-lang="uk" data-title="Відстеження замовлення" async' in page  # the shop's language
