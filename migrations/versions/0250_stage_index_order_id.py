"""order_stages: the index of a period's stage lengths holds each row's order too, so that the time in stage
leaves cancelled orders out without reading the table

Revision ID: 0250_stage_index_order_id
Revises: 0241_real_orders
"""
from alembic import op

revision = "0250_stage_index_order_id"
down_revision = "0241_real_orders"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_order_stages_status_entered", table_name="order_stages")
    op.create_index("ix_order_stages_status_entered", "order_stages", ["status", "entered_at", "seconds", "order_id"])


def downgrade():
    op.drop_index("ix_order_stages_status_entered", table_name="order_stages")
    op.create_index("ix_order_stages_status_entered", "order_stages", ["status", "entered_at", "seconds"])
