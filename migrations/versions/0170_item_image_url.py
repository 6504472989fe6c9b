"""order_items.image_url: the item's picture on the customer's order page (API, CSV import, platforms)

Revision ID: 0170_item_image_url
Revises: 0190_message_kpis
"""
import sqlalchemy as sa
from alembic import op

revision = "0170_item_image_url"
down_revision = "0190_message_kpis"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_items") as batch:
        batch.add_column(sa.Column("image_url", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("order_items") as batch:
        batch.drop_column("image_url")
