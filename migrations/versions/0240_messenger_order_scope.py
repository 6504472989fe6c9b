"""messenger_invites.order_id and messenger_links.order_id: a chat connected from a signed tracking link
gets that one order's news, not the whole customer's

Revision ID: 0240_messenger_order_scope
Revises: 0231_stage_lengths_by_time
"""
import sqlalchemy as sa
from alembic import op

revision = "0240_messenger_order_scope"
down_revision = "0231_stage_lengths_by_time"
branch_labels = None
depends_on = None

TABLES = ("messenger_invites", "messenger_links")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f"fk_{table}_order_id_orders", "orders", ["order_id"], ["id"],
                                        ondelete="CASCADE")
            batch_op.create_index(f"ix_{table}_order_id", ["order_id"])


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_order_id")
            batch_op.drop_constraint(f"fk_{table}_order_id_orders", type_="foreignkey")
            batch_op.drop_column("order_id")
