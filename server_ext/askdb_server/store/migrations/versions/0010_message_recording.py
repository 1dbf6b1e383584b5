"""messages are recorded when admitted: the boot id of the process running one, and whether
its stored preview was cut to the byte cap

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("boot_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("preview_truncated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_messages_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_index("ix_messages_status")
        batch_op.drop_column("preview_truncated")
        batch_op.drop_column("boot_id")
