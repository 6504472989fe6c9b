"""platform_orders.modified_at: when the platform last changed the order, as the newest body applied
said (WooCommerce's date_modified_gmt, Shopify's updated_at), so that an older body delivered late
changes nothing

Revision ID: 0260_platform_order_modified
Revises: 0251_queued_request_kind
"""
import sqlalchemy as sa
from alembic import op

revision = "0260_platform_order_modified"
down_revision = "0251_queued_request_kind"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("platform_orders", sa.Column("modified_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("platform_orders") as batch:
        batch.drop_column("modified_at")
