"""Drop the three partial indexes that kept delivery times in order per carrier and region: they let a whole
year's delivery medians be walked instead of sorted, and a whole year is now computed in the background
(``app.analytics.services.figures``), so they only cost every history write

Revision ID: 0230_drop_delivered_walks
Revises: 0220_delivered_stages
"""
import sqlalchemy as sa
from alembic import op

revision = "0230_drop_delivered_walks"
down_revision = "0220_delivered_stages"
branch_labels = None
depends_on = None

DELIVERED = "status = 'delivered'"
INDEXES = {
    "ix_order_stages_delivered_handover": ["status", "since_handover", "entered_at", "next_same_at"],
    "ix_order_stages_delivered_carrier": ["status", "carrier", "since_handover", "entered_at", "next_same_at"],
    "ix_order_stages_delivered_region": ["status", "region", "since_handover", "entered_at", "next_same_at"],
}


def upgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="order_stages")


def downgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "order_stages", columns, sqlite_where=sa.text(DELIVERED),
                        postgresql_where=sa.text(DELIVERED))
