"""Returns and size exchanges: item outcomes, return and exchange requests, return parcels

Revision ID: 0210_returns
Revises: 0170_item_image_url
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0210_returns"
down_revision = "0170_item_image_url"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.add_column(sa.Column("is_return", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("return_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_shipments_return_of_id_shipments"), "shipments",
                                    ["return_of_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_shipments_return_of_id"), ["return_of_id"], unique=False)
    op.create_table(
        "return_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("staff_message", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("return_shipment_id", sa.Integer(), nullable=True),
        sa.Column("replacement_order_id", sa.Integer(), nullable=True),
        sa.Column("refund_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("refund_method", sa.String(length=20), nullable=True),
        sa.Column("refund_date", sa.Date(), nullable=True),
        sa.CheckConstraint("kind IN ('return','exchange')", name=op.f("ck_return_cases_kind_known")),
        sa.CheckConstraint("state IN ('requested','approved','refused','received')",
                           name=op.f("ck_return_cases_state_known")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_return_cases_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_user_id"], ["users.id"],
                                name=op.f("fk_return_cases_decided_by_user_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["return_shipment_id"], ["shipments.id"],
                                name=op.f("fk_return_cases_return_shipment_id_shipments"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["replacement_order_id"], ["orders.id"],
                                name=op.f("fk_return_cases_replacement_order_id_orders"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_cases")),
    )
    op.create_index(op.f("ix_return_cases_order_id"), "return_cases", ["order_id"])
    op.create_index(op.f("ix_return_cases_replacement_order_id"), "return_cases", ["replacement_order_id"])
    op.create_table(
        "return_case_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=False),
        sa.Column("wanted_size", sa.String(length=64), nullable=True),
        sa.Column("wanted_color", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["return_cases.id"], name=op.f("fk_return_case_items_case_id_return_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"],
                                name=op.f("fk_return_case_items_order_item_id_order_items"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_case_items")),
    )
    op.create_index(op.f("ix_return_case_items_case_id"), "return_case_items", ["case_id"])
    op.create_index(op.f("ix_return_case_items_order_item_id"), "return_case_items", ["order_item_id"])
    op.create_table(
        "item_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("outcome IN ('kept','refused','returned','exchanged')",
                           name=op.f("ck_item_outcomes_outcome_known")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_item_outcomes_quantity_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_item_outcomes_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"],
                                name=op.f("fk_item_outcomes_order_item_id_order_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["return_cases.id"], name=op.f("fk_item_outcomes_case_id_return_cases"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_outcomes")),
        sa.UniqueConstraint("order_item_id", name=op.f("uq_item_outcomes_order_item_id")),
    )
    op.create_index(op.f("ix_item_outcomes_order_id"), "item_outcomes", ["order_id"])


def downgrade():
    op.drop_index(op.f("ix_item_outcomes_order_id"), table_name="item_outcomes")
    op.drop_table("item_outcomes")
    op.drop_index(op.f("ix_return_case_items_order_item_id"), table_name="return_case_items")
    op.drop_index(op.f("ix_return_case_items_case_id"), table_name="return_case_items")
    op.drop_table("return_case_items")
    op.drop_index(op.f("ix_return_cases_replacement_order_id"), table_name="return_cases")
    op.drop_index(op.f("ix_return_cases_order_id"), table_name="return_cases")
    op.drop_table("return_cases")
    with op.batch_alter_table("shipments") as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_return_of_id"))
        batch_op.drop_constraint(batch_op.f("fk_shipments_return_of_id_shipments"), type_="foreignkey")
        batch_op.drop_column("return_of_id")
        batch_op.drop_column("is_return")
