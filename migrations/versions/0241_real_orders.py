"""orders: an index of the few sandbox orders, and no stages kept for them, so that the figures count real orders only

A sandbox API client's test orders are left out of every total, export and analytics figure
(``app.orders.models.REAL_ORDER``); ``order_stages`` (the analytics' copy of the history) keeps none.

Revision ID: 0241_real_orders
Revises: 0240_messenger_order_scope
"""
import sqlalchemy as sa
from alembic import op

revision = "0241_real_orders"
down_revision = "0240_messenger_order_scope"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_orders_sandbox", "orders", ["id"], sqlite_where=sa.text("is_sandbox"),
                    postgresql_where=sa.text("is_sandbox"))
    op.execute("DELETE FROM order_stages WHERE order_id IN (SELECT id FROM orders WHERE is_sandbox)")


def downgrade():
    # the sandbox orders' stages are not brought back: the older figures then leave them out too, which is no harm
    # (``flask analytics-rebuild`` writes them all again)
    op.drop_index("ix_orders_sandbox", table_name="orders")
