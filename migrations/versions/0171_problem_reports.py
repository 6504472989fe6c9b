"""problem_reports: a customer's "report a problem" on the tracking page, shown to staff on the order

Revision ID: 0171_problem_reports
Revises: 0210_returns
"""
import sqlalchemy as sa
from alembic import op

revision = "0171_problem_reports"
down_revision = "0210_returns"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "problem_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_problem_reports_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_reports")),
    )
    with op.batch_alter_table("problem_reports") as batch:
        batch.create_index("ix_problem_reports_order_id", ["order_id"])
        batch.create_index("ix_problem_reports_created_at", ["created_at"])


def downgrade():
    with op.batch_alter_table("problem_reports") as batch:
        batch.drop_index("ix_problem_reports_created_at")
        batch.drop_index("ix_problem_reports_order_id")
    op.drop_table("problem_reports")
