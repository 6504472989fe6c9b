"""Platform customer accounts: the customer a WooCommerce or Shopify account's orders are filed under

Revision ID: 0070_customer_match
Revises: 0040_notify
Create Date: 2026-12-06

Customer matching changed with this revision (see the README, "Customers"): an order is filed
under the customer with its e-mail, or the platform account's customer; a phone alone no longer
attaches an order to a customer with another e-mail. Orders imported before may have been filed
under another person who shared the phone. The buyer's own e-mail was not kept on such an order,
so no migration can tell them apart; the shop platform's order still shows the real buyer.
"""
import sqlalchemy as sa
from alembic import op

revision = "0070_customer_match"
down_revision = "0040_notify"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "platform_customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_platform_customers_customer_id_customers",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_platform_customers"),
        sa.UniqueConstraint("platform", "external_id", name="uq_platform_customers_platform"),
    )
    op.create_index("ix_platform_customers_customer_id", "platform_customers", ["customer_id"])


def downgrade():
    op.drop_index("ix_platform_customers_customer_id", table_name="platform_customers")
    op.drop_table("platform_customers")
