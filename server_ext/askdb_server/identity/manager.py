"""Who is asking. For now the Jupyter server's user; the tenancy issue adds orgs and roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..store.db import Store
from ..store.models import User, utcnow


@dataclass(frozen=True)
class Identity:
    """The caller of a request, resolved to a row in ``users``."""

    user_id: str
    username: str


class UserManager:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ensure(self, username: str, *, name: str | None = None) -> Identity:
        """Return the identity for ``username``, creating its user on first sight."""
        with self.store.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, name=name or username, last_login=utcnow())
                s.add(user)
                s.flush()
            return Identity(user_id=user.id, username=user.username)
