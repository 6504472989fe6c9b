"""Items with their pictures: an image URL may come from the API, CSV import and platform webhooks;
the customer's order page shows it, or a neutral placeholder."""
import pytest

from app.admin import transfer
from app.api import platforms
from app.orders.models import Order
from app.orders.services import OrderInputError, build_items

PICTURE = "https://shop.example.com/img/dress-104.jpg"


def test_an_item_keeps_its_picture_and_refuses_a_bad_address(app):
    item, = build_items([{"name": "Сукня", "price": "1450.00", "image_url": PICTURE}])
    assert item.image_url == PICTURE
    assert build_items([{"name": "Шарф", "price": "750.00", "image_url": " "}])[0].image_url is None
    for bad in ("javascript:alert(1)", "//shop.example.com/x.jpg", 'https://x.example/"onerror="x'):
        with pytest.raises(OrderInputError) as refused:
            build_items([{"name": "Сукня", "price": "1", "image_url": bad}])
        assert refused.value.field == "items[0].image_url"


def test_the_api_csv_import_and_woocommerce_bring_the_picture(app, db):
    from app.api.schemas import ItemIn

    assert ItemIn(name="Сукня", price="1450.00", image_url=PICTURE).image_url == PICTURE
    with pytest.raises(ValueError):
        ItemIn(name="Сукня", price="1450.00", image_url="ftp://x.example/a.jpg")
    lines = platforms._items([{"name": "Сукня", "quantity": 1, "total": "1450.00", "image": {"id": 7, "src": PICTURE}},
                              {"name": "Шарф", "quantity": 1, "total": "750.00", "image": {"src": "data:x"}}],
                             "woocommerce")
    assert [line["image_url"] for line in lines] == [PICTURE, None]
    data = ("customer_name,item_name,item_price,item_image_url\n"
            f"Олена Коваль,Сукня льняна,1450.00,{PICTURE}\n").encode()
    result = transfer.import_orders(data)
    order = db.session.get(Order, result.created[0].id)
    assert order.items[0].image_url == PICTURE
    exported = "".join(transfer.csv_rows([order]))
    assert exported.splitlines()[0].endswith(",item_image_url,currency") and PICTURE in exported


def test_the_order_page_shows_pictures_or_a_placeholder(app, db, make_user, make_order, client, login):
    user = make_user("customer")
    order = make_order(customer=user.customer, status="shipped", items=[
        {"name": "Сукня льняна", "size": "M", "color": "синій", "quantity": 1, "price": "1450.00", "image_url": PICTURE},
        {"name": "Шарф кашеміровий", "color": "бежевий", "quantity": 2, "price": "750.00"}])
    login(user.email)
    html = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert f'<img class="item-picture" src="{PICTURE}"' in html
    assert html.count('class="item-picture item-placeholder"') == 1
