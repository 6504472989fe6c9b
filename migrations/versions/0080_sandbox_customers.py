"""customers.is_sandbox: the customers of sandbox API clients' orders, never matched with real ones

Revision ID: 0080_sandbox
Revises: 0071_webhook_keys
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0080_sandbox"
down_revision = "0071_webhook_keys"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("is_sandbox", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("is_sandbox")
