"""Orders in and out as files: CSV import (every row checked before anything is written) and
CSV/Excel/JSON export.

The CSV has one row per item; rows with the same ``order_number`` form one order. Export
writes the same columns (the Excel file with their names in the reader's language, ``app.exports``), so
an exported CSV file imports back: into another Posylka, or into this
one, where the orders that already exist are reported or (when the staff member asks) updated.

An import of 20,000 rows must not keep the shop waiting: the check reads without the write lock,
and the orders are then written in short transactions (``IMPORT_BATCH_MS``) with, on SQLite, as
long a pause between them, so the health check, customers and staff get their turn.
"""
import csv
import io
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import record
from app.carriers import CARRIERS, carrier_label, detect_carriers, normalize_tracking_number
from app.database import reading
from app.exports import csv_chunks, iso_utc
from app.extensions import db
from app.orders import lifecycle, statuses
from app.orders.models import Order, Shipment
from app.orders.services import (
    DELIVERY_FIELDS,
    OrderInputError,
    add_shipment,
    build_items,
    check_cod_amount,
    create_order,
    find_or_create_customer,
    has_carrier_history,
    items_total,
    parse_cod_amount,
    parse_country,
    parse_currency,
    parse_email,
    parse_phone,
    parse_price,
    parse_quantity,
    parse_tracking_number,
    remove_shipment,
)

COLUMNS = (
    "order_number", "created_at", "status", "status_note", "customer_name", "customer_email", "customer_phone",
    "country", "region", "city", "pickup_point", "address", "postcode", "carrier", "tracking_number",
    "item_name", "item_sku", "item_size", "item_color", "item_quantity", "item_price", "note", "cod_amount",
    "item_image_url", "currency",
)
#: The columns' names in the reader's language (the Excel export's header; the CSV keeps the codes above).
COLUMN_LABELS = {
    "order_number": _l("Order number"), "created_at": _l("Created"), "status": _l("Status"),
    "status_note": _l("Status note"), "customer_name": _l("Customer name"), "customer_email": _l("E-mail"),
    "customer_phone": _l("Phone"), "country": _l("Country"), "region": _l("Region"), "city": _l("City"),
    "pickup_point": _l("Pickup point"), "address": _l("Address"), "postcode": _l("Postcode"),
    "carrier": _l("Carrier"), "tracking_number": _l("Tracking number"), "item_name": _l("Item"),
    "item_sku": _l("SKU"), "item_size": _l("Size"), "item_color": _l("Colour"), "item_quantity": _l("Quantity"),
    "item_price": _l("Price"), "note": _l("Order note"), "cod_amount": _l("Cash on delivery"),
    "item_image_url": _l("Item picture URL"), "currency": _l("Currency"),
}
#: What a new order needs. An order that exists and is updated from the file needs only its number.
REQUIRED_COLUMNS = ("customer_name", "item_name", "item_price")
#: What an update of an existing order applies (its parcels and status); the rest stays as it is.
UPDATE_COLUMNS = ("order_number", "status", "status_note", "carrier", "tracking_number")
LIMITS = {"order_number": 32, "customer_name": 200, "customer_email": 254, "customer_phone": 32, "country": 2,
          "region": 120, "city": 120, "pickup_point": 255, "address": 255, "postcode": 16, "tracking_number": 64,
          "item_name": 200, "item_sku": 64, "item_size": 64, "item_color": 64, "item_image_url": 500, "status_note": 2000, "note": 2000}
MAX_ROWS = 20000
SQLITE_RETRY_SECONDS = 0.11  # the longest sleep of SQLite's busy handler between two tries, and a little
#: How an imported order reaches its status (each step through the lifecycle, source "import").
IMPORT_PATHS = {
    statuses.NEW: (),
    statuses.AWAITING_SHIPMENT: (statuses.AWAITING_SHIPMENT,),
    statuses.SHIPPED: (statuses.SHIPPED,),
    statuses.IN_TRANSIT: (statuses.SHIPPED, statuses.IN_TRANSIT),
    statuses.DELIVERED: (statuses.SHIPPED, statuses.IN_TRANSIT, statuses.DELIVERED),
    statuses.RETURNED: (statuses.SHIPPED, statuses.RETURNED),
    statuses.CANCELLED: (statuses.CANCELLED,),
}


@dataclass
class RowError:
    row: int
    column: str
    message: str
    value: str = ""  # what the file holds there, shown next to the message


@dataclass
class ImportResult:
    created: list = field(default_factory=list)  # ImportedOrder (or Order while its batch is written)
    updated: list = field(default_factory=list)
    unchanged: int = 0  # existing orders the file holds as they already are
    kept_columns: tuple = ()  # the file's columns an update did not apply to the orders that exist

    def summary(self):
        """One line of what the file did: made, updated, or found every order as it already is."""
        parts = []
        if self.created or not (self.updated or self.unchanged):
            parts.append(_("Imported %(n)d orders.", n=len(self.created)))
        if self.updated:
            parts.append(_("Updated %(n)d orders that already existed.", n=len(self.updated)))
        if self.unchanged and not (self.created or self.updated):
            parts.append(_("Nothing changed: every order in the file is already as the file says."))
        return " ".join(parts)

    def kept_column_labels(self):
        return ", ".join(str(COLUMN_LABELS[column]) for column in self.kept_columns)

    def parcel_changes(self):
        """The updated orders whose parcels the file changed (what the report lists order by order)."""
        return [order for order in self.updated if order.removed or order.added]


@dataclass(frozen=True)
class ImportedOrder:
    """What the report shows of an imported order: its batch's objects leave the session when it commits.
    An updated order also keeps the parcel numbers the update removed from it and added to it."""
    id: int
    number: str
    removed: tuple = ()
    added: tuple = ()

    def parcel_change(self):
        """What the update did to the order's parcels, as the report says it."""
        removed, added = ", ".join(self.removed), ", ".join(self.added)
        if removed and added:
            return _("Replaced: %(removed)s → %(added)s", removed=removed, added=added)
        if removed:
            return _("Removed, not in the file: %(removed)s", removed=removed)
        return _("Added: %(added)s (the order keeps its other parcels)", added=added) if added else ""


class ImportFailed(Exception):
    """The file was refused; ``errors`` lists every problem found (row, column, message).

    ``partial`` is None when nothing was written (every problem the check finds). Only a change
    made by someone else between the check and the write (an order number taken meanwhile) can
    stop the import half-way: ``partial`` then holds the orders the earlier batches imported and
    ``stopped_at`` the first row of the batch that was not."""

    def __init__(self, errors, partial=None, stopped_at=None):
        self.errors = errors
        self.partial = partial
        self.stopped_at = stopped_at
        super().__init__(len(errors))


#: how Excel writes a date in Ukrainian, Polish and Russian: 31.03.2026 or 31.03.2026 14:05(:00), the shop's time
LOCAL_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _parse_when(value):
    value = value.strip()
    local = LOCAL_DATE_RE.match(value)
    if local:
        day, month, year, hour, minute, second = (int(part or 0) for part in local.groups())
        try:
            local_time = datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
        except ValueError:
            return None
        return local_time.astimezone(timezone.utc).replace(tzinfo=None)
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time())
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _name_key(text):
    """How a column, status or carrier name is compared: "Номер замовлення", "номер_замовлення" and
    "Order-Number" alike (and the apostrophes and "ё" people type either way)."""
    text = text.strip().casefold().replace("ё", "е").replace("ʼ", "'").replace("’", "'")
    return re.sub(r"[\s-]+", "_", text)


def names_in_every_language(codes, label):
    """{name key: code} for ``codes`` and their labels (``label(code)``) in every language of the app:
    the names the exports and pages write. A name two codes share in some language is left out."""
    found = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            for code in codes:
                found.setdefault(_name_key(str(label(code))), set()).add(code)
    names = {key: next(iter(owners)) for key, owners in found.items() if len(owners) == 1}
    return names | {code: code for code in codes}


def read_rows(data, update_existing=False):
    """Decode and split the file; returns (header, [(row_number, dict)]). The header may name the columns
    by their codes or as the exports write them (``COLUMN_LABELS``) in any of the app's languages.
    With ``update_existing`` the columns only a new order needs are checked row by row (``validate``)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([RowError(1, "", _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."))])
    if not text.strip():
        raise ImportFailed([RowError(1, "", _("The file is empty."))])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    written = [h.strip() for h in next(reader)]
    while written and not written[-1]:  # Excel writes the empty columns after the last one (";;")
        written.pop()
    names = names_in_every_language(COLUMNS, lambda column: COLUMN_LABELS[column])
    header = [names.get(_name_key(name), name) for name in written]
    errors = [RowError(1, column, _("The required column is missing.")) for column in REQUIRED_COLUMNS
              if column not in header and not update_existing]
    errors += [RowError(1, column, _("Unknown column."), column) for column in header if column not in COLUMNS]
    errors += [RowError(1, column, _("The file has this column twice."), written[i])
               for i, column in enumerate(header) if column in COLUMNS and column in header[:i]]
    if errors:
        raise ImportFailed(errors)
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFailed([RowError(reader.line_num, "", _("The file has more than %(n)d rows; split it.",
                                                                n=MAX_ROWS))])
        while len(values) > len(header) and not values[-1].strip():
            values.pop()
        if len(values) > len(header):
            rows.append((reader.line_num, None))
            continue
        rows.append((reader.line_num, {column: (values[i].strip() if i < len(values) else "")
                                       for i, column in enumerate(header)}))
    if not rows:
        raise ImportFailed([RowError(2, "", _("The file has no order rows."))])
    return header, rows


def _validate_row(line, row, errors, seen_tracking, owners, names, new_order=True, parcels=()):
    """Check one row. ``names`` maps the names a status or carrier may be written as to its code
    (``names_in_every_language``); the row is changed to hold the codes, and its parcel as it will be
    stored. A row of an existing order that is updated (not ``new_order``) needs none of the columns
    only a new order needs, and may name one of the order's own ``parcels`` as it is stored."""
    def bad(column, message):
        errors.append(RowError(line, column, message, row.get(column, "")))

    for column in ("status", "carrier"):
        if row.get(column):
            row[column] = names[column].get(_name_key(row[column]), row[column])
    for column, limit in LIMITS.items():
        if len(row.get(column, "")) > limit:
            bad(column, _("Too long: at most %(n)d characters.", n=limit))
    missing = [column for column in REQUIRED_COLUMNS if column not in row] if new_order else []
    if missing:  # "Update them" with a file of existing orders only: this row's number is no order's
        bad("order_number", _("No order has this number, so the row would make a new order, and a new order "
                              "needs columns the file lacks: %(columns)s.",
                              columns=", ".join(str(COLUMN_LABELS[column]) for column in missing)))
    if new_order and not row.get("customer_name") and "customer_name" not in missing:
        bad("customer_name", _("Enter the customer's name."))
    if new_order and not row.get("item_name") and "item_name" not in missing:
        bad("item_name", _("Each item needs a name."))
    for column, parse in (("customer_email", parse_email), ("item_quantity", lambda value: parse_quantity(value or "1")),
                          ("item_price", parse_price), ("cod_amount", parse_cod_amount), ("currency", parse_currency)):
        if column in ("item_price", "item_quantity") and not new_order:
            continue  # an update keeps the order's items (and the export's line of a parcel beyond them has 0)
        if column == "item_price" and column in missing:
            continue
        try:
            parse(row.get(column))  # the order services' own rules, so that the file is refused before a write
        except OrderInputError as error:
            bad(column, str(error))
    if row.get("created_at") and _parse_when(row["created_at"]) is None:
        bad("created_at", _("Use a date such as 2026-03-31, 2026-03-31T14:05:00 or 31.03.2026 14:05."))
    status = row.get("status", "")
    if status and status not in statuses.ALL:
        bad("status", _("Unknown status “%(status)s”. Use one of: %(codes)s.", status=status,
                        codes=", ".join(statuses.ALL)))
    elif status in statuses.NEEDS_REASON and not row.get("status_note"):
        bad("status_note", _("“%(target)s” needs a reason.", target=statuses.label(status)))
    try:
        country = parse_country(row.get("country"))
    except OrderInputError as error:
        country = "UA"
        bad("country", str(error))
    try:
        parse_phone(row.get("customer_phone"), country)
    except OrderInputError as error:
        bad("customer_phone", str(error))
    carrier = row.get("carrier", "")
    number = normalize_tracking_number(row.get("tracking_number", ""))
    if carrier and carrier not in CARRIERS:
        bad("carrier", _("Unknown carrier “%(carrier)s”. Use one of: %(codes)s.", carrier=carrier,
                         codes=", ".join(CARRIERS)))
    elif number:
        stored = _stored_parcel(parcels, carrier, number)
        if stored is not None:
            # the order's own parcel, as the export wrote it: not new input, so not held to today's
            # rule (a number stored before it, or a retention's "anon-…", re-imports as it is)
            carrier, number = stored
        else:
            try:
                parse_tracking_number(number)
            except OrderInputError as error:
                bad("tracking_number", str(error))
                return
            if not carrier:
                guesses = detect_carriers(number)
                if not guesses:
                    bad("carrier", _("Choose the carrier: the number's format is not recognised."))
                    return
                carrier = guesses[0]
        row["carrier"], row["tracking_number"] = carrier, number
        key = (carrier, number)
        order_number = row.get("order_number") or None
        if key in seen_tracking:
            if order_number is None or seen_tracking[key] != order_number:
                bad("tracking_number", _("This tracking number appears twice in the file."))
        elif owners.get(key, order_number) != order_number:
            bad("tracking_number", _("This tracking number is already used by another order."))
        seen_tracking[key] = row.get("order_number") or None


def _stored_parcel(parcels, carrier, number):
    """(carrier, number as stored) of the one of ``parcels`` (an existing order's) that the file's
    ``number`` (normalised) names with ``carrier`` (or with none), or None."""
    for shipment in parcels:
        if normalize_tracking_number(shipment.tracking_number) == number and carrier in ("", shipment.carrier):
            return shipment.carrier, shipment.tracking_number
    return None


def _in_chunks(values, query):
    values = sorted(values)
    for start in range(0, len(values), 500):
        yield from db.session.execute(query(values[start:start + 500]))


def validate(rows, update_existing=False, every_parcel=False):
    """Check every row; returns the orders as [[(line, row), ...], ...] and the existing orders
    among them ({order number: Order}, empty unless ``update_existing``). With ``every_parcel`` the
    file lists every parcel of the existing orders it names a parcel of (``_left_out``)."""
    errors = []
    groups = {}
    seen_tracking = {}
    numbers = {row.get("order_number") for _line, row in rows if row and row.get("order_number")}
    # an update compares the file's parcels with the orders' own: read them with the orders, chunk by chunk
    parcels = (selectinload(Order.shipments),) if update_existing else ()
    existing = {order.number: order for (order,) in _in_chunks(
        numbers, lambda chunk: db.select(Order).where(Order.number.in_(chunk)).options(*parcels))}
    tracking = {normalize_tracking_number(row.get("tracking_number", "")) for _line, row in rows if row}
    tracking.discard("")
    # which order each tracking number of the file already belongs to: its own order may name it again
    owners = {(carrier, number): order_number for carrier, number, order_number in _in_chunks(
        tracking, lambda chunk: db.select(Shipment.carrier, Shipment.tracking_number, Order.number)
        .join(Order, Shipment.order_id == Order.id).where(Shipment.tracking_number.in_(chunk)))}
    names = {"status": names_in_every_language(statuses.ALL, statuses.label),
             "carrier": names_in_every_language(CARRIERS, carrier_label)}
    first_lines = {}  # a row's values: the first line that holds them
    for index, (line, row) in enumerate(rows):
        if row is None:
            errors.append(RowError(line, "", _("The row has more values than the header has columns.")))
            continue
        first = first_lines.setdefault(tuple(row.values()), line)
        if first != line:  # pasted twice: a second order, or the item twice, that nobody meant
            errors.append(RowError(line, "", _("Repeats row %(row)d. Delete the repeat (for several pieces of an "
                                               "item, set item_quantity).", row=first)))
            continue
        number = row.get("order_number", "")
        updated = update_existing and number in existing
        _validate_row(line, row, errors, seen_tracking, owners, names, new_order=not updated,
                      parcels=existing[number].shipments if updated else ())
        if number in existing and number not in groups:  # once per order, on its first row
            if update_existing:
                _check_move(line, row, existing[number], errors)
            else:
                errors.append(RowError(line, "order_number", _("An order with this number already exists. Choose "
                                                              "“Update them” to update it."), number))
        key = number or f"\0{index}"
        groups.setdefault(key, []).append((line, row))
    for key, group in ([] if errors else groups.items()):
        if key not in existing:  # an order updated from the file keeps its items and amount
            _check_cod(group, errors)
        elif update_existing and every_parcel:
            errors += [_kept_parcel_error(group, shipment) for shipment in _left_out(existing[key], group)
                       if has_carrier_history(shipment)]
    if errors:
        raise ImportFailed(errors)
    return list(groups.values()), (existing if update_existing else {})


def _check_cod(group, errors):
    """A new order's cash-on-delivery amount against its items' total, before anything is written."""
    line, first = group[0]
    try:
        check_cod_amount(parse_cod_amount(first.get("cod_amount")), items_total(build_items(_items(group))))
    except OrderInputError as error:
        errors.append(RowError(line, "cod_amount", str(error), first.get("cod_amount", "")))


def _items(group):
    return [{"name": r["item_name"], "sku": r.get("item_sku"), "size": r.get("item_size"),
             "color": r.get("item_color"), "quantity": int(r.get("item_quantity") or 1), "price": r["item_price"],
             "image_url": r.get("item_image_url")}
            for _line, r in group]


def _check_move(line, row, order, errors):
    """An existing order must be able to reach the file's status (checked before anything is written)."""
    target = row.get("status") or order.status
    if target == order.status or target not in statuses.ALL:  # an unknown status is the row check's error
        return
    allowed = [s for s in statuses.allowed_next(order.status) if s in statuses.SOURCE_TARGETS["import"]]
    if target not in allowed:
        errors.append(RowError(line, "status", str(lifecycle.IllegalTransition(order.status, target, allowed)), target))


def _create(group, actor_user):
    line, first = group[0]
    customer = find_or_create_customer(name=first["customer_name"], email=first.get("customer_email"),
                                       phone=first.get("customer_phone"), country=first.get("country"))
    items = _items(group)
    shipments = _shipments(group)
    created_at = _parse_when(first["created_at"]) if first.get("created_at") else None
    order = create_order(
        customer, items, shipments=shipments, source="import", actor_user=actor_user,
        number=first.get("order_number") or None, created_at=created_at, note=first.get("note") or None,
        cod_amount=first.get("cod_amount"), currency=first.get("currency"),
        delivery={"carrier": None if shipments else first.get("carrier") or None,
                  **{name: first.get(name) or None for name in DELIVERY_FIELDS}})
    for step in IMPORT_PATHS[first.get("status") or statuses.NEW]:
        note = first.get("status_note") if step in statuses.NEEDS_REASON else None
        lifecycle.change_status(order, step, source="import", actor=getattr(actor_user, "email", None),
                                note=note, at=created_at)
    return order


def _shipments(group):
    """The group's parcels, as the check left them in its rows (``_validate_row``: the number as it is,
    or will be, stored)."""
    shipments = []
    for _line, r in group:
        number = r.get("tracking_number", "")
        if number and {"carrier": r["carrier"], "tracking_number": number} not in shipments:
            shipments.append({"carrier": r["carrier"], "tracking_number": number})
    return shipments


def _left_out(order, group):
    """The parcels of an existing ``order`` that a file listing every parcel of its orders leaves out
    (none when the file names no parcel of the order). A parcel coming back to the shop (a return)
    is not one the file lists: it stays."""
    listed = {(s["carrier"], s["tracking_number"]) for s in _shipments(group)}
    if not listed:
        return []
    return [s for s in order.shipments if not s.is_return and (s.carrier, s.tracking_number) not in listed]


def _kept_parcel_error(group, shipment):
    """A parcel the file leaves out that the carrier has already reported on: the file is refused.

    Removing it would delete the carrier's history of the order's goods (``remove_shipment`` takes its
    events with it). Stopping its polling and keeping it would not be safe either: the next shipping
    move (staff, the API, an import) polls every parcel of the order again
    (``lifecycle._set_shipments_active``), and the sync still moves the order by every parcel's status
    (``statuses.order_status_from_parcels``), so the wrong parcel could go on holding the order back
    or return it. A person decides on the order's page, where its history is shown."""
    line = next((line for line, row in group if row.get("tracking_number")), group[0][0])
    return RowError(line, "tracking_number", _(
        "The order's parcel %(number)s is not in the file, and the carrier has already reported on it, so the "
        "import does not remove it. Remove it on the order's page if it is wrong, or add its row to the file.",
        number=shipment.tracking_number), shipment.tracking_number)


def _update(order, group, actor_user, every_parcel=False):
    """An order that exists: add the file's parcels it lacks (with ``every_parcel``, first remove the
    parcels the file leaves out) and move it to the file's status. Items, customer and delivery details
    stay as they are (edit them on the order page). Returns the removed and the added parcel numbers
    and whether anything changed."""
    line, first = group[0]
    removed, added = [], []
    for shipment in _left_out(order, group) if every_parcel else ():
        if has_carrier_history(shipment):  # the carrier reported on it after the check
            raise ImportFailed([_kept_parcel_error(group, shipment)])
        remove_shipment(order, shipment.id, actor_user=actor_user)
        removed.append(shipment.tracking_number)
    have = {(s.carrier, s.tracking_number) for s in order.shipments}
    for shipment in _shipments(group):
        if (shipment["carrier"], shipment["tracking_number"]) not in have:
            add_shipment(order, shipment["carrier"], shipment["tracking_number"])
            added.append(shipment["tracking_number"])
    changed = bool(removed or added)
    target = first.get("status") or order.status
    if target != order.status:
        try:
            lifecycle.change_status(order, target, source="import", actor=getattr(actor_user, "email", None),
                                    note=first.get("status_note") or None)
        except lifecycle.LifecycleError as error:
            raise ImportFailed([RowError(line, "status", str(error), target)])
        changed = True
    elif changed:
        lifecycle.touch(order)
    return removed, added, changed


def import_orders(data, *, actor_user=None, update_existing=False, every_parcel=False):
    """Check the whole file, then create (or, with ``update_existing``, update) its orders.
    Returns an ``ImportResult``. With ``every_parcel`` (an update only) the file lists every parcel
    of its orders: an existing order's parcels it leaves out are removed (``_left_out``).

    Unlike other services this one commits, in batches: one transaction for 20,000 rows held
    SQLite's write lock for seconds (the health check failed, customers and staff waited).
    Every problem the check can find raises ``ImportFailed`` before anything is written, so such
    a file is imported whole or not at all; see ``ImportFailed.partial`` for the rest.
    """
    header, rows = read_rows(data, update_existing)
    db.session.commit()  # whatever the request began (its log-in check) ends before the long check
    with reading():
        groups, existing = validate(rows, update_existing, every_parcel)
        db.session.rollback()  # the check's snapshot ends here; the orders it found reload when written
    result = ImportResult()
    if existing:  # say what the update did not apply, rather than count an order with a new city as unchanged
        result.kept_columns = tuple(column for column in header if column not in UPDATE_COLUMNS)
    batch_seconds = int(current_app.config.get("IMPORT_BATCH_MS", 100)) / 1000
    # SQLite lets a waiting writer retry at most every 100 ms: a longer pause lets every one of them in
    pause = max(batch_seconds, SQLITE_RETRY_SECONDS) if db.engine.dialect.name == "sqlite" else 0
    index = 0
    while index < len(groups):
        first_line = groups[index][0][0]
        started = time.monotonic()
        batch = ImportResult()
        try:
            while index < len(groups):
                _write_group(groups[index], existing, batch, actor_user, every_parcel)
                index += 1
                if time.monotonic() - started >= batch_seconds:
                    break
            db.session.flush()
        except (ImportFailed, IntegrityError) as failure:
            db.session.rollback()
            errors = failure.errors if isinstance(failure, ImportFailed) else [RowError(first_line, "", _(
                "Someone saved an order with one of these order or parcel numbers while the file was being imported."))]
            if result.created or result.updated:
                _record(result, actor_user, stopped_at=first_line)
                db.session.commit()
                raise ImportFailed(errors, partial=result, stopped_at=first_line) from failure
            raise ImportFailed(errors) from failure
        result.created += [ImportedOrder(order.id, order.number) for order in batch.created]
        result.updated += batch.updated
        result.unchanged += batch.unchanged
        if index == len(groups):
            _record(result, actor_user)
        db.session.commit()
        if pause and index < len(groups):
            time.sleep(pause)
    return result


def _write_group(group, existing, batch, actor_user, every_parcel=False):
    line, first = group[0]
    order = existing.get(first.get("order_number", ""))
    try:
        if order is None:
            batch.created.append(_create(group, actor_user))
            return
        removed, added, changed = _update(order, group, actor_user, every_parcel)
        if changed:
            batch.updated.append(ImportedOrder(order.id, order.number, tuple(removed), tuple(added)))
        else:
            batch.unchanged += 1
    except (OrderInputError, lifecycle.LifecycleError) as error:
        column = getattr(error, "field", "") or ""
        raise ImportFailed([RowError(line, column, str(error), first.get(column, ""))])


def _record(result, actor_user, stopped_at=None):
    after = {"orders": len(result.created), "numbers": [o.number for o in result.created[:100]],
             "updated": [o.number for o in result.updated[:100]]}
    if stopped_at is not None:
        after["stopped_at_row"] = stopped_at
    record("orders.import", "order", None, after=after, actor=actor_user)


# ---- export ------------------------------------------------------------------------------------

def _line(order, note, shipment, item, extra_parcel=False):
    """One export line; a parcel beyond the number of items repeats the last item at no quantity or price."""
    return [order.number, order.created_at, order.status, note or "", order.customer.name,
            order.customer.email or "", order.customer.phone or "", order.delivery_country or "",
            order.delivery_region or "", order.delivery_city or "", order.delivery_pickup_point or "",
            order.delivery_address or "", order.delivery_postcode or "",
            shipment.carrier if shipment else "", shipment.tracking_number if shipment else "",
            item.name, item.sku or "", item.size or "", item.color or "",
            *((0, Decimal("0.00"), "") if extra_parcel else (item.quantity, item.price, order.note or "")),
            order.cod_amount, item.image_url or "", order.currency]


def export_rows(orders):
    """The export's lines, one per item, in ``COLUMNS`` order, as typed values (``app.exports``)."""
    for order in orders:
        note = next((e.note for e in reversed(order.history) if e.status == order.status), "") \
            if order.status in statuses.NEEDS_REASON else ""
        shipments = order.shipments or [None]
        for index, item in enumerate(order.items):
            yield _line(order, note, shipments[min(index, len(shipments) - 1)], item)
        # extra parcels beyond the number of items still get a line of their own
        for shipment in order.shipments[len(order.items):]:
            yield _line(order, note, shipment, order.items[-1], extra_parcel=True)


def csv_rows(orders):
    """Lines of CSV text: the header, then one line per item (a generator for streaming)."""
    return csv_chunks(COLUMNS, export_rows(orders))


def column_labels():
    """``COLUMNS`` in the reader's language: the header of the Excel export."""
    return [str(COLUMN_LABELS[column]) for column in COLUMNS]


def _cod(order):
    return "" if order.cod_amount is None else str(order.cod_amount)


def order_json(order):
    return {
        "number": order.number, "status": order.status, "created_at": iso_utc(order.created_at),
        "status_changed_at": iso_utc(order.status_changed_at), "currency": order.currency,
        "total": str(order.total),
        "customer": {"name": order.customer.name, "email": order.customer.email, "phone": order.customer.phone},
        "items": [{"name": i.name, "sku": i.sku, "size": i.size, "color": i.color, "quantity": i.quantity,
                   "price": str(i.price), "image_url": i.image_url} for i in order.items],
        "delivery": {name: getattr(order, f"delivery_{name}") for name in DELIVERY_FIELDS},
        "shipments": [{"carrier": s.carrier, "tracking_number": s.tracking_number,
                       "scheduled_delivery_date": s.scheduled_delivery_date.isoformat()
                       if s.scheduled_delivery_date else None} for s in order.shipments],
        "note": order.note,
        "cod_amount": _cod(order) or None,
    }


def json_chunks(orders):
    """A JSON array, one order at a time (a generator for streaming)."""
    yield "["
    first = True
    for order in orders:
        yield ("" if first else ",\n") + json.dumps(order_json(order), ensure_ascii=False)
        first = False
    yield "]\n"


