"""Staff workspace: return reason codes and indexes for the orders list and analytics

Revision ID: 0020_admin
Revises: 0010_tracking
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_admin"
down_revision = "0010_tracking"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("status_events") as batch_op:
        batch_op.add_column(sa.Column("reason_code", sa.String(length=32), nullable=True))
    op.create_index("ix_status_events_status_created", "status_events", ["status", "created_at"])
    op.create_index("ix_orders_delivery_carrier", "orders", ["delivery_carrier"])
    op.create_index("ix_orders_status_changed", "orders", ["status", "status_changed_at"])
    op.create_index("ix_customers_name", "customers", ["name"])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])


def downgrade():
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_index("ix_customers_name", table_name="customers")
    op.drop_index("ix_orders_status_changed", table_name="orders")
    op.drop_index("ix_orders_delivery_carrier", table_name="orders")
    op.drop_index("ix_status_events_status_created", table_name="status_events")
    with op.batch_alter_table("status_events") as batch_op:
        batch_op.drop_column("reason_code")
