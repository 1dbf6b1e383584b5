"""invitations to an existing user by name: the invitee's username (email becomes optional)
and when they declined

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=True)
        batch_op.create_index("ix_invitations_username", ["username"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM invitations WHERE email IS NULL")
    with op.batch_alter_table("invitations") as batch_op:
        batch_op.drop_index("ix_invitations_username")
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=False)
        batch_op.drop_column("declined_at")
        batch_op.drop_column("username")
