"""per-project query policy: extra allowed SQL functions, introspection queries, the
unsafe override for privileged connections, and whether result previews are stored

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("sql_functions", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "allow_introspection", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("allow_privileged", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("store_results", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("store_results")
        batch_op.drop_column("allow_privileged")
        batch_op.drop_column("allow_introspection")
        batch_op.drop_column("sql_functions")
