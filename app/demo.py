"""Demo data: a small clothing shop with customers, staff and orders in every status.

Deterministic (a fixed random seed) and idempotent: loading twice changes nothing.
Times are relative to ``now`` so the histories always cover the past few weeks.
"""
import random
from datetime import timedelta

from flask import current_app

from app import settings
from app.admin import status as status_change
from app.auth.services import create_user, find_user
from app.carriers.registry import PREFIX
from app.clock import utcnow
from app.extensions import db
from app.notify import preferences, rules, skips
from app.notify.models import QUEUED, SKIPPED, Notification
from app.notify.outbox import CAPPED_CHANNELS
from app.orders import lifecycle, statuses
from app.orders.models import Customer, Order, StatusEvent
from app.orders.services import add_shipment, create_order
from app.returns import services as returns

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


def _path_to(final, refused=False):
    """The sequence of statuses an order went through to reach ``final`` (``refused``: a return
    refused at the pickup point, which never reached the customer)."""
    if final == statuses.CANCELLED:
        return [statuses.AWAITING_SHIPMENT, statuses.CANCELLED]
    if final == statuses.RETURNED:
        return [statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT,
                *([] if refused else [statuses.DELIVERED]), statuses.RETURNED]
    return list(statuses.CHAIN[1:statuses.CHAIN.index(final) + 1])


#: Door-to-door days from handing the parcel over, as the carriers' own figures put them
TRANSIT_DAYS = {"nova_poshta": (1, 3), "ukrposhta": (2, 5), "meest": (2, 4), "dhl": (3, 6), "inpost": (1, 2),
                "sandbox": (1, 3)}


#: The hours other moves took (packing within a day or so); a status not here was cancelled before packing
STEP_HOURS = {statuses.AWAITING_SHIPMENT: (0.5, 20), statuses.SHIPPED: (2, 30), statuses.IN_TRANSIT: (3, 14),
              statuses.RETURNED: (2 * 24, 12 * 24)}


def _step_hours(status, carrier, rng):
    """How long a move took, in hours: the delivery takes the carrier's transit time."""
    if status == statuses.DELIVERED:
        low, high = TRANSIT_DAYS.get(carrier, (1, 3))
        return max(rng.uniform(low, high) * 24 - 14, 4)
    return rng.uniform(*STEP_HOURS.get(status, (1, 30)))


def _journey_times(path, carrier, final, now, rng, just_now=False):
    """(created_at, [time of each move]) for an order that reached ``final`` at a plausible pace:
    an order still on its way has spent less time in its status than its next step takes."""
    hours = [_step_hours(status, carrier, rng) for status in path]
    if just_now:
        extra = 0
    elif final in statuses.TERMINAL:
        extra = rng.uniform(0.2, 40) * 24
    else:
        following = statuses.CHAIN[statuses.CHAIN.index(final) + 1]
        extra = _step_hours(following, carrier, rng) * rng.uniform(0.05, 0.8)
    created_at = now - timedelta(hours=sum(hours) + extra)
    times, at = [], created_at
    for step in hours:
        at += timedelta(hours=step)
        times.append(at)
    return created_at, times


def _source_for(status, rng):
    if status in (statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.CANCELLED, statuses.RETURNED):
        return "staff"
    if status == statuses.DELIVERED and rng.random() < 0.3:
        return "customer"
    return "carrier"


def _destination(customer, rng, forced_carrier=None):
    polish = bool(customer.phone and customer.phone.startswith("+48"))
    city, region = rng.choice(PL_PLACES if polish else UA_PLACES)
    carrier = forced_carrier or (rng.choice(("inpost", "inpost", "dhl")) if polish
                                 else rng.choice(("nova_poshta", "nova_poshta", "nova_poshta", "ukrposhta",
                                                  "meest", "dhl")))
    pickup = {"nova_poshta": f"Відділення №{rng.randint(1, 120)}", "ukrposhta": f"Відділення {rng.randint(1, 60):02d}",
              "meest": f"Відділення Meest №{rng.randint(1, 40)}",
              "inpost": f"Paczkomat {city[:3].upper()}{rng.randint(1, 99):02d}M",
              "dhl": None, "sandbox": f"Відділення №{rng.randint(1, 50)}"}[carrier]
    address = None if pickup else f"вул. Шевченка, {rng.randint(1, 120)}, кв. {rng.randint(1, 80)}"
    if carrier == "dhl" and polish:
        address = f"ul. Długa {rng.randint(1, 90)}/{rng.randint(1, 20)}"
    return polish, carrier, {
        "carrier": carrier, "country": "PL" if polish else "UA", "city": city, "region": region,
        "pickup_point": pickup, "address": address,
        "postcode": f"{rng.randint(10, 99)}-{rng.randint(100, 999)}" if polish else f"{rng.randint(1000, 99999):05d}"}


def _returns_made():
    return db.session.execute(db.select(db.func.count(StatusEvent.id)).where(
        StatusEvent.status == statuses.RETURNED)).scalar()


def _order_in(customer, final, now, rng, users, forced_carrier=None, actor=None, just_now=False):
    """An order of ``customer`` that has reached ``final`` by ``now`` (``just_now``: at ``now``),
    with a plausible history."""
    polish, carrier, delivery = _destination(customer, rng, forced_carrier)
    # each return reason in turn; a parcel refused at the pickup point comes back without being delivered
    return_reason = RETURNS[_returns_made() % len(RETURNS)] if final == statuses.RETURNED else None
    path = _path_to(final, refused=return_reason is not None and return_reason[0] == returns.REFUSED_AT_PICKUP)
    created_at, step_times = _journey_times(path, carrier, final, now, rng, just_now)
    has_shipment = final not in (statuses.NEW, statuses.CANCELLED) or forced_carrier
    order = create_order(
        customer, _items(rng), source="system" if actor or rng.random() < 0.5 else "staff",
        actor=actor, actor_user=None, created_at=created_at, currency="PLN" if polish else "UAH", delivery=delivery,
        shipments=[{"carrier": carrier, "tracking_number": tracking_number(rng, carrier)}] if has_shipment else [],
    )
    for status, at in zip(path, step_times):
        source = _source_for(status, rng)
        note = None
        if status == statuses.RETURNED:
            reason, note = return_reason
            # the staff return form's way: the reason's code on the history row, its label in the note
            # (a refusal also marks the parcel refused, as the COD page and the refusal tables read it)
            status_change.change(order, status, user=users["staff"], reason=reason, note=note, at=at)
            continue
        if status == statuses.CANCELLED:
            note = rng.choice(CANCEL_REASONS)
        elif status == statuses.AWAITING_SHIPMENT and rng.random() < 0.3:
            note = "Комплектацію перевірено"
        olena = customer.email == DEMO_ACCOUNTS[0][1]
        actor_user = {"staff": users.get("staff"), "customer": users.get("customer") if olena else None}.get(source)
        if source == "customer" and actor_user is None:
            source = "carrier"
        lifecycle.change_status(order, status, source=source, actor_user=actor_user,
                                actor=order.shipments[0].carrier if source == "carrier" and order.shipments else None,
                                note=note, at=at)
    if final in (statuses.DELIVERED, statuses.RETURNED):
        for shipment in order.shipments:  # where its carrier left the parcel (a refused one is back already)
            shipment.status = shipment.status or statuses.DELIVERED
    if final == statuses.IN_TRANSIT and rng.random() < 0.35:
        order.at_pickup_point = True
    if final == statuses.IN_TRANSIT and not order.at_pickup_point and rng.random() < 0.2:
        order.problem = True
        order.problem_note = "Затримка на сортувальному центрі"
    if final in (statuses.SHIPPED, statuses.IN_TRANSIT, statuses.DELIVERED, statuses.RETURNED):
        shipped_at = step_times[path.index(statuses.SHIPPED)]
        low, high = TRANSIT_DAYS.get(carrier, (1, 3))
        for shipment in order.shipments:  # the carrier's date, from when it took the parcel
            shipment.scheduled_delivery_date = (shipped_at + timedelta(days=rng.randint(low, high))).date()
    return order


def load(now=None):
    """Load the demo shop unless it is already there. Returns the number of orders created."""
    if settings.get("demo_loaded") == "1" or find_user("admin@example.com") is not None:
        return 0
    now = now or utcnow()
    rng = random.Random(20261122)
    users = {role: create_user(email, DEMO_PASSWORD, role, name=name, language=language, check_policy=False)
             for role, email, name, language in DEMO_ACCOUNTS}
    db.session.flush()
    customers = []
    for name, email, phone, language in CUSTOMERS:
        customer = (db.session.execute(db.select(Customer).filter_by(email=email)).scalar_one_or_none()
                    or Customer(email=email))
        db.session.add(customer)
        customer.name, customer.phone, customer.language = name, phone, language
        customers.append(customer)
    olena = customers[0]
    # She hears of her orders in the app only: the demo gives her a new order whenever hers have
    # all arrived, many a day, and none of their messages may use up her day's allowance
    db.session.flush()
    for channel in preferences.CUSTOMER_CHANNELS:
        preferences.set_channel(olena.id, channel, False)

    # The demo customer: every status, plus sandbox parcels that move while the app runs
    plan = [(olena, final, None) for final in statuses.ALL]
    plan += [(olena, statuses.SHIPPED, "sandbox"), (olena, statuses.AWAITING_SHIPMENT, "sandbox")]
    weights = [(statuses.NEW, 5), (statuses.AWAITING_SHIPMENT, 6), (statuses.SHIPPED, 6),
               (statuses.IN_TRANSIT, 10), (statuses.DELIVERED, 20), (statuses.RETURNED, 4),
               (statuses.CANCELLED, 3)]
    others = customers[1:]
    for final, count in weights:
        for _ in range(count):  # in turn, so that no customer's moving parcels use up a day's messages
            plan.append((others[len(plan) % len(others)], final, None))

    for customer, final, forced_carrier in plan:
        _order_in(customer, final, now, rng, users, forced_carrier)
    # The demo never contacts a carrier: the built-in simulator answers for every carrier's numbers
    for code, prefix in PREFIX.items():
        if code != "sandbox":
            settings.put(f"{prefix}_MODE", "simulated")
    if not settings.get("SHOP_EMAIL"):
        settings.put("SHOP_EMAIL", "shop@example.com")  # the privacy page's address for data requests
    # The demo's history is back-dated: it is not announced to anyone. Messages start with the
    # moves the sandbox carrier makes while the app runs.
    db.session.flush()
    db.session.execute(db.update(Notification).where(Notification.state == QUEUED)
                       .values(state=SKIPPED, skip_reason=skips.DEMO_HISTORY))
    settings.put("demo_loaded", "1")
    return len(plan)


# ---- the demo stays alive ------------------------------------------------------------------------

#: The status messages one journey may send a customer (new … delivered, the pickup notice)
JOURNEY_MESSAGES = 7
#: Whom the demo's new orders come from once its own customers have had an order today
BUYER_FIRST_NAMES = ("Оксана", "Василь", "Тетяна", "Роман", "Ірина", "Богдан", "Людмила", "Тарас", "Галина",
                     "Степан", "Віра", "Назар")
BUYER_LAST_NAMES = ("Гнатюк", "Савчук", "Романенко", "Кузьмич", "Марченко", "Левченко", "Зінченко", "Петрук",
                    "Остапчук", "Дячук")
DEMO_ACTOR = "demo"
#: Statuses an order passes through: the demo keeps at least one order in each
ON_THE_WAY = (statuses.NEW, statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT)
#: The statuses of an order with a parcel that the simulated carriers move on
MOVING = (statuses.AWAITING_SHIPMENT, statuses.SHIPPED, statuses.IN_TRANSIT)


def keep_alive(app=None, now=None):
    """The demo shop's working day, one scheduler tick: staff pack the orders that came in a few
    minutes ago (the simulated carriers take them from there), a new order arrives every
    ``DEMO_ORDER_MINUTES``, and a status left without an order gets a fresh one, so every status
    stays on show however long the demo runs. The demo customer always has a parcel on its way:
    once hers have all arrived she gets a new one, just packed (she hears of it in the app only,
    see ``load``). Nothing happens unless the demo data is loaded. Another customer gets a new
    order only while the day's messages leave room for its whole journey under
    ``NOTIFY_DAILY_CAP``. Returns the number of orders created."""
    if settings.get("demo_loaded") != "1":
        return 0
    now = now or utcnow()
    every = timedelta(minutes=float(current_app.config.get("DEMO_ORDER_MINUTES", 3)))
    rng = random.Random(int(now.timestamp()))
    users = {role: find_user(email) for role, email, _name, _lang in DEMO_ACCOUNTS}
    _pack(now - every, rng, users)
    created = 0
    olena = db.session.execute(db.select(Customer).filter_by(email=DEMO_ACCOUNTS[0][1], is_sandbox=False)).scalar()
    if olena is not None and not db.session.execute(db.select(Order.id).where(
            Order.customer_id == olena.id, Order.status.in_(MOVING), Order.is_sandbox.is_(False)).limit(1)).first():
        _order_in(olena, statuses.AWAITING_SHIPMENT, now, rng, users, actor=DEMO_ACTOR, just_now=True)
        created += 1
    newest = db.session.execute(db.select(db.func.max(Order.created_at)).join(StatusEvent).where(
        StatusEvent.status == statuses.NEW, StatusEvent.actor == DEMO_ACTOR)).scalar()
    if newest is None or newest <= now - every:
        _order_in(_next_customer(now, rng), statuses.NEW, now, rng, users, actor=DEMO_ACTOR, just_now=True)
        created += 1
    present = set(db.session.execute(db.select(Order.status).where(
        Order.status.in_(ON_THE_WAY), Order.is_sandbox.is_(False)).distinct()).scalars())
    for status in ON_THE_WAY:
        if status not in present:
            _order_in(_next_customer(now, rng), status, now, rng, users, actor=DEMO_ACTOR)
            created += 1
    db.session.commit()
    return created


def _pack(before, rng, users):
    """The demo's new orders that came in before ``before`` are packed and handed a parcel."""
    waiting = db.session.execute(db.select(Order).join(StatusEvent).where(
        Order.status == statuses.NEW, Order.created_at <= before, StatusEvent.status == statuses.NEW,
        StatusEvent.actor == DEMO_ACTOR)).scalars().all()
    for order in waiting:
        carrier = order.delivery_carrier or "nova_poshta"
        add_shipment(order, carrier, tracking_number(rng, carrier))
        lifecycle.change_status(order, statuses.AWAITING_SHIPMENT, source="staff", actor_user=users.get("staff"))


def _next_customer(now, rng):
    """A demo customer with no order in the last day and room for a journey's messages today,
    else a new one."""
    cap = settings.get_int("NOTIFY_DAILY_CAP", 10)
    recent = db.select(Order.customer_id).where(Order.created_at > now - timedelta(days=1))
    sent = (db.select(db.func.count(Notification.id)).where(
        Notification.customer_id == Customer.id, Notification.channel.in_(CAPPED_CHANNELS),
        Notification.state != SKIPPED, Notification.created_at >= rules.start_of_local_day(now))
        .correlate(Customer).scalar_subquery())
    query = db.select(Customer).where(Customer.email.like("%@example.com"), Customer.id.not_in(recent),
                                      Customer.is_sandbox.is_(False))
    if cap > 0:
        query = query.where(sent + JOURNEY_MESSAGES <= cap)
    candidates = db.session.execute(query.order_by(Customer.id)).scalars().all()
    if candidates:
        return rng.choice(candidates)
    count = db.session.execute(db.select(db.func.count(Customer.id)).where(
        Customer.email.like("demo.buyer.%@example.com"))).scalar()
    customer = Customer(name=f"{rng.choice(BUYER_FIRST_NAMES)} {rng.choice(BUYER_LAST_NAMES)}",
                        email=f"demo.buyer.{count + 1}@example.com",
                        phone=f"+38067{rng.randint(1000000, 9999999)}", language="uk")
    db.session.add(customer)
    db.session.flush()
    return customer
