"""Magento and PrestaShop order pulls: how far each got

Revision ID: 0131_platform_pulls
Revises: 0130_messengers
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0131_platform_pulls"
down_revision = "0130_messengers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "platform_pulls",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("pulled_until", sa.String(length=32), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("orders_seen", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", name="pk_platform_pulls"),
    )


def downgrade():
    op.drop_table("platform_pulls")
