"""Demo data: a small clothing shop with customers, staff and orders in every status.

Deterministic (a fixed random seed) and idempotent: loading twice changes nothing.
Times are relative to ``now`` so the histories always cover the past few weeks.
"""
import random
from datetime import timedelta

from app import settings
from app.admin import status as status_change
from app.auth.services import create_user, find_user
from app.clock import utcnow
from app.extensions import db
from app.orders import lifecycle, statuses
from app.orders.models import Customer
from app.orders.services import create_order

DEMO_PASSWORD = "demo-pass-1"
DEMO_ACCOUNTS = (
    ("customer", "olena@example.com", "Олена Коваль", "uk"),
    ("staff", "staff@example.com", "Андрій Мельник", "uk"),
    ("admin", "admin@example.com", "Ірина Бондар", "uk"),
)

CATALOG = (
    ("Сукня льняна", "DR-104", "1450.00", ("синій", "бежевий", "білий")),
    ("Футболка бавовняна", "TS-201", "450.00", ("білий", "чорний", "сірий")),
    ("Джинси прямі", "JN-310", "1290.00", ("синій", "чорний")),
    ("Светр вовняний", "SW-120", "1650.00", ("сірий", "бордовий", "зелений")),
    ("Куртка демісезонна", "JK-501", "2890.00", ("хакі", "чорний")),
    ("Спідниця міді", "SK-220", "990.00", ("чорний", "оливковий")),
    ("Сорочка оксфорд", "SH-330", "890.00", ("блакитний", "білий")),
    ("Худі з начосом", "HD-410", "1190.00", ("графіт", "пісочний")),
    ("Пальто вовняне", "CT-601", "4200.00", ("кемел", "сірий")),
    ("Шарф кашеміровий", "SC-050", "750.00", ("бежевий", "червоний")),
)
SIZES = ("XS", "S", "M", "L", "XL")

UA_PLACES = (
    ("Київ", "м. Київ"), ("Львів", "Львівська"), ("Одеса", "Одеська"), ("Харків", "Харківська"),
    ("Дніпро", "Дніпропетровська"), ("Вінниця", "Вінницька"), ("Івано-Франківськ", "Івано-Франківська"),
    ("Тернопіль", "Тернопільська"), ("Ужгород", "Закарпатська"), ("Полтава", "Полтавська"),
    ("Чернігів", "Чернігівська"), ("Луцьк", "Волинська"),
)
PL_PLACES = (
    ("Warszawa", "mazowieckie"), ("Kraków", "małopolskie"), ("Wrocław", "dolnośląskie"),
    ("Gdańsk", "pomorskie"), ("Poznań", "wielkopolskie"), ("Lublin", "lubelskie"),
)
CUSTOMERS = (
    ("Олена Коваль", "olena@example.com", "+380671234567", "uk"),
    ("Максим Шевченко", "maksym.shevchenko@example.com", "+380501112233", "uk"),
    ("Наталія Ткаченко", "natalia.t@example.com", "+380932223344", "uk"),
    ("Ігор Бойко", "igor.boyko@example.com", "+380673334455", "uk"),
    ("Юлія Кравченко", "yulia.k@example.com", "+380634445566", "ru"),
    ("Дмитро Олійник", "d.oliynyk@example.com", "+380955556677", "uk"),
    ("Софія Лисенко", "sofia.lysenko@example.com", "+380686667788", "en"),
    ("Anna Nowak", "anna.nowak@example.com", "+48601234567", "pl"),
    ("Piotr Wiśniewski", "piotr.w@example.com", "+48512345678", "pl"),
    ("Katarzyna Wójcik", "k.wojcik@example.com", "+48698765432", "pl"),
    ("Марія Поліщук", "maria.p@example.com", "+380977778899", "uk"),
    ("Олександр Мороз", "o.moroz@example.com", "+380668889900", "uk"),
)
#: Returns as staff record them: a reason code from the list (app/admin/reasons.py) and, sometimes, a note
RETURNS = (("wrong_size", None), ("changed_mind", None), ("defect", "Розійшовся шов"), ("refused_at_pickup", None))
CANCEL_REASONS = ("Клієнт передумав до відправки", "Немає потрібного розміру на складі")


def tracking_number(rng, carrier):
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if carrier == "nova_poshta":
        return rng.choice(("20450", "59000")) + digits(9)
    if carrier == "ukrposhta":
        return "0500" + digits(9) if rng.random() < 0.7 else "RA" + digits(9) + "UA"
    if carrier == "meest":
        return rng.choice(("CVA", "TAC", "MEX")) + "-" + digits(7)
    if carrier == "dhl":
        return "00340434" + digits(12) if rng.random() < 0.6 else digits(10)
    if carrier == "inpost":
        return "6026" + digits(20)
    return "SBX" + digits(10)


def _items(rng):
    count = rng.choice((1, 1, 1, 2, 2, 3))
    chosen = rng.sample(CATALOG, count)
    return [{"name": name, "sku": sku, "size": rng.choice(SIZES), "color": rng.choice(colors),
             "quantity": rng.choice((1, 1, 1, 2)), "price": price} for name, sku, price, colors in chosen]


def _path_to(final):
    """The sequence of statuses an order went through to reach ``final``."""
    if final == statuses.CANCELLED:
        return [statuses.AWAITING_SHIPMENT, statuses.CANCELLED]
    if final == statuses.RETURNED:
        return [statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT, statuses.DELIVERED,
                statuses.RETURNED]
    return list(statuses.CHAIN[1:statuses.CHAIN.index(final) + 1])


def _source_for(status, rng):
    if status in (statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.CANCELLED, statuses.RETURNED):
        return "staff"
    if status == statuses.DELIVERED and rng.random() < 0.3:
        return "customer"
    return "carrier"


def load(now=None):
    """Load the demo shop unless it is already there. Returns the number of orders created."""
    if settings.get("demo_loaded") == "1" or find_user("admin@example.com") is not None:
        return 0
    now = now or utcnow()
    rng = random.Random(20261122)
    users = {}
    for role, email, name, language in DEMO_ACCOUNTS:
        users[role] = create_user(email, DEMO_PASSWORD, role, name=name, language=language, check_policy=False)
    db.session.flush()
    customers = []
    for name, email, phone, language in CUSTOMERS:
        customer = db.session.execute(db.select(Customer).filter_by(email=email)).scalar_one_or_none()
        if customer is None:
            customer = Customer(name=name, email=email, phone=phone, language=language)
            db.session.add(customer)
        customer.name, customer.phone, customer.language = name, phone, language
        customers.append(customer)
    olena = customers[0]

    plan = []
    # The demo customer: every status, plus sandbox parcels that move while the app runs
    for final in statuses.ALL:
        plan.append((olena, final, None))
    plan.append((olena, statuses.SHIPPED, "sandbox"))
    plan.append((olena, statuses.AWAITING_SHIPMENT, "sandbox"))
    weights = [(statuses.NEW, 5), (statuses.AWAITING_SHIPMENT, 6), (statuses.SHIPPED, 6),
               (statuses.IN_TRANSIT, 10), (statuses.DELIVERED, 20), (statuses.RETURNED, 4),
               (statuses.CANCELLED, 3)]
    for final, count in weights:
        for _ in range(count):
            plan.append((rng.choice(customers[1:]), final, None))

    created = 0
    for customer, final, forced_carrier in plan:
        polish = customer.phone and customer.phone.startswith("+48")
        city, region = rng.choice(PL_PLACES if polish else UA_PLACES)
        carrier = forced_carrier or (rng.choice(("inpost", "inpost", "dhl")) if polish
                                     else rng.choice(("nova_poshta", "nova_poshta", "nova_poshta", "ukrposhta",
                                                      "meest", "dhl")))
        pickup = {"nova_poshta": f"Відділення №{rng.randint(1, 120)}", "ukrposhta": f"Відділення {rng.randint(1, 60):02d}",
                  "meest": f"Відділення Meest №{rng.randint(1, 40)}", "inpost": f"Paczkomat {city[:3].upper()}{rng.randint(1, 99):02d}M",
                  "dhl": None, "sandbox": f"Відділення №{rng.randint(1, 50)}"}[carrier]
        address = None if pickup else f"вул. Шевченка, {rng.randint(1, 120)}, кв. {rng.randint(1, 80)}"
        if carrier == "dhl" and polish:
            address = f"ul. Długa {rng.randint(1, 90)}/{rng.randint(1, 20)}"
        age_days = rng.uniform(0.2, 3) if final in (statuses.NEW, statuses.AWAITING_SHIPMENT) else rng.uniform(4, 45)
        created_at = now - timedelta(days=age_days)
        path = _path_to(final)
        has_shipment = final not in (statuses.NEW, statuses.CANCELLED) or forced_carrier
        order = create_order(
            customer, _items(rng), source="system" if rng.random() < 0.5 else "staff",
            actor_user=None, created_at=created_at, currency="PLN" if polish else "UAH",
            delivery={"carrier": carrier, "country": "PL" if polish else "UA", "city": city, "region": region,
                      "pickup_point": pickup, "address": address,
                      "postcode": f"{rng.randint(10, 99)}-{rng.randint(100, 999)}" if polish else f"{rng.randint(1000, 99999):05d}"},
            shipments=[{"carrier": carrier, "tracking_number": tracking_number(rng, carrier)}] if has_shipment else [],
        )
        # Spread the moves over the order's age, in order
        step_times = sorted(created_at + timedelta(seconds=rng.uniform(0.05, 0.95) * (now - created_at).total_seconds())
                            for _ in path)
        for status, at in zip(path, step_times):
            source = _source_for(status, rng)
            note = None
            if status == statuses.RETURNED:
                reason, note = rng.choice(RETURNS)
                # the staff return form's way: the reason's code on the history row, its label in the note
                status_change.change(order, status, user=users["staff"], reason=reason, note=note, at=at)
                continue
            if status == statuses.CANCELLED:
                note = rng.choice(CANCEL_REASONS)
            elif status == statuses.AWAITING_SHIPMENT and rng.random() < 0.3:
                note = "Комплектацію перевірено"
            actor = {"staff": users["staff"], "customer": users["customer"] if customer is olena else None}.get(source)
            lifecycle.change_status(order, status, source=source, actor_user=actor,
                                    actor=order.shipments[0].carrier if source == "carrier" and order.shipments else None,
                                    note=note, at=at)
        if final == statuses.IN_TRANSIT and rng.random() < 0.35:
            order.at_pickup_point = True
        if final == statuses.IN_TRANSIT and not order.at_pickup_point and rng.random() < 0.2:
            order.problem = True
            order.problem_note = "Затримка на сортувальному центрі"
        for shipment in order.shipments:
            if final in (statuses.SHIPPED, statuses.IN_TRANSIT, statuses.DELIVERED, statuses.RETURNED):
                shipment.scheduled_delivery_date = (order.status_changed_at + timedelta(days=rng.randint(1, 4))).date()
        created += 1
    # The demo never contacts a carrier: the built-in simulator answers for every carrier's numbers
    from app.carriers.registry import PREFIX

    for code, prefix in PREFIX.items():
        if code != "sandbox":
            settings.put(f"{prefix}_MODE", "simulated")
    if not settings.get("SHOP_EMAIL"):
        settings.put("SHOP_EMAIL", "shop@example.com")  # the privacy page's address for data requests
    # The demo's history is back-dated: it is not announced to anyone. Messages start with the
    # moves the sandbox carrier makes while the app runs.
    from app.notify import skips
    from app.notify.models import QUEUED, SKIPPED, Notification

    db.session.flush()
    db.session.execute(db.update(Notification).where(Notification.state == QUEUED)
                       .values(state=SKIPPED, skip_reason=skips.DEMO_HISTORY))
    settings.put("demo_loaded", "1")
    return created
