"""``%askdb approve`` and ``%askdb docs`` in a real IPython shell, on the local client."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError

from askdb.commands.knowledge import NOTHING_TO_APPROVE
from askdb.magics import AskDBMagics
from tests.helpers.rest_server import TOKEN


def _connect(shell, db: Path) -> None:
    shell.run_line_magic("askdb", f"connect sqlite:///{db}")


def _ask(shell, text: str):
    result = shell.run_cell(f"%%askdb\n{text}")
    return result


def _pairs(magics: AskDBMagics) -> list[dict]:
    services = magics.client.services
    return [
        p.to_dict() for p in services.knowledge.list_pairs(magics.client.who, magics.project["id"])
    ]


def test_approve_the_last_answer(shell, magics: AskDBMagics, shop_db: Path, capsys) -> None:
    _connect(shell, shop_db)
    result = _ask(shell, "how many orders are there?")
    assert result.success, result.error_in_exec
    answer = magics.last_answer
    capsys.readouterr()

    shell.run_line_magic("askdb", "approve")
    assert "Approved: “how many orders are there?”" in capsys.readouterr().out
    [pair] = _pairs(magics)
    assert pair["question"] == "how many orders are there?"
    assert pair["sql"] == answer["sql"]
    assert pair["source_message_id"] == answer["message_id"]
    # Approving the same answer again changes nothing.
    shell.run_line_magic("askdb", "approve")
    assert len(_pairs(magics)) == 1


def test_approve_needs_an_answered_question(shell, magics: AskDBMagics, shop_db: Path) -> None:
    with pytest.raises(UsageError, match="Not connected"):
        shell.run_line_magic("askdb", "approve")
    _connect(shell, shop_db)
    with pytest.raises(UsageError, match=NOTHING_TO_APPROVE):
        shell.run_line_magic("askdb", "approve")
    assert shell.run_cell("%%askdb --sql\nselect count(*) from orders").success
    with pytest.raises(UsageError, match="not SQL you ran"):
        shell.run_line_magic("askdb", "approve")
    assert _ask(shell, "how many orders are there?").success
    assert not _ask(shell, "what is the airspeed velocity of an unladen swallow?").success
    with pytest.raises(UsageError, match=NOTHING_TO_APPROVE):  # the failed question is last
        shell.run_line_magic("askdb", "approve")
    assert _pairs(magics) == []


def test_docs_add_list_and_delete(shell, magics: AskDBMagics, shop_db: Path, capsys) -> None:
    _connect(shell, shop_db)
    capsys.readouterr()
    shell.run_line_magic("askdb", "docs")
    assert "No docs yet" in capsys.readouterr().out
    shell.run_line_magic("askdb", 'docs add "revenue means orders.total"')
    shell.run_line_magic("askdb", "docs add big spender: a customer with orders over 50")
    out = capsys.readouterr().out
    assert out.count("Added doc") == 2
    shell.run_line_magic("askdb", "docs")
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("  ", 1)[1] for line in listed] == [
        "revenue means orders.total",
        "big spender: a customer with orders over 50",
    ]
    doc_id = listed[0].split()[0]
    shell.run_line_magic("askdb", f"docs delete {doc_id}")
    assert f"Deleted doc {doc_id}" in capsys.readouterr().out
    docs = magics.client.list_docs(magics.project["id"])
    assert [d["body"] for d in docs] == ["big spender: a customer with orders over 50"]
    with pytest.raises(UsageError, match="No documentation snippet"):
        shell.run_line_magic("askdb", f"docs delete {doc_id}")
    with pytest.raises(UsageError, match="Unknown command"):
        shell.run_line_magic("askdb", "docs remove everything")


def test_usage_mentions_the_new_commands(shell, magics: AskDBMagics, capsys) -> None:
    shell.run_line_magic("askdb", "")
    out = capsys.readouterr().out
    assert "%askdb approve" in out and '%askdb docs add "TEXT"' in out


# -- the same commands over REST, against a real Jupyter server ---------------------------------


def test_approve_and_docs_over_rest(server_url: str, shop_db: Path) -> None:
    from askdb.client import RestClient
    from askdb_server.errors import MessageNotFoundError, UnsafeSQLError

    client = RestClient(server_url, TOKEN)
    try:
        project = client.create_project("rest-knowledge", connection_url=f"sqlite:///{shop_db}")
        pid = project["id"]
        client.introspect(pid)
        answer = client.ask(pid, "how many orders are there?")
        pair = client.approve(pid, message_id=answer["message_id"])
        assert (pair["question"], pair["sql"]) == ("how many orders are there?", answer["sql"])
        with pytest.raises(UnsafeSQLError):
            client.approve(pid, question="wipe", sql="delete from orders")
        with pytest.raises(MessageNotFoundError):
            client.approve(pid, message_id="missing")
        doc = client.add_doc(pid, "revenue means orders.total")
        assert [d["id"] for d in client.list_docs(pid)] == [doc["id"]]
        client.delete_doc(pid, doc["id"])
        assert client.list_docs(pid) == []
    finally:
        client.close()
