"""``%askdb`` and ``%%askdb``: ask a database questions from a notebook.

The magic method only parses arguments and dispatches to ``askdb.commands``; errors the user can
fix become ``UsageError`` (shown as one line, no traceback). State lives on the ``AskDBMagics``
instance of each shell: its client, the connected project and the running conversation.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Protocol

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from . import commands
from .client import JSON, AskDBClient, user_error_types
from .discovery import connect_client
from .frames import answer_to_frame
from .views import AnswerView

USAGE = """\
Usage:
  %askdb connect NAME            connect to one of your projects
  %askdb connect DATABASE_URL    e.g. sqlite:///shop.db: uses (or creates) its project
  %askdb projects                list your projects
  %askdb schema                  show the connected project's schema
  %askdb approve                 approve the last answer as golden SQL for similar questions
  %askdb docs                    list the project's docs (business terms, column meanings)
  %askdb docs add "TEXT"         add one, e.g. "revenue means orders.total"
  %askdb docs delete ID          delete one
  %askdb usage                   calls today and tokens this month against the plan
  %askdb notifications           quota alerts of your organization
  %askdb keys                    list the project's API keys
  %askdb keys create NAME --scopes a,b [--expires ISO] [--ip CIDR,...]
                                 a new key, printed once (scopes: query:generate, ...)
  %askdb keys revoke KEY_ID      stop a key at once
  %askdb keys rotate KEY_ID [--overlap SECONDS]
                                 a new key; the old one works SECONDS more (default 0)

  %%askdb [-o NAME] [--plot]     the cell holds a question; returns a DataFrame
  %%askdb --sql [-o NAME]        the cell holds SQL, run read-only through the same checks
"""

NOT_CONNECTED = "Not connected: run %askdb connect <project or database URL> first."


@magics_class
class AskDBMagics(Magics):
    """The ``askdb`` line/cell magic, with the state of one shell."""

    def __init__(
        self, shell: Any = None, client_factory: Callable[[], AskDBClient] = connect_client
    ) -> None:
        super().__init__(shell)
        self._client_factory = client_factory
        self._client: AskDBClient | None = None
        self.project: JSON | None = None
        self.conversation_id: str | None = None
        self.last_answer: JSON | None = None

    @property
    def client(self) -> AskDBClient:
        """The client, found on first use so that ``%load_ext askdb`` stays instant."""
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def close(self) -> None:
        """Release the client's connections (on ``%unload_ext askdb``)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    @magic_arguments()
    @argument("-o", "--out", metavar="NAME", help="also store the DataFrame in variable NAME")
    @argument("--sql", action="store_true", help="the cell holds SQL instead of a question")
    @argument("--plot", action="store_true", help="return a Plotly chart instead of the frame")
    @argument(
        "command",
        nargs="*",
        help="connect TARGET | projects | schema | approve | docs | usage | notifications | keys",
    )
    @line_cell_magic
    def askdb(self, line: str, cell: str | None = None) -> Any:
        """Ask a database questions in plain language (run ``%askdb`` for usage)."""
        try:
            if cell is None:
                return self._line(line)
            return self._cell(parse_argstring(self.askdb, line), cell)
        except user_error_types() as e:
            raise UsageError(str(e)) from None

    # -- dispatch ---------------------------------------------------------------------------------
    def _line(self, line: str) -> None:
        name, _, after = line.strip().partition(" ")
        if name == "keys":  # its subcommands have options of their own (--scopes, --overlap...)
            return self._keys(after)
        args = parse_argstring(self.askdb, line)
        if args.sql or args.plot or args.out:
            raise UsageError("--sql, --plot and -o go with the cell magic %%askdb.\n\n" + USAGE)
        name, *rest = args.command or ["help"]
        if name == "help" and not rest:
            print(USAGE)
        elif name == "connect" and len(rest) == 1:
            self._connect(rest[0])
        elif name == "projects" and not rest:
            display(commands.list_projects(self.client, self.project))
        elif name == "schema" and not rest:
            display(commands.show_schema(self.client, self._require_project()))
        elif name == "approve" and not rest:
            commands.approve(self.client, self._require_project(), self.last_answer)
        elif name == "docs":
            self._docs(rest)
        elif name == "usage" and not rest:
            display(commands.show_usage(self.client, self._require_project()))
        elif name == "notifications" and not rest:
            display(commands.list_notifications(self.client))
        else:
            raise UsageError(f"Unknown command: %askdb {' '.join(args.command)}\n\n{USAGE}")

    def _cell(self, args: Any, cell: str) -> Any:
        if args.command:
            raise UsageError(f"%%askdb takes only options on its line.\n\n{USAGE}")
        if args.out and not args.out.isidentifier():
            raise UsageError(f"-o needs a variable name, not {args.out!r}.")
        text = cell.strip()
        if not text:
            what = "SQL" if args.sql else "a question"
            raise UsageError(f"Empty cell: write {what} below the %%askdb line.")
        self.last_answer = None  # a failed cell leaves nothing to approve
        answer = commands.answer(
            self.client,
            self._require_project(),
            text,
            is_sql=args.sql,
            conversation_id=self.conversation_id,
        )
        self.conversation_id = answer.get("conversation_id") or self.conversation_id
        self.last_answer = answer
        frame = answer_to_frame(answer["columns"], answer["rows"])
        display(AnswerView(answer))
        if args.out:
            if self.shell is None:
                raise UsageError("-o needs the IPython shell these magics were loaded in.")
            self.shell.user_ns[args.out] = frame
        if args.plot:
            from .plotting import figure_for  # plotly loads only when a chart is asked for

            return figure_for(frame)
        return frame

    def _docs(self, rest: list[str]) -> None:
        project = self._require_project()
        if not rest:
            commands.list_docs(self.client, project)
        elif rest[0] == "add" and len(rest) > 1:
            commands.add_doc(self.client, project, _unquoted(" ".join(rest[1:])))
        elif rest[0] == "delete" and len(rest) == 2:
            commands.delete_doc(self.client, project, rest[1])
        else:
            raise UsageError(f"Unknown command: %askdb docs {' '.join(rest)}\n\n{USAGE}")

    def _keys(self, line: str) -> None:
        sub, _, rest = line.strip().partition(" ")
        if sub not in ("", "create", "revoke", "rotate"):
            raise UsageError(f"Unknown command: %askdb keys {line.strip()}\n\n{USAGE}")
        project = self._require_project()
        if not sub:
            if rest:
                raise UsageError(f"%askdb keys takes no arguments.\n\n{USAGE}")
            display(commands.list_keys(self.client, project))
        elif sub == "create":
            args = _parse_subcommand(_keys_create, rest)
            commands.create_key(
                self.client,
                project,
                _unquoted(" ".join(args.name)),
                _comma_list(args.scopes),
                expires_at=args.expires,
                ip_allow=_comma_list(args.ip) if args.ip is not None else None,
            )
        elif sub == "revoke":
            args = _parse_subcommand(_keys_revoke, rest)
            commands.revoke_key(self.client, project, args.key_id)
        else:
            args = _parse_subcommand(_keys_rotate, rest)
            commands.rotate_key(self.client, project, args.key_id, args.overlap)

    def _connect(self, target: str) -> None:
        project = commands.connect(self.client, target)
        self.project, self.conversation_id, self.last_answer = project, None, None
        version = project.get("schema_version")
        schema = f"schema v{version}" if version is not None else "no schema yet"
        print(f"Connected to project {project['name']!r} ({project.get('dialect')}, {schema}).")

    def _require_project(self) -> JSON:
        if self.project is None:
            raise UsageError(NOT_CONNECTED)
        return self.project


# The options of the ``%askdb keys`` subcommands, parsed like the magic's own (a mistake is a
# one-line UsageError naming the subcommand).
@magic_arguments(name="askdb keys create")
@argument("name", nargs="+", help="what the key is for, e.g. nightly-report")
@argument("--scopes", required=True, metavar="A,B", help="comma-separated, e.g. query:generate")
@argument("--expires", metavar="ISO", help="expiry as an ISO 8601 date-time (UTC if no offset)")
@argument("--ip", metavar="CIDR,...", help="comma-separated networks the key may be used from")
def _keys_create(line: str) -> None:
    """Create an API key."""


@magic_arguments(name="askdb keys revoke")
@argument("key_id")
def _keys_revoke(line: str) -> None:
    """Revoke an API key."""


@magic_arguments(name="askdb keys rotate")
@argument("key_id")
@argument("--overlap", type=int, default=0, metavar="SECONDS", help="how long the old key works")
def _keys_rotate(line: str) -> None:
    """Rotate an API key."""


class _MagicSpec(Protocol):
    """A function decorated with ``@magic_arguments``, which gives it its parser."""

    parser: argparse.ArgumentParser

    def __call__(self, line: str) -> None: ...


def _parse_subcommand(spec: _MagicSpec, line: str) -> Any:
    """``line`` parsed by the ``@magic_arguments`` of ``spec``; a mistake names the subcommand."""
    try:
        return parse_argstring(spec, line)
    except UsageError as e:
        raise UsageError(f"%{spec.parser.prog}: {e}") from None


def _comma_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [part.strip() for part in _unquoted(text).split(",") if part.strip()]


def _unquoted(text: str) -> str:
    """IPython's argument splitting keeps the quotes of ``"a quoted text"``: drop them."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text
