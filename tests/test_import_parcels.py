"""An import that updates existing orders and the orders' parcels: a file that corrects a parcel
number replaces the wrong parcel when the staff member says the file lists every parcel (else the
file's parcel is added, as a warehouse's file of new second parcels needs); a parcel the carrier has
reported on is never removed by a file; a number the order already has re-imports as it is stored."""
import pytest
from flask_babel import force_locale

from app.admin import transfer
from app.audit import AuditLog
from app.carriers.sync import due_shipments
from app.clock import utcnow
from app.database import writing
from app.orders.models import CarrierEvent, Order, Shipment
from app.orders.services import add_shipment

TYPO, FIXED, OTHER = "20450000000111", "20450000000222", "20450000000333"
WAYBILLS = "order_number,carrier,tracking_number\n"


def _import(text, **options):
    return transfer.import_orders(text.encode(), update_existing=True, **options)


def _parcels(db, order):
    db.session.expire_all()
    return [(s.carrier, s.tracking_number, s.active) for s in db.session.get(Order, order.id).shipments]


def _polled(order):
    """The parcels of ``order`` the carrier sync would ask Nova Poshta about now."""
    numbers = {s.tracking_number for s in order.shipments} | {TYPO, FIXED}
    return {row.tracking_number for row in due_shipments("nova_poshta", utcnow()) if row.tracking_number in numbers}


def test_a_file_that_lists_every_parcel_replaces_a_mistyped_one(app, db, make_order):
    order = make_order(status="shipped", tracking_number=TYPO)
    result = _import(WAYBILLS + f"{order.number},nova_poshta,{FIXED}\n", every_parcel=True)
    assert _parcels(db, order) == [("nova_poshta", FIXED, True)]
    assert _polled(db.session.get(Order, order.id)) == {FIXED}
    assert db.session.execute(db.select(Shipment).filter_by(tracking_number=TYPO)).first() is None
    updated, = result.updated
    assert (updated.number, updated.removed, updated.added) == (order.number, (TYPO,), (FIXED,))
    with force_locale("en"):
        assert updated.parcel_change() == f"Replaced: {TYPO} → {FIXED}"
    with force_locale("uk"):
        assert updated.parcel_change() == f"Замінено: {TYPO} → {FIXED}"
    removal = db.session.execute(db.select(AuditLog).filter_by(action="shipment.remove")).scalar_one()
    assert removal.object_id == str(order.id) and TYPO in removal.before


def test_without_the_option_the_files_parcel_is_added_as_before(app, db, make_order):
    """A warehouse's file lists only an order's new second parcel: both are tracked."""
    order = make_order(status="shipped", tracking_number=TYPO)
    result = _import(WAYBILLS + f"{order.number},nova_poshta,{OTHER}\n")
    assert _parcels(db, order) == [("nova_poshta", TYPO, True), ("nova_poshta", OTHER, True)]
    updated, = result.updated
    assert (updated.removed, updated.added) == ((), (OTHER,))
    with force_locale("en"):
        assert updated.parcel_change() == f"Added: {OTHER} (the order keeps its other parcels)"


def test_every_parcel_keeps_the_parcels_the_file_names_and_leaves_orders_without_parcels_alone(app, db, make_order):
    two = make_order(status="shipped", tracking_number=TYPO)
    with writing():
        add_shipment(db.session.get(Order, two.id), "nova_poshta", OTHER)
        db.session.commit()
    untouched = make_order(status="new")
    result = _import("order_number,carrier,tracking_number,status\n"
                     f"{two.number},nova_poshta,{OTHER},\n"
                     f"{untouched.number},,,awaiting_shipment\n", every_parcel=True)
    assert _parcels(db, two) == [("nova_poshta", OTHER, True)]
    assert db.session.get(Order, untouched.id).status == "awaiting_shipment"
    assert len(db.session.get(Order, untouched.id).shipments) == 1  # a file naming no parcel removes none
    changes = {o.number: (o.removed, o.added) for o in result.parcel_changes()}
    assert changes == {two.number: ((TYPO,), ())}
    with force_locale("en"):
        assert result.parcel_changes()[0].parcel_change() == f"Removed, not in the file: {TYPO}"


def test_a_parcel_the_carrier_reported_on_is_not_removed_and_the_file_changes_nothing(app, db, make_order):
    """Its history is the order's record: the file is refused on that row, and no other order of the
    file is changed either."""
    reported = make_order(status="shipped", tracking_number=TYPO)
    mistyped = make_order(status="shipped", tracking_number="20450000000444")
    db.session.add(CarrierEvent(shipment=db.session.get(Order, reported.id).shipments[0], occurred_at=utcnow(),
                                raw_code="5", raw_text="Відправлення прямує до міста Львів."))
    db.session.commit()
    app.config["IMPORT_BATCH_MS"] = 0  # a batch per order: the good order would be written first
    with pytest.raises(transfer.ImportFailed) as refused:
        _import(WAYBILLS + f"{mistyped.number},nova_poshta,20450000000555\n"
                           f"{reported.number},nova_poshta,{FIXED}\n", every_parcel=True)
    error, = refused.value.errors
    assert (error.row, error.column, error.value) == (3, "tracking_number", TYPO)
    assert error.message.startswith(f"Відправлення {TYPO} цього замовлення у файлі немає, а перевізник уже "
                                    "повідомляв про нього, тому імпорт його не прибирає.")
    assert refused.value.partial is None
    assert _parcels(db, reported) == [("nova_poshta", TYPO, True)]
    assert len(db.session.get(Order, reported.id).shipments[0].events) == 1
    assert _parcels(db, mistyped) == [("nova_poshta", "20450000000444", True)]
    assert db.session.execute(db.select(AuditLog).filter_by(action="shipment.remove")).first() is None
    # without the option the same file adds the parcels and keeps the reported one with its history
    _import(WAYBILLS + f"{reported.number},nova_poshta,{FIXED}\n")
    assert _parcels(db, reported) == [("nova_poshta", TYPO, True), ("nova_poshta", FIXED, True)]


def test_a_file_with_an_error_replaces_no_parcel(app, db, make_order):
    app.config["IMPORT_BATCH_MS"] = 0
    order = make_order(status="shipped", tracking_number=TYPO)
    other = make_order(status="shipped")
    with pytest.raises(transfer.ImportFailed) as refused:
        _import("order_number,carrier,tracking_number,status\n"
                f"{order.number},nova_poshta,{FIXED},\n"
                f"{other.number},nova_poshta,{OTHER},flying\n", every_parcel=True)
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "status")]
    assert _parcels(db, order) == [("nova_poshta", TYPO, True)]
    assert len(_parcels(db, other)) == 1
    assert db.session.execute(db.select(AuditLog)).first() is None


def _stored_before_the_rule(db, order, number, carrier="ukrposhta"):
    """A parcel number saved before today's 6–40 character rule (the service would refuse it now)."""
    db.session.execute(db.update(Shipment).where(Shipment.order_id == order.id)
                       .values(tracking_number=number, carrier=carrier))
    db.session.commit()


@pytest.mark.parametrize("every_parcel", [False, True])
def test_a_number_the_order_has_re_imports_as_it_is_stored(app, db, make_order, every_parcel):
    short = make_order(status="shipped", carrier="ukrposhta", tracking_number="RA123456789UA")
    _stored_before_the_rule(db, short, "RA123")
    anonymised = make_order(status="shipped")
    _stored_before_the_rule(db, anonymised, "anon-7", carrier="nova_poshta")  # as retention leaves it
    result = _import("order_number,carrier,tracking_number,status\n"
                     f"{short.number},ukrposhta,RA123,delivered\n"
                     f"{anonymised.number},,anon-7,in_transit\n", every_parcel=every_parcel)
    assert [(o.removed, o.added) for o in result.updated] == [((), ()), ((), ())]
    assert _parcels(db, short) == [("ukrposhta", "RA123", False)]  # delivered: no longer polled
    assert _parcels(db, anonymised) == [("nova_poshta", "anon-7", True)]
    assert db.session.get(Order, short.id).status == "delivered"
    assert db.session.get(Order, anonymised.id).status == "in_transit"


def test_a_new_short_number_still_follows_the_rule(app, db, make_order):
    short = make_order(status="shipped", carrier="ukrposhta", tracking_number="RA123456789UA")
    _stored_before_the_rule(db, short, "RA123")
    other = make_order(status="shipped")
    with pytest.raises(transfer.ImportFailed) as refused:
        _import(WAYBILLS + f"{short.number},nova_poshta,RA123\n"  # another carrier's parcel: new input
                           f"{other.number},ukrposhta,RA124\n")
    assert [(e.row, e.column, e.value) for e in refused.value.errors] == [
        (2, "tracking_number", "RA123"), (3, "tracking_number", "RA124")]
    assert _parcels(db, short) == [("ukrposhta", "RA123", True)]
