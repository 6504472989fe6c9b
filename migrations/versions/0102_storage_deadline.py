"""The last day a parcel waits at the pickup point free of charge, as its carrier gives it

Revision ID: 0102_storage_deadline
Revises: 0101_cash_on_delivery
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0102_storage_deadline"
down_revision = "0101_cash_on_delivery"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.add_column(sa.Column("storage_until", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_column("storage_until")
