"""orders.link_nonce for signed tracking links

Revision ID: 0002_link_nonce
Revises: 0001_initial
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_link_nonce"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("link_nonce", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("link_nonce")
