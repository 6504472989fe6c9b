"""order_stages: a period's stage lengths read off an index by (status, time), replacing the index kept in order of
length, which let a whole year's stage medians be walked in the request (a year is now computed in the background)

Revision ID: 0231_stage_lengths_by_time
Revises: 0230_drop_delivered_walks
"""
from alembic import op

revision = "0231_stage_lengths_by_time"
down_revision = "0230_drop_delivered_walks"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_order_stages_status_seconds", table_name="order_stages")
    op.create_index("ix_order_stages_status_entered", "order_stages", ["status", "entered_at", "seconds"])


def downgrade():
    op.drop_index("ix_order_stages_status_entered", table_name="order_stages")
    op.create_index("ix_order_stages_status_seconds", "order_stages", ["status", "seconds", "entered_at"])
