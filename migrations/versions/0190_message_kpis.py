"""Message KPIs, A/B variants, customer feedback, tracking-page views, the delivery date shown

Revision ID: 0190_message_kpis
Revises: 0131_platform_pulls
"""
import sqlalchemy as sa
from alembic import op

revision = "0190_message_kpis"
down_revision = "0131_platform_pulls"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("variant", sa.String(length=1), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("opened_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("clicked_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_notifications_provider_id", ["provider_id"])
        batch.create_index("ix_notifications_channel_created", ["channel", "created_at"])
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("promised_date", sa.Date(), nullable=True))
    op.create_table(
        "customer_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_customer_feedback_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_feedback")),
        sa.UniqueConstraint("order_id", name=op.f("uq_customer_feedback_order_id")),
    )
    with op.batch_alter_table("customer_feedback") as batch:
        batch.create_index("ix_customer_feedback_answered", ["answered_at", "rating"])
    op.create_table(
        "tracking_views",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_tracking_views_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("order_id", "day", name=op.f("pk_tracking_views")),
    )
    with op.batch_alter_table("tracking_views") as batch:
        batch.create_index("ix_tracking_views_day", ["day"])
    op.create_table(
        "message_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_variants")),
        sa.UniqueConstraint("kind", "channel", "language", name="uq_message_variants_key"),
    )
    op.create_table(
        "message_splits",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("share_b", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "channel", name=op.f("pk_message_splits")),
    )


def downgrade():
    op.drop_table("message_splits")
    op.drop_table("message_variants")
    with op.batch_alter_table("tracking_views") as batch:
        batch.drop_index("ix_tracking_views_day")
    op.drop_table("tracking_views")
    with op.batch_alter_table("customer_feedback") as batch:
        batch.drop_index("ix_customer_feedback_answered")
    op.drop_table("customer_feedback")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("promised_date")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_channel_created")
        batch.drop_index("ix_notifications_provider_id")
        batch.drop_column("clicked_at")
        batch.drop_column("opened_at")
        batch.drop_column("delivered_at")
        batch.drop_column("variant")
