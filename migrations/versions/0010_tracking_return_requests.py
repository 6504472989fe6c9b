"""return_requests: a customer's request to return an order

Revision ID: 0010_tracking
Revises: 0050_api
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_tracking"
down_revision = "0050_api"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "return_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_return_requests_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_user_id"], ["users.id"],
                                name=op.f("fk_return_requests_requested_by_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_requests")),
    )
    with op.batch_alter_table("return_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_return_requests_order_id"), ["order_id"], unique=False)


def downgrade():
    with op.batch_alter_table("return_requests") as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_requests_order_id"))
    op.drop_table("return_requests")
