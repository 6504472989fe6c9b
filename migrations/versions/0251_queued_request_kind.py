"""sync_requests.kind: the queue of "now" buttons also holds a store's "pull now" ("pull:magento"), not only the carriers' sync

Revision ID: 0251_queued_request_kind
Revises: 0250_stage_index_order_id
"""
import sqlalchemy as sa
from alembic import op

revision = "0251_queued_request_kind"
down_revision = "0250_stage_index_order_id"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("sync_requests", sa.Column("kind", sa.String(32), nullable=False, server_default="carriers"))


def downgrade():
    op.execute("DELETE FROM sync_requests WHERE kind <> 'carriers'")
    with op.batch_alter_table("sync_requests") as batch:
        batch.drop_column("kind")
