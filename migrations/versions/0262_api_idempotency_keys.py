"""api_idempotency_keys: a client's Idempotency-Key on POST /api/orders and the order it made, so that
a request sent again (its answer was lost) answers with that order instead of making a second one

Revision ID: 0262_api_idempotency_keys
Revises: 0261_api_refresh_tokens
"""
import sqlalchemy as sa
from alembic import op

revision = "0262_api_idempotency_keys"
down_revision = "0261_api_refresh_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("api_clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("client_id", "key", name="uq_api_idempotency_client_key"),
    )


def downgrade():
    op.drop_table("api_idempotency_keys")
