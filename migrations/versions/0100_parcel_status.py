"""Each parcel's own status, so that an order of several parcels is tracked until every one ends

Revision ID: 0100_parcel_status
Revises: 0142_latency_index
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0100_parcel_status"
down_revision = "0142_latency_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=True))
    # Until now a parcel went as its order went
    op.execute("UPDATE shipments SET status = (SELECT orders.status FROM orders WHERE orders.id = shipments.order_id) "
               "WHERE order_id IN (SELECT id FROM orders WHERE status IN "
               "('awaiting_shipment', 'shipped', 'in_transit', 'delivered', 'returned'))")


def downgrade():
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_column("status")
