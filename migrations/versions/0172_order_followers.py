"""order_followers: e-mail/SMS updates for one order without an account (consent, one-click unsubscribe)

Revision ID: 0172_order_followers
Revises: 0171_problem_reports
"""
import sqlalchemy as sa
from alembic import op

revision = "0172_order_followers"
down_revision = "0171_problem_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "order_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("consent_text", sa.String(length=500), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_followers_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_followers")),
        sa.UniqueConstraint("order_id", "channel", "address", name="uq_order_followers_address"),
        sa.UniqueConstraint("token", name=op.f("uq_order_followers_token")),
    )
    with op.batch_alter_table("order_followers") as batch:
        batch.create_index("ix_order_followers_order_id", ["order_id"])


def downgrade():
    with op.batch_alter_table("order_followers") as batch:
        batch.drop_index("ix_order_followers_order_id")
    op.drop_table("order_followers")
