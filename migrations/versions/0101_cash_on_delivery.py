"""Cash on delivery: the amount an order's customer pays at the pickup point, the money's way back,
and why a parcel was refused

Revision ID: 0101_cash_on_delivery
Revises: 0100_parcel_status
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0101_cash_on_delivery"
down_revision = "0100_parcel_status"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("cod_amount", sa.Numeric(12, 2), nullable=True))
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.add_column(sa.Column("cod_state", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("refused_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("refusal_reason", sa.String(length=500), nullable=True))
    op.create_index("ix_shipments_refused_at", "shipments", ["refused_at"])


def downgrade():
    op.drop_index("ix_shipments_refused_at", table_name="shipments")
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_column("refusal_reason")
        batch_op.drop_column("refused_at")
        batch_op.drop_column("cod_state")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("cod_amount")
