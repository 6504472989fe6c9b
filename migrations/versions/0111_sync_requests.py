"""sync_requests: the admin's "sync now", queued for the scheduler instead of run inside the request

Revision ID: 0111_sync_requests
Revises: 0102_storage_deadline
"""
import sqlalchemy as sa
from alembic import op

revision = "0111_sync_requests"
down_revision = "0102_storage_deadline"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sync_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_requests_requested_at", "sync_requests", ["requested_at"])


def downgrade():
    op.drop_index("ix_sync_requests_requested_at", table_name="sync_requests")
    op.drop_table("sync_requests")
