"""Attention page: delivery exceptions found by the rules (app/attention)

Revision ID: 0140_attention
Revises: 0080_sandbox
"""
import sqlalchemy as sa
from alembic import op

revision = "0140_attention"
down_revision = "0080_sandbox"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "delivery_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_delivery_exceptions_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"],
                                name=op.f("fk_delivery_exceptions_handled_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_exceptions")),
    )
    with op.batch_alter_table("delivery_exceptions") as batch:
        batch.create_index("ix_delivery_exceptions_open", ["cleared_at", "dismissed_at", "rule"])
        batch.create_index(batch.f("ix_delivery_exceptions_order_id"), ["order_id"])


def downgrade():
    with op.batch_alter_table("delivery_exceptions") as batch:
        batch.drop_index(batch.f("ix_delivery_exceptions_order_id"))
        batch.drop_index("ix_delivery_exceptions_open")
    op.drop_table("delivery_exceptions")
