"""A customer's rights over their data: a copy of everything (JSON, CSV), correcting their details and erasure.

Both are driven by the registry, so a table that registers itself is exported and erased
without changes here. Every export, erasure and staff view writes an audit row naming the
customer by id only (an audit row must not become a new copy of the data it protects).
"""
import io
import json
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import or_

from app.audit import AuditLog, record
from app.clock import utcnow
from app.database import writing
from app.errors import FieldRefused
from app.extensions import db
from app.orders import statuses
from app.orders.models import Customer, Order, Shipment
from app.orders.services import OrderInputError, parse_phone
from app.privacy.logs import scrub_parcel_numbers
from app.privacy.registry import anonymise, sources
from app.text import csv_writer

EXPORT_FORMAT = "posylka-personal-data-1"
#: A customer acting on their own account: the audit row must not point at the erased user.
SELF_SERVICE = SimpleNamespace(id=None, email=None)
VIEW_DEDUPE = timedelta(minutes=10)


class ErasureRefused(Exception):
    """The data cannot be erased yet; ``str()`` says why (translated)."""


class DetailsRefused(FieldRefused):
    """The customer's name or phone as typed cannot be kept; ``field`` names it, ``str()`` says why."""


def correct_details(customer, *, name, phone):
    """The customer corrects their own name and phone (GDPR Art. 16, rectification). The phone follows
    the orders' rule (``parse_phone``), read in the country of their latest order as the SMS channel
    reads it; messages queued from now on go to it, those already sent keep theirs. The audit row names
    the fields changed, not their values."""
    name = (name or "").strip()
    if not name:
        raise DetailsRefused("name", _("Enter your name."))
    if len(name) > Customer.name.type.length:
        raise DetailsRefused("name", _("The name is too long."))
    country = db.session.execute(db.select(Order.delivery_country).where(Order.customer_id == customer.id)
                                 .order_by(Order.id.desc()).limit(1)).scalar() or "UA"
    try:
        phone = parse_phone(phone, country)
    except OrderInputError as error:
        raise DetailsRefused("phone", str(error)) from None
    changed = sorted(field for field, value in (("name", name), ("phone", phone)) if getattr(customer, field) != value)
    if changed:
        customer.name, customer.phone = name, phone
        record("privacy.rectify", "customer", customer.id, after={"fields": changed})
    return customer


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def collect(customer):
    """The customer's personal data: ``{table: [row, ...]}`` with each table's allowed columns only.

    Exactly what is theirs (orders, items, addresses, the messages sent to them, consents,
    log-ins); nothing about the shop's systems or staff (webhooks, audit rows, internal notes).
    """
    tables = {}
    for source in sources():
        if source.export:
            rows = db.session.execute(source.exported_rows(customer)).scalars().all()
            tables[source.name] = [{key: _plain(getattr(row, key)) for key in source.export} for row in rows]
    return tables


def held(customer):
    """What the staff's privacy page lists: (what it is, in words; how many rows) per table of ``collect``."""
    labels = {source.name: source.label for source in sources()}
    return [(str(labels.get(table) or table), len(rows)) for table, rows in collect(customer).items()]


def export(customer, fmt, *, actor=None, now=None):
    """``(filename, mimetype, bytes)`` of the customer's data, and an audit row (caller commits)."""
    now = now or utcnow()
    data = {"format": EXPORT_FORMAT, "generated_at": now.isoformat() + "Z", "customer_id": customer.id,
            "tables": collect(customer)}
    stamp = now.strftime("%Y%m%d-%H%M%S")
    record("privacy.export", "customer", customer.id, after={"format": fmt}, actor=actor,
           actor_label="customer (self-service)" if actor is SELF_SERVICE else None)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        return f"personal-data-{customer.id}-{stamp}.json", "application/json", body
    return f"personal-data-{customer.id}-{stamp}.zip", "application/zip", to_csv_zip(data)


def to_csv_zip(data):
    """One CSV per table (UTF-8 with BOM, which spreadsheet programs need), in a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, rows in data["tables"].items():
            text = io.StringIO()
            columns = list(rows[0]) if rows else []
            writer = csv_writer(text)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if row[c] is None else row[c] for c in columns])
            archive.writestr(f"{table}.csv", "\ufeff" + text.getvalue())
        archive.writestr("README.txt", f"{data['format']}\ncustomer {data['customer_id']}\n"
                                       f"generated {data['generated_at']}\n")
    return buffer.getvalue()


def open_orders(customer):
    return db.session.execute(db.select(Order.number).where(
        Order.customer_id == customer.id, Order.status.not_in(statuses.TERMINAL)).order_by(Order.id)).scalars().all()


def erase(customer, *, actor=None, now=None):
    """Erase the customer's personal data: their log-in goes, orders stay anonymised.

    Refused while an order is still on its way (the shop needs the address to deliver it).
    Returns the number of rows changed. The caller commits.
    """
    now = now or utcnow()
    pending = open_orders(customer)
    if pending:
        # one order or a list of them (not a count: "21 orders" would take a singular form in uk and ru)
        raise ErasureRefused(
            _("Order %(numbers)s is not finished yet. The data can be erased once it is delivered, returned or "
              "cancelled.", numbers=pending[0]) if len(pending) == 1 else
            _("Orders %(numbers)s are not finished yet. The data can be erased once they are delivered, returned "
              "or cancelled.", numbers=", ".join(pending)))
    # Find every row first: deleting the log-in changes what the queries would find.
    found = [(source, db.session.execute(source.rows_of(customer)).scalars().all()) for source in sources()]
    scrub_parcel_numbers([row.tracking_number for source, rows in found if source.model is Shipment for row in rows])
    changed = 0
    for source, rows in found:
        for row in rows:
            if source.erase == "delete":
                db.session.delete(row)
            else:
                anonymise(row, now)
            changed += 1
        db.session.flush()
    record("privacy.erase", "customer", customer.id, after={"rows": changed}, actor=actor,
           actor_label="customer (self-service)" if actor is SELF_SERVICE else None)
    return changed


def record_view(customer, actor, *, now=None):
    """Audit a staff member seeing this customer's personal data (once per 10 minutes)."""
    now = now or utcnow()
    recent = db.session.execute(db.select(AuditLog.id).where(
        AuditLog.action == "privacy.view", AuditLog.object_type == "customer",
        AuditLog.object_id == str(customer.id), AuditLog.actor_user_id == actor.id,
        AuditLog.created_at > now - VIEW_DEDUPE).limit(1)).first()
    if recent is None:
        record("privacy.view", "customer", customer.id, actor=actor)
        return True
    return False


def audit_views(customers, actor):
    """From a page that otherwise only reads: audit the views in a short write of their own.

    Commits (the one exception to "the caller commits"), so that a GET holds SQLite's write
    lock only for these inserts, not while it renders. The page's read transaction ends first: on
    SQLite its snapshot is stale once a carrier sync commits, and the insert would be refused at once.
    """
    customers = [c for c in customers if c is not None]
    if not customers:
        return
    db.session.commit()
    with writing():
        for customer in customers:
            record_view(customer, actor)
        db.session.commit()


def find_customers(query, limit=20):
    """Customers whose e-mail, phone or name contains ``query`` (for an admin's request)."""
    query = (query or "").strip()
    if len(query) < 3:
        return []
    columns = (Customer.email, Customer.phone, Customer.name)
    found = [column.icontains(query, autoescape=True) for column in columns]
    phone = Customer.phone_matches(query)  # "095 555 66 77" finds "0955556677" and "+380955556677"
    if phone is not None:
        found.append(phone)
    return db.session.execute(db.select(Customer).where(Customer.anonymised_at.is_(None), or_(*found))
                              .order_by(Customer.id).limit(limit)).scalars().all()
