"""order_stages: each history row with its stage length, for fast analytics; filled from the history

Revision ID: 0141_order_stages
Revises: 0140_attention
"""
import sqlalchemy as sa
from alembic import op

revision = "0141_order_stages"
down_revision = "0140_attention"
branch_labels = None
depends_on = None


def _seconds(earlier, later):
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def upgrade():
    op.create_table(
        "order_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("since_handover", sa.Float(), nullable=True),
        sa.Column("carrier", sa.String(length=20), nullable=True),
        sa.Column("region", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_stages_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_stages")),
    )
    with op.batch_alter_table("order_stages") as batch:
        batch.create_index("ix_order_stages_status_seconds", ["status", "seconds", "entered_at"])
        batch.create_index("ix_order_stages_entered",
                           ["status", "entered_at", "carrier", "region", "since_handover", "order_id"])
        batch.create_index(batch.f("ix_order_stages_order_id"), ["order_id"])
    # the same statement as app.analytics.stages.rebuild, frozen here as of this revision
    op.execute(f"""
        INSERT INTO order_stages (order_id, status, entered_at, seconds, since_handover, carrier, region)
        SELECT h.order_id, h.status, h.created_at, {_seconds('h.created_at', 'h.next_at')},
               {_seconds('h.handover_at', 'h.created_at')}, o.delivery_carrier, o.delivery_region
        FROM (SELECT order_id, status, created_at,
                     LEAD(created_at) OVER (PARTITION BY order_id ORDER BY created_at, id) AS next_at,
                     MIN(CASE WHEN status IN ('shipped', 'in_transit') THEN created_at END)
                         OVER (PARTITION BY order_id ORDER BY created_at, id ROWS UNBOUNDED PRECEDING) AS handover_at
              FROM status_events) AS h
        JOIN orders AS o ON o.id = h.order_id""")


def downgrade():
    with op.batch_alter_table("order_stages") as batch:
        batch.drop_index(batch.f("ix_order_stages_order_id"))
        batch.drop_index("ix_order_stages_entered")
        batch.drop_index("ix_order_stages_status_seconds")
    op.drop_table("order_stages")
