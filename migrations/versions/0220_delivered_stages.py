"""order_stages.next_same_at (an order's next entry into the same status) and partial indexes of the
delivered rows, so that a period's deliveries and their medians are read off indexes

Revision ID: 0220_delivered_stages
Revises: 0172_order_followers
"""
import sqlalchemy as sa
from alembic import op

revision = "0220_delivered_stages"
down_revision = "0172_order_followers"
branch_labels = None
depends_on = None

DELIVERED = "status = 'delivered'"
INDEXES = {
    "ix_order_stages_delivered": ["status", "entered_at", "next_same_at", "order_id", "carrier", "region", "since_handover"],
    "ix_order_stages_delivered_handover": ["status", "since_handover", "entered_at", "next_same_at"],
    "ix_order_stages_delivered_carrier": ["status", "carrier", "since_handover", "entered_at", "next_same_at"],
    "ix_order_stages_delivered_region": ["status", "region", "since_handover", "entered_at", "next_same_at"],
}


def _seconds(earlier, later):
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def upgrade():
    with op.batch_alter_table("order_stages") as batch:
        batch.add_column(sa.Column("next_same_at", sa.DateTime(), nullable=True))
        batch.drop_index("ix_order_stages_entered")
    # refill from the history with the new column: the same statement as app.analytics.stages.rebuild,
    # frozen here as of this revision
    op.execute("DELETE FROM order_stages")
    op.execute(f"""
        INSERT INTO order_stages (order_id, status, entered_at, seconds, since_handover, next_same_at, carrier, region)
        SELECT h.order_id, h.status, h.created_at, {_seconds('h.created_at', 'h.next_at')},
               {_seconds('h.handover_at', 'h.created_at')}, h.next_same_at, o.delivery_carrier, o.delivery_region
        FROM (SELECT order_id, status, created_at,
                     LEAD(created_at) OVER (PARTITION BY order_id ORDER BY created_at, id) AS next_at,
                     LEAD(created_at) OVER (PARTITION BY order_id, status ORDER BY created_at, id) AS next_same_at,
                     MIN(CASE WHEN status IN ('shipped', 'in_transit') THEN created_at END)
                         OVER (PARTITION BY order_id ORDER BY created_at, id ROWS UNBOUNDED PRECEDING) AS handover_at
              FROM status_events) AS h
        JOIN orders AS o ON o.id = h.order_id""")
    for name, columns in INDEXES.items():
        op.create_index(name, "order_stages", columns, sqlite_where=sa.text(DELIVERED),
                        postgresql_where=sa.text(DELIVERED))


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="order_stages")
    with op.batch_alter_table("order_stages") as batch:
        batch.create_index("ix_order_stages_entered",
                           ["status", "entered_at", "carrier", "region", "since_handover", "order_id"])
        batch.drop_column("next_same_at")
