"""status_events: a partial index of the changes carrier events caused, by time (status latency)

Revision ID: 0142_latency_index
Revises: 0141_order_stages
"""
import sqlalchemy as sa
from alembic import op

revision = "0142_latency_index"
down_revision = "0141_order_stages"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("status_events") as batch:
        batch.create_index("ix_status_events_carrier_created", ["created_at", "carrier_event_id"],
                           sqlite_where=sa.text("carrier_event_id IS NOT NULL"),
                           postgresql_where=sa.text("carrier_event_id IS NOT NULL"))


def downgrade():
    with op.batch_alter_table("status_events") as batch:
        batch.drop_index("ix_status_events_carrier_created")
