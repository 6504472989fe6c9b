"""api_tokens.refresh_token_hash and refresh_expires_at: the refresh token issued with an access token
(the refresh_token grant), kept as a digest like the access token, usable once until it expires

Revision ID: 0261_api_refresh_tokens
Revises: 0260_platform_order_modified
"""
import sqlalchemy as sa
from alembic import op

revision = "0261_api_refresh_tokens"
down_revision = "0260_platform_order_modified"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("refresh_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("refresh_expires_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_api_tokens_refresh_token_hash", ["refresh_token_hash"], unique=True)


def downgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_refresh_token_hash")
        batch.drop_column("refresh_expires_at")
        batch.drop_column("refresh_token_hash")
