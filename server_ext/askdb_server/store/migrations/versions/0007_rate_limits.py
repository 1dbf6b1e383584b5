"""rate-limit state (GCRA), UNLOGGED on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 21:15:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Written by hand: autogenerate knows no UNLOGGED. The state lives seconds; losing it on
    # a crash only resets the windows, and skipping the WAL keeps the hot path's write cheap.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE UNLOGGED TABLE rate_limits ("
            "bucket VARCHAR(80) NOT NULL PRIMARY KEY, tat DOUBLE PRECISION NOT NULL)"
        )
        return
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(length=80), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("bucket"),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
