"""Creating and finding orders. Status changes go through ``lifecycle``, not here."""
import re
import uuid
from decimal import Decimal, InvalidOperation

import pytz
from babel.numbers import list_currencies
from flask_babel import gettext as _

from app.audit import record
from app.carriers import CARRIERS, detect_carriers, is_tracking_number, normalize_tracking_number
from app.clock import utcnow
from app.errors import FieldRefused
from app.extensions import db
from app.i18n import preferred_language
from app.notify.channels.email import valid_address
from app.notify.channels.sms import normalise_phone
from app.orders import access, links, statuses
from app.orders.lifecycle import announce, check_version, touch
from app.orders.models import Customer, Order, OrderItem, Shipment, StatusEvent
from app.text import whole_number


class OrderInputError(FieldRefused):
    """Invalid order data; ``field`` names the offending input, ``str()`` is translated."""


class DuplicateTrackingNumber(OrderInputError):
    """The carrier and tracking number already belong to a shipment."""

    def __init__(self):
        super().__init__("tracking_number", _("This tracking number is already used by another order."))


def same_name(a, b):
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


#: The built-in simulator: the only carrier of sandbox orders.
SANDBOX_CARRIER = "sandbox"


def find_or_create_customer(*, name, email=None, phone=None, country=None, language=None, sandbox=False):
    """The customer an order is filed under; two people are never merged into one.

    With an e-mail, the customer with that e-mail (or a new one): a phone already on file under
    another customer does not matter, since that customer would otherwise receive this order's
    messages and see its address. Without an e-mail, a phone matches only a customer who has no
    e-mail either and the same name (a returning guest who orders by phone). Platform webhooks
    first match the platform's own customer id (``app.api.platforms``). Used by the staff form,
    the API, CSV import and the platform webhooks.

    A sandbox API client's orders (``sandbox``) match only sandbox customers, and real orders
    only real ones: a test order never reaches a real customer's account, messages or data.
    ``OrderInputError`` for a phone that is not one (``parse_phone``, read in the delivery ``country``)
    or an e-mail that is not one (``parse_email``).
    """
    email = parse_email(email)
    phone = parse_phone(phone, parse_country(country))
    customer = None
    if email:
        customer = db.session.execute(db.select(Customer).filter_by(email=email, is_sandbox=bool(sandbox))
                                      .order_by(Customer.id)).scalars().first()
    elif phone:
        candidates = db.session.execute(db.select(Customer).filter_by(phone=phone, email=None, is_sandbox=bool(sandbox))
                                        .order_by(Customer.id)).scalars()
        customer = next((c for c in candidates if same_name(c.name, name)), None)
    if customer is None:
        customer = Customer(name=name, email=email, phone=phone, language=preferred_language(language), is_sandbox=bool(sandbox))
        db.session.add(customer)
    return customer


#: The ways a person writes an amount, as the app itself shows it (``format_money``) or plainer:
#: "1450.50", "1450,50", "1 450,50" (a space, no-break or narrow no-break space between thousands) and
#: English "1,450.50". A comma followed by three digits ("1,450") could be either a thousands or a
#: decimal separator, so it is refused rather than guessed.
_AMOUNT_FORMS = tuple(re.compile(form, re.ASCII) for form in (
    r"(?P<int>\d+)(?:[.](?P<frac>\d+))?",  # as programs write it; any decimals, rounded
    r"(?P<int>\d+),(?P<frac>\d{1,2})",
    r"(?P<int>\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+)(?:[.,](?P<frac>\d{1,2}))?",
    r"(?P<int>\d{1,3}(?:,\d{3})+)[.](?P<frac>\d{1,2})",
))
MAX_AMOUNT = Decimal("10000000000")


def parse_amount(value):
    """An amount of money (form field, CSV cell, JSON number) as a Decimal with two decimals.

    Raises ``ValueError`` for anything else, a negative amount or one of 10 billion or more.
    The one reading of amounts: prices and cash on delivery alike.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float, Decimal)):  # JSON numbers, a platform's computed unit price
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValueError(value) from None
        if not (amount.is_finite() and 0 <= amount < MAX_AMOUNT):
            raise ValueError(value)
        return amount
    text = str(value).strip()
    for form in _AMOUNT_FORMS:
        match = form.fullmatch(text)
        if match:
            whole = Decimal(re.sub(r"\D", "", match["int"]))
            if whole >= MAX_AMOUNT:  # checked first: a longer number cannot even be rounded to cents
                break
            amount = (whole + Decimal(f"0.{match['frac'] or 0}")).quantize(Decimal("0.01"))
            if amount < MAX_AMOUNT:
                return amount
            break
    raise ValueError(value)


def parse_price(value, field="price"):
    try:
        return parse_amount(value)
    except ValueError:
        raise OrderInputError(field, _("Enter a price such as 1450.00 or 1 450,00.")) from None


#: Kosovo's code, user-assigned in ISO 3166 and so missing from the time-zone table, but the one
#: WooCommerce (i18n/countries.php), Shopify and the EU use: an order to Kosovo was refused
OTHER_COUNTRIES = {"XK"}


def parse_country(value):
    """A delivery country as its ISO 3166 alpha-2 code ("UA" when none is given).

    The codes are the IANA time-zone database's country table (pytz, already used for carrier times)
    and ``OTHER_COUNTRIES``.
    """
    code = (value or "").strip().upper() or "UA"
    if code not in pytz.country_names and code not in OTHER_COUNTRIES:
        raise OrderInputError("delivery.country", _("Use a two-letter country code such as UA or PL."))
    return code


def parse_phone(value, country="UA"):
    """A customer's phone as typed, or None; refused unless it is a valid number (the SMS channel's rule:
    a number it could send to, read in the delivery country when it has no +code)."""
    phone = (value or "").strip() or None
    if phone and normalise_phone(phone, country) is None:
        raise OrderInputError("customer.phone", _("Enter a phone number such as +380 67 123 45 67."))
    return phone


def parse_email(value):
    """A customer's e-mail, lower-cased, or None; refused unless it is an address (the e-mail channel's
    rule: an address it could send to). The one check of customers' e-mails: staff form, API, CSV, platforms."""
    email = (value or "").strip().lower() or None
    if email and not valid_address(email):
        raise OrderInputError("customer.email", _("Enter a valid e-mail address."))
    return email


#: The most of one item an order line may hold
MAX_QUANTITY = 10000


def parse_quantity(value, field="quantity"):
    """An item's quantity: a whole number from 1 to ``MAX_QUANTITY``."""
    quantity = whole_number(1 if value is None else value, 1, MAX_QUANTITY)
    if quantity is None:
        raise OrderInputError(field, _("The quantity must be a whole number from 1 to %(max)d.", max=MAX_QUANTITY))
    return quantity


def _check_carrier(carrier, sandbox):
    if carrier not in CARRIERS:
        raise OrderInputError("carrier", _("Unknown carrier “%(carrier)s”.", carrier=carrier))
    if sandbox and carrier != SANDBOX_CARRIER:
        # a real carrier's number would be looked up with the shop's key, and its duplicate check
        # would tell which real parcels exist
        raise OrderInputError("carrier", _("A sandbox order's parcels use the sandbox carrier (numbers such as "
                                           "SBX0000001)."))


def parse_tracking_number(value):
    """A parcel's number as the carriers write it (``normalize_tracking_number``); ``OrderInputError``
    when it is empty or holds what no carrier's number does."""
    number = normalize_tracking_number(value)
    if not number:
        raise OrderInputError("tracking_number", _("Enter the tracking number."))
    if not is_tracking_number(number):
        raise OrderInputError("tracking_number", _("A tracking number is 6 to 40 Latin letters, digits and "
                                                   "hyphens: enter it as on the waybill, one number at a time."))
    return number


def new_parcel(carrier, tracking_number, *, sandbox=False):
    """(carrier, normalised number) of a parcel about to be added: the carrier may be empty and is then
    suggested from the number. ``OrderInputError`` when the parcel cannot be added."""
    number = parse_tracking_number(tracking_number)
    if not carrier:
        guesses = detect_carriers(number)
        if not guesses:
            raise OrderInputError("carrier", _("Choose the carrier: the number's format is not recognised."))
        carrier = guesses[0]
    _check_carrier(carrier, sandbox)
    exists = db.session.execute(db.select(Shipment.id).filter_by(carrier=carrier, tracking_number=number)
                                ).first()
    if exists:
        raise DuplicateTrackingNumber()
    return carrier, number


def add_shipment(order, carrier, tracking_number, *, expected_version=None, actor_user=None):
    """Attach a parcel; the carrier may be empty and is then suggested from the number.

    A person adding it (``actor_user``) to a saved order bumps its version and is audited;
    ``expected_version`` guards their form (``lifecycle.StaleOrder``).
    """
    check_version(order, expected_version)
    carrier, number = new_parcel(carrier, tracking_number, sandbox=order.is_sandbox)
    shipment = Shipment(carrier=carrier, tracking_number=number,
                        active=order.status in statuses.ACTIVE_SHIPPING or order.status == statuses.NEW)
    order.shipments.append(shipment)
    if not order.delivery_carrier:
        order.delivery_carrier = carrier
    if actor_user is not None:
        touch(order)
        record("shipment.add", "order", order.id, after={"carrier": shipment.carrier,
                                                         "tracking_number": shipment.tracking_number}, actor=actor_user)
    return shipment


def update_shipment(shipment, *, carrier=None, tracking_number=None):
    """Change a parcel's carrier and/or tracking number; a changed parcel is polled afresh."""
    # the number it has, sent back unchanged, is not checked again (one stored before today's rules stays)
    unchanged = tracking_number is None or normalize_tracking_number(tracking_number) == shipment.tracking_number
    number = shipment.tracking_number if unchanged else parse_tracking_number(tracking_number)
    carrier = carrier or shipment.carrier
    _check_carrier(carrier, shipment.order.is_sandbox)
    if (carrier, number) == (shipment.carrier, shipment.tracking_number):
        return False
    exists = db.session.execute(db.select(Shipment.id).filter_by(carrier=carrier, tracking_number=number)
                                .filter(Shipment.id != shipment.id)).first()
    if exists:
        raise DuplicateTrackingNumber()
    shipment.carrier, shipment.tracking_number = carrier, number
    shipment.last_raw_status = shipment.last_raw_text = None
    shipment.last_synced_at = shipment.next_sync_at = None
    order = shipment.order
    if order.shipments and order.shipments[0] is shipment:
        order.delivery_carrier = carrier
    touch(order)  # customers see the number; bumps version (and updated_at)
    return True
#: An item's picture: an absolute http(s) address, no spaces or quotes, at most 500 characters
IMAGE_URL = re.compile(r"^https?://[^\s\"'<>]{3,490}$")


def build_items(items):
    """Validated ``OrderItem`` rows from dicts (name, sku, size, color, quantity, price, image_url)."""
    built = []
    for index, item in enumerate(items):
        name = (item.get("name") or "").strip()
        if not name:
            raise OrderInputError(f"items[{index}].name", _("Each item needs a name."))
        quantity = parse_quantity(item.get("quantity", 1), f"items[{index}].quantity")
        image_url = (item.get("image_url") or "").strip() or None
        if image_url and not IMAGE_URL.match(image_url):
            raise OrderInputError(f"items[{index}].image_url",
                                  _("The picture's address must start with https:// (or http://)."))
        built.append(OrderItem(name=name, sku=item.get("sku") or None, size=item.get("size") or None,
                               color=item.get("color") or None, quantity=quantity, image_url=image_url,
                               price=parse_price(item.get("price", "0"), f"items[{index}].price")))
    return built


#: The currencies the staff form offers; the first is the shop's own, an order's unless it says otherwise.
#: An order from the API, a platform or a CSV file may be in any ISO 4217 currency (a shop's platform
#: sells in whatever currency it sells in: refusing the order would leave it untracked).
CURRENCIES = ("UAH", "PLN", "EUR", "USD")
SHOP_CURRENCY = CURRENCIES[0]


def parse_currency(value):
    """An order's currency (form, CSV cell, JSON): an ISO 4217 code in any case; empty: the shop's.

    Raises ``OrderInputError`` for a code that is no currency."""
    code = (value or "").strip().upper()
    if not code:
        return SHOP_CURRENCY
    if code not in list_currencies():
        raise OrderInputError("currency", _("Unknown currency “%(code)s”: use a three-letter ISO 4217 code such as "
                                            "%(codes)s.", code=code, codes=", ".join(CURRENCIES)))
    return code


def parse_cod_amount(value):
    """A cash-on-delivery amount (form, CSV cell, JSON) as a Decimal, or None for none or 0.

    Raises ``OrderInputError`` for a negative amount or anything that is not a number.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = parse_amount(value)
    except ValueError:
        raise OrderInputError("cod_amount", _("The cash-on-delivery amount must be a number of 0 or more, "
                                              "for example 1450.00.")) from None
    return amount or None


def check_cod_amount(cod_amount, total):
    """The one rule of a cash-on-delivery amount against the order's ``total``, on every way in (staff
    form, API, CSV import, platforms): the customer is never asked for more than the order costs.

    ``total`` is the order's items' total, or the total a platform gives (which includes its delivery
    charge). An order whose items carry no price (a total of 0) has no known total to check against:
    its amount is taken as entered. Raises ``OrderInputError``."""
    if cod_amount is not None and total and cod_amount > total:
        raise OrderInputError("cod_amount", _("The cash-on-delivery amount %(amount)s is more than the order's total "
                                              "%(total)s: enter at most the total.",
                                              amount=f"{cod_amount:.2f}", total=f"{total:.2f}"))


def items_total(items):
    return sum((item.line_total for item in items), Decimal("0.00"))


def create_order(customer, items, *, delivery=None, shipments=(), source="staff", actor=None,
                 actor_user=None, number=None, created_at=None, currency=None, note=None, sandbox=False,
                 cod_amount=None, total=None):
    """Create an order in status ``new`` with its first history row.

    ``items``: dicts with name, sku, size, color, quantity, price. ``delivery``: dict with
    carrier, country, city, region, pickup_point, address, postcode. ``shipments``: dicts with
    carrier and tracking_number. ``currency``: one of ``CURRENCIES`` (None: the shop's).
    ``total``: the order's total where the source says it (a platform's, with its delivery charge);
    None: its items' total. ``cod_amount`` may not be above it (``check_cod_amount``).
    """
    if not items:
        raise OrderInputError("items", _("An order needs at least one item."))
    cod_amount = parse_cod_amount(cod_amount)
    built = build_items(items)
    check_cod_amount(cod_amount, items_total(built) if total is None else parse_cod_amount(total) or Decimal(0))
    currency = parse_currency(currency)
    when = created_at or utcnow()
    delivery = delivery or {}
    country = parse_country(delivery.get("country"))
    order = Order(customer=customer, status=statuses.NEW, status_changed_at=when, version=1,
                  created_at=when, updated_at=when, currency=currency, note=note, is_sandbox=bool(sandbox),
                  number=number or f"tmp-{uuid.uuid4().hex[:24]}", link_nonce=links.new_nonce(),
                  delivery_carrier=delivery.get("carrier") or None,
                  delivery_country=country,
                  delivery_city=delivery.get("city"), delivery_region=delivery.get("region"),
                  delivery_pickup_point=delivery.get("pickup_point"), delivery_address=delivery.get("address"),
                  delivery_postcode=delivery.get("postcode"), cod_amount=cod_amount)
    order.items.extend(built)
    db.session.add(order)
    for shipment in shipments:
        add_shipment(order, shipment.get("carrier"), shipment.get("tracking_number"))
    db.session.flush()
    if number is None:
        order.number = f"{access.order_number_prefix()}{100000 + order.id}"
    event = StatusEvent(order=order, status=statuses.NEW, previous_status=None, created_at=when, source=source,
                        actor=actor or getattr(actor_user, "email", None), actor_user_id=getattr(actor_user, "id", None))
    db.session.add(event)
    announce(order, event)
    return order


def create_staff_order(customer, items, *, delivery, shipments, note, cod_amount, currency, actor_user):
    """An order a staff member typed in, filed under its customer (``find_or_create_customer``); audited."""
    found = find_or_create_customer(name=customer["name"].strip(), email=customer["email"], phone=customer["phone"],
                                    country=delivery.get("country"))
    order = create_order(found, items, delivery=delivery, shipments=shipments, source="staff", actor_user=actor_user,
                         note=note, cod_amount=cod_amount, currency=currency)
    record("order.create", "order", order.id, after={"number": order.number}, actor=actor_user)
    return order


DELIVERY_FIELDS = ("country", "city", "region", "pickup_point", "address", "postcode")


def _item_snapshot(items):
    return [{"name": i.name, "sku": i.sku, "size": i.size, "color": i.color, "quantity": i.quantity,
             "price": str(i.price)} for i in items]


def _delivery_snapshot(order):
    return {name: getattr(order, f"delivery_{name}") for name in DELIVERY_FIELDS}


def order_snapshot(order):
    """What staff can edit on an order, as plain data (for the audit log's before → after)."""
    return {
        "customer": {"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone},
        "delivery": _delivery_snapshot(order),
        "items": _item_snapshot(order.items),
        "note": order.note,
        "cod_amount": None if order.cod_amount is None else str(order.cod_amount),
    }


def update_order(order, *, customer, items, delivery, note=None, expected_version=None, actor_user=None,
                 cod_amount=None):
    """Replace an order's customer details, items and delivery details in one go.

    ``expected_version`` is the version the editor's form was built from; if the order changed
    since, ``lifecycle.StaleOrder`` is raised and nothing is written. Records the change in the audit log.
    """
    check_version(order, expected_version)
    name = (customer.get("name") or "").strip()
    if not name:
        raise OrderInputError("customer.name", _("Enter the customer's name."))
    if not items:
        raise OrderInputError("items", _("An order needs at least one item."))
    new_items = build_items(items)
    cod_amount = parse_cod_amount(cod_amount)
    if cod_amount != order.cod_amount or order_snapshot(order)["items"] != _item_snapshot(new_items):
        check_cod_amount(cod_amount, items_total(new_items))  # a platform's amount, with its delivery, stays as it was
    country = parse_country(delivery.get("country"))
    phone = parse_phone(customer.get("phone"), country)
    email = parse_email(customer.get("email"))
    before = order_snapshot(order)
    order.customer.name = name
    order.customer.email = email
    order.customer.phone = phone
    _set_delivery(order, delivery, country)
    order.note = (note or "").strip() or None
    order.cod_amount = cod_amount
    order.items[:] = new_items
    after = order_snapshot(order)
    if after == before:
        return False
    touch(order)
    changed = {key for key in after if after[key] != before[key]}
    record("order.update", "order", order.id, before={k: before[k] for k in sorted(changed)},
           after={k: after[k] for k in sorted(changed)}, actor=actor_user)
    return True


def _set_delivery(order, delivery, country):
    for field in DELIVERY_FIELDS:
        value = country if field == "country" else (delivery.get(field) or "").strip() or None
        setattr(order, f"delivery_{field}", value)


def update_delivery(order, delivery, *, actor_label=None):
    """Replace an order's delivery details (``DELIVERY_FIELDS``) as its source now gives them; audited.
    False when nothing changed."""
    country = parse_country(delivery.get("country"))
    before = _delivery_snapshot(order)
    _set_delivery(order, delivery, country)
    after = _delivery_snapshot(order)
    if after == before:
        return False
    touch(order)
    changed = sorted(key for key in after if after[key] != before[key])
    record("order.update", "order", order.id, before={"delivery": {k: before[k] for k in changed}},
           after={"delivery": {k: after[k] for k in changed}}, actor_label=actor_label)
    return True


def has_carrier_history(shipment):
    """Has the carrier reported on this parcel (its events, or the status and words they left)?
    Its history is the record of what happened to the order's goods: ``remove_shipment`` deletes it,
    so only a person looking at it on the order's page removes such a parcel, never a file."""
    return shipment.status is not None or shipment.last_raw_status is not None or bool(shipment.events)


def remove_shipment(order, shipment_id, *, expected_version=None, actor_user=None):
    """Detach a parcel that was entered by mistake (its carrier events go with it)."""
    check_version(order, expected_version)
    shipment = next((s for s in order.shipments if s.id == shipment_id), None)
    if shipment is None:
        raise OrderInputError("shipment", _("This shipment is not part of the order."))
    order.shipments.remove(shipment)
    if order.delivery_carrier == shipment.carrier and not any(s.carrier == shipment.carrier for s in order.shipments):
        order.delivery_carrier = order.shipments[0].carrier if order.shipments else None
    touch(order)
    record("shipment.remove", "order", order.id,
           before={"carrier": shipment.carrier, "tracking_number": shipment.tracking_number}, after=None,
           actor=actor_user)
