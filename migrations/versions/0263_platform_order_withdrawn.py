"""platform_orders.withdrawn, withdrawn_at: the store cancelled or refunded the order (and since when),
so that a cancellation after the parcel left is listed on the Attention page instead of lost

Revision ID: 0263_platform_order_withdrawn
Revises: 0262_api_idempotency_keys
"""
import sqlalchemy as sa
from alembic import op

revision = "0263_platform_order_withdrawn"
down_revision = "0262_api_idempotency_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("platform_orders", sa.Column("withdrawn", sa.String(10), nullable=True))
    op.add_column("platform_orders", sa.Column("withdrawn_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("platform_orders") as batch:
        batch.drop_column("withdrawn_at")
        batch.drop_column("withdrawn")
