"""The status model: every legal and illegal transition pair, reasons, repeats, corrections."""
import itertools

import pytest

from app.orders import lifecycle, statuses
from app.orders.models import StatusEvent

LEGAL = {
    "new": {"awaiting_shipment", "shipped", "in_transit", "delivered", "cancelled"},
    "awaiting_shipment": {"shipped", "in_transit", "delivered", "cancelled"},
    "shipped": {"in_transit", "delivered", "returned"},
    "in_transit": {"delivered", "returned"},
    "delivered": {"returned"},
    "returned": set(),
    "cancelled": set(),
}


def test_allowed_next_matches_the_spec_table():
    for current in statuses.ALL:
        assert set(statuses.allowed_next(current)) == LEGAL[current], current


def _history_count(db, order):
    return db.session.query(StatusEvent).filter_by(order_id=order.id).count()


# The state machine's answer for each of the 42 pairs is the same code on either database; the tests below
# write and refuse moves on PostgreSQL too.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("current,target", [
    (a, b) for a, b in itertools.product(statuses.ALL, statuses.ALL) if a != b])
def test_every_transition_pair_as_staff(db, make_order, current, target):
    order = make_order(status=current)
    before_rows, before_version = _history_count(db, order), order.version
    if target in LEGAL[current]:
        event = lifecycle.change_status(order, target, source="staff", note="reason given")
        db.session.commit()
        assert event is not None and event.previous_status == current
        assert order.status == target
        assert _history_count(db, order) == before_rows + 1
        assert order.version == before_version + 1
    else:
        with pytest.raises(lifecycle.IllegalTransition) as info:
            lifecycle.change_status(order, target, source="staff", note="reason given")
        db.session.rollback()
        db.session.refresh(order)
        assert order.status == current
        assert _history_count(db, order) == before_rows
        message = str(info.value)
        assert str(statuses.label(current)) in message
        for allowed in LEGAL[current]:
            assert str(statuses.label(allowed)) in message


@pytest.mark.parametrize("target", ["returned", "cancelled"])
def test_return_and_cancel_need_a_reason(db, make_order, target):
    order = make_order(status="shipped" if target == "returned" else "new")
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.change_status(order, target, source="staff", note="   ")
    db.session.rollback()
    event = lifecycle.change_status(order, target, source="staff", note="Не підійшов розмір")
    db.session.commit()
    assert event.note == "Не підійшов розмір"


def test_same_move_reported_twice_writes_one_row(db, make_order):
    order = make_order(status="shipped")
    rows = _history_count(db, order)
    assert lifecycle.change_status(order, "in_transit", source="carrier", actor="nova_poshta") is not None
    assert lifecycle.change_status(order, "in_transit", source="carrier", actor="nova_poshta") is None
    db.session.commit()
    assert _history_count(db, order) == rows + 1


def test_carrier_may_skip_steps_and_is_recorded_as_source(db, make_order):
    order = make_order(status="new")
    event = lifecycle.change_status(order, "in_transit", source="carrier", actor="ukrposhta")
    db.session.commit()
    assert (event.source, event.actor, event.previous_status) == ("carrier", "ukrposhta", "new")


def test_customer_may_only_confirm_receipt(db, make_order):
    order = make_order(status="in_transit")
    with pytest.raises(lifecycle.IllegalTransition):
        lifecycle.change_status(order, "returned", source="customer", note="хочу повернути")
    db.session.rollback()
    assert lifecycle.change_status(order, "delivered", source="customer") is not None


def test_carrier_cannot_cancel(db, make_order):
    order = make_order(status="new")
    with pytest.raises(lifecycle.IllegalTransition):
        lifecycle.change_status(order, "cancelled", source="carrier", note="x")


def test_admin_correction_any_move_with_reason_and_audit(db, make_order, make_user):
    from app.audit import AuditLog

    admin, staff = make_user("admin"), make_user("staff")
    order = make_order(status="delivered")
    with pytest.raises(lifecycle.NotAllowed):
        lifecycle.change_status(order, "shipped", source="staff", actor_user=staff, correction=True, note="x")
    with pytest.raises(lifecycle.ReasonRequired):
        lifecycle.change_status(order, "shipped", source="staff", actor_user=admin, correction=True)
    db.session.rollback()
    event = lifecycle.change_status(order, "shipped", source="staff", actor_user=admin, correction=True,
                                    note="Помилково позначено як доставлене")
    db.session.commit()
    assert order.status == "shipped" and event.is_correction
    audit = db.session.query(AuditLog).filter_by(action="order.correct_status", object_id=str(order.id)).one()
    assert audit.before_data == {"status": "delivered"} and audit.after_data["status"] == "shipped"


def test_stale_version_is_refused(db, make_order):
    order = make_order(status="new")
    with pytest.raises(lifecycle.StaleOrder):
        lifecycle.change_status(order, "awaiting_shipment", source="staff", expected_version=order.version - 1)


def test_terminal_status_deactivates_shipments(db, make_order):
    order = make_order(status="in_transit")
    assert all(s.active for s in order.shipments)
    lifecycle.change_status(order, "delivered", source="carrier")
    db.session.commit()
    assert not any(s.active for s in order.shipments)


def test_unknown_status_is_refused(db, make_order):
    order = make_order()
    with pytest.raises(lifecycle.UnknownStatus):
        lifecycle.change_status(order, "lost", source="staff")
