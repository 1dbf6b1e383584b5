"""``LocalClient``: the AskDB managers in this process, for plain IPython with no server."""

from __future__ import annotations

import getpass
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .base import JSON

if TYPE_CHECKING:
    from askdb_server.identity.who import Identity
    from askdb_server.services import Services


class LocalClient:
    """Calls ``askdb_server.services.Services`` directly, as the OS user running the kernel."""

    def __init__(self, services: Services, username: str | None = None) -> None:
        self.services = services
        self.username = username or getpass.getuser()
        self._who: Identity | None = None

    @classmethod
    def from_data_dir(cls, data_dir: Path, *, use_embeddings: bool = True) -> LocalClient:
        """A client on the embedded store in ``data_dir`` (the server's default location)."""
        from askdb_server.services import Services, Settings  # heavy: only when first used

        settings = Settings.defaults(Path(data_dir), use_embeddings=use_embeddings)
        return cls(Services.build(settings))

    def __repr__(self) -> str:
        return f"LocalClient({str(self.services.settings.data_dir)!r})"

    @property
    def who(self) -> Identity:
        if self._who is None:
            # In-process, the kernel's user holds the store itself: they operate this
            # deployment (set plans), as the local user does in local mode.
            self._who = replace(self.services.users.ensure(self.username), operator=True)
        return self._who

    # -- the AskDBClient interface ---------------------------------------------------------------
    def list_projects(self) -> list[JSON]:
        return [p.to_dict() for p in self.services.projects.list(self.who)]

    def find_project(self, name_or_id: str) -> JSON:
        return self.services.projects.find(self.who, name_or_id).to_dict()

    def create_project(
        self, name: str, *, connection_url: str | None = None, description: str = ""
    ) -> JSON:
        info = self.services.projects.create(
            self.who, name, connection_url=connection_url, description=description
        )
        return info.to_dict()

    def introspect(self, project_id: str) -> JSON:
        return _version_dict(self.services.schemas.introspect(self.who, project_id))

    def current_schema(self, project_id: str) -> JSON:
        return _version_dict(self.services.schemas.get(self.who, project_id))

    def ask(self, project_id: str, question: str, conversation_id: str | None = None) -> JSON:
        answer = self.services.pipeline.ask(
            self.who, project_id, question, conversation_id=conversation_id
        )
        return answer.to_dict()

    def run_sql(self, project_id: str, sql: str, conversation_id: str | None = None) -> JSON:
        answer = self.services.pipeline.run_sql(
            self.who, project_id, sql, conversation_id=conversation_id
        )
        return answer.to_dict()

    def list_docs(self, project_id: str) -> list[JSON]:
        return [d.to_dict() for d in self.services.knowledge.list_docs(self.who, project_id)]

    def add_doc(self, project_id: str, body: str, title: str = "") -> JSON:
        return self.services.knowledge.add_doc(self.who, project_id, body, title).to_dict()

    def delete_doc(self, project_id: str, doc_id: str) -> None:
        self.services.knowledge.delete_doc(self.who, project_id, doc_id)

    def approve(
        self,
        project_id: str,
        *,
        message_id: str | None = None,
        question: str | None = None,
        sql: str | None = None,
    ) -> JSON:
        knowledge = self.services.knowledge
        if message_id:
            return knowledge.approve_message(self.who, project_id, message_id).to_dict()
        return knowledge.approve(self.who, project_id, question or "", sql or "").to_dict()

    def usage(self, project_id: str) -> JSON:
        return self.services.quotas.usage(self.who, project_id)

    def list_keys(self, project_id: str) -> list[JSON]:
        return self.services.keys.list(self.who, project_id)

    def create_key(self, project_id: str, fields: JSON) -> JSON:
        view, token = self.services.keys.create(self.who, project_id, fields)
        return {**view, "key": token}

    def revoke_key(self, project_id: str, key_id: str) -> JSON:
        return self.services.keys.revoke(self.who, project_id, key_id)

    def rotate_key(self, project_id: str, key_id: str, overlap_seconds: int = 0) -> JSON:
        view, token = self.services.keys.rotate(self.who, project_id, key_id, overlap_seconds)
        return {**view, "key": token}

    def notifications(self) -> list[JSON]:
        return self.services.quotas.notifications(self.who)

    def close(self) -> None:
        self.services.close()


def _version_dict(info: object) -> JSON:
    """A schema version in its REST shape, with the schema itself always included."""
    d = info.to_dict()  # type: ignore[attr-defined]
    if "schema" not in d and hasattr(info, "schema"):
        d["schema"] = info.schema.to_dict()
    return d
