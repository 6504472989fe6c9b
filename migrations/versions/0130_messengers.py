"""Telegram and Viber: chats bound to customers, one-time deep-link invites, handled updates,
the customers' messenger choices; the shop's alerts

Revision ID: 0130_messengers
Revises: 0111_sync_requests
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0130_messengers"
down_revision = "0111_sync_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "messenger_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("stop_reason", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_messenger_links_customer_id_customers",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_messenger_links"),
        sa.UniqueConstraint("channel", "chat_id", name="uq_messenger_links_chat"),
    )
    op.create_index("ix_messenger_links_customer_id", "messenger_links", ["customer_id"])
    op.create_table(
        "messenger_invites",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_messenger_invites_customer_id_customers",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_messenger_invites"),
    )
    op.create_index("ix_messenger_invites_customer_id", "messenger_invites", ["customer_id"])
    op.create_table(
        "messenger_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messenger_updates"),
        sa.UniqueConstraint("channel", "update_id", name="uq_messenger_updates_update"),
    )
    op.create_table(
        "shop_alerts",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failing", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_shop_alerts"),
    )
    with op.batch_alter_table("notification_preferences") as batch_op:
        batch_op.add_column(sa.Column("telegram_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("telegram_consent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("viber_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("viber_consent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("sms_only_without_messenger", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("notification_preferences") as batch_op:
        batch_op.drop_column("sms_only_without_messenger")
        batch_op.drop_column("viber_consent_at")
        batch_op.drop_column("viber_enabled")
        batch_op.drop_column("telegram_consent_at")
        batch_op.drop_column("telegram_enabled")
    op.drop_table("shop_alerts")
    op.drop_table("messenger_updates")
    op.drop_index("ix_messenger_invites_customer_id", table_name="messenger_invites")
    op.drop_table("messenger_invites")
    op.drop_index("ix_messenger_links_customer_id", table_name="messenger_links")
    op.drop_table("messenger_links")
