"""carrier sync: breaker/quota state, sync runs, scheduler lease, transit statistics

Revision ID: 0030_carriers
Revises: 0060_privacy
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0030_carriers"
down_revision = "0060_privacy"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "carrier_states",
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("breaker_state", sa.String(length=10), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("open_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("quota_day", sa.Date(), nullable=True),
        sa.Column("quota_used", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("carrier", name=op.f("pk_carrier_states")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("shipments", sa.Integer(), nullable=False),
        sa.Column("not_found", sa.Integer(), nullable=False),
        sa.Column("new_events", sa.Integer(), nullable=False),
        sa.Column("status_changes", sa.Integer(), nullable=False),
        sa.Column("unmapped", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(op.f("ix_sync_runs_carrier"), "sync_runs", ["carrier"], unique=False)
    op.create_index(op.f("ix_sync_runs_started_at"), "sync_runs", ["started_at"], unique=False)
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
    op.create_table(
        "transit_stats",
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=120), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("median_days", sa.Float(), nullable=False),
        sa.Column("p80_days", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("carrier", "region", name=op.f("pk_transit_stats")),
    )


def downgrade():
    op.drop_table("transit_stats")
    op.drop_table("scheduler_leases")
    op.drop_index(op.f("ix_sync_runs_started_at"), table_name="sync_runs")
    op.drop_index(op.f("ix_sync_runs_carrier"), table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_table("carrier_states")
