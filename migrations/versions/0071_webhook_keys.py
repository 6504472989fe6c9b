"""Platform webhooks keyed by content; item sizes as long as platforms send them

Revision ID: 0071_webhook_keys
Revises: 0070_customer_match
Create Date: 2026-12-06

``platform_deliveries`` was unique on the platform's delivery id, which WooCommerce reuses
for every delivery of one webhook within the same second; it is now unique on
``content_key`` (the order id and a hash of the body), and the delivery id is kept for the log.
Rows recorded before keep their delivery id as their key. ``order_items.size`` grows from 16 to
64 characters (WooCommerce attribute values are longer than 16).
"""
import sqlalchemy as sa
from alembic import op

revision = "0071_webhook_keys"
down_revision = "0070_customer_match"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("platform_deliveries") as batch:
        batch.add_column(sa.Column("content_key", sa.String(length=100), nullable=True))
    op.execute("UPDATE platform_deliveries SET content_key = delivery_id")
    with op.batch_alter_table("platform_deliveries") as batch:
        batch.alter_column("content_key", existing_type=sa.String(length=100), nullable=False)
        batch.alter_column("delivery_id", existing_type=sa.String(length=100), nullable=True)
        batch.drop_constraint("uq_platform_deliveries_platform", type_="unique")
        batch.create_unique_constraint("uq_platform_deliveries_content", ["platform", "content_key"])
    with op.batch_alter_table("order_items") as batch:
        batch.alter_column("size", existing_type=sa.String(length=16), type_=sa.String(length=64))


def downgrade():
    with op.batch_alter_table("order_items") as batch:
        batch.alter_column("size", existing_type=sa.String(length=64), type_=sa.String(length=16),
                           postgresql_using="left(size, 16)")
    op.execute("DELETE FROM platform_deliveries WHERE delivery_id IS NULL")
    # several bodies may share a delivery id: keep the first of each
    op.execute("DELETE FROM platform_deliveries WHERE id NOT IN "
               "(SELECT MIN(id) FROM platform_deliveries GROUP BY platform, delivery_id)")
    with op.batch_alter_table("platform_deliveries") as batch:
        batch.drop_constraint("uq_platform_deliveries_content", type_="unique")
        batch.create_unique_constraint("uq_platform_deliveries_platform", ["platform", "delivery_id"])
        batch.alter_column("delivery_id", existing_type=sa.String(length=100), nullable=False)
        batch.drop_column("content_key")
