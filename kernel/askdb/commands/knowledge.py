"""``%askdb approve`` and ``%askdb docs``: what the team teaches AskDB about its data.

Approving is always the user's act: the last answer of this shell's conversation becomes an
approved question/SQL pair ("golden SQL") that later, near-identical questions reuse.
"""

from __future__ import annotations

from IPython.core.error import UsageError

from ..client import JSON, AskDBClient

NOTHING_TO_APPROVE = "Nothing to approve: ask a question with %%askdb first."
PREVIEW = 70


def approve(client: AskDBClient, project: JSON, last_answer: JSON | None) -> JSON:
    """Approve ``last_answer`` (the latest %%askdb answer in this shell) as golden SQL."""
    if last_answer is None:
        raise UsageError(NOTHING_TO_APPROVE)
    if not last_answer.get("question"):
        raise UsageError("Only an answer to a question can be approved, not SQL you ran.")
    pair = client.approve(project["id"], message_id=last_answer["message_id"])
    print(f"Approved: “{pair['question']}” → {_one_line(pair['sql'])}")
    return pair


def add_doc(client: AskDBClient, project: JSON, text: str) -> JSON:
    """Add a documentation snippet; ``term: meaning`` lines also teach synonyms."""
    doc = client.add_doc(project["id"], text)
    print(f"Added doc {doc['id']}.")
    return doc


def list_docs(client: AskDBClient, project: JSON) -> list[JSON]:
    """Print the project's documentation snippets, one line each."""
    docs = client.list_docs(project["id"])
    if not docs:
        print('No docs yet: add one with %askdb docs add "revenue means orders.total".')
    for doc in docs:
        label = f"{doc['title']}: " if doc.get("title") else ""
        print(f"{doc['id']}  {_one_line(label + doc['body'])}")
    return docs


def delete_doc(client: AskDBClient, project: JSON, doc_id: str) -> None:
    client.delete_doc(project["id"], doc_id)
    print(f"Deleted doc {doc_id}.")


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
