"""REST API: API clients, access tokens, platform orders and deliveries; orders.is_sandbox

Revision ID: 0050_api
Revises: 0002_link_nonce
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0050_api"
down_revision = "0002_link_nonce"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("is_sandbox", sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("client_id", sa.String(length=48), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("allowed_ips", sa.String(length=500), nullable=True),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_clients"),
        sa.UniqueConstraint("client_id", name="uq_api_clients_client_id"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["api_clients.id"], name="fk_api_tokens_client_id_api_clients",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_client_id", "api_tokens", ["client_id"])
    op.create_index("ix_api_tokens_expires_at", "api_tokens", ["expires_at"])
    op.create_table(
        "platform_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_platform_deliveries_order_id_orders",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_platform_deliveries"),
        sa.UniqueConstraint("platform", "delivery_id", name="uq_platform_deliveries_platform"),
    )
    op.create_table(
        "platform_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_platform_orders_order_id_orders",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_platform_orders"),
        sa.UniqueConstraint("platform", "external_id", name="uq_platform_orders_platform"),
        sa.UniqueConstraint("order_id", name="uq_platform_orders_order_id"),
    )


def downgrade():
    op.drop_table("platform_orders")
    op.drop_table("platform_deliveries")
    op.drop_index("ix_api_tokens_expires_at", table_name="api_tokens")
    op.drop_index("ix_api_tokens_client_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("api_clients")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("is_sandbox")
