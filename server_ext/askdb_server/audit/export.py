"""The audit log's export formats: CSV, JSON and syslog lines (RFC 5424)."""

from __future__ import annotations

import csv
import io
import json
import socket
from collections.abc import Callable

from .log import AuditEntry

CSV_COLUMNS = ["at", "actor", "action", "project_id", "target", "outcome", "details", "id"]
# RFC 5424: facility 13 is "log audit"; severity 6 informational, 4 warning.
FACILITY_LOG_AUDIT = 13
SEVERITY = {"ok": 6, "error": 4, "denied": 4, "cancelled": 6}
# 32473 is the private enterprise number that RFC 5612 reserves for documentation examples.
SD_ID = "askdb@32473"


def to_json(entries: list[AuditEntry]) -> str:
    return json.dumps({"events": [e.to_dict() for e in entries]})


def to_csv(entries: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        d = e.to_dict()
        d["details"] = json.dumps(e.details, sort_keys=True)
        writer.writerow([_csv_safe(d[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def to_syslog(entries: list[AuditEntry], hostname: str | None = None) -> str:
    """One RFC 5424 line per event: ``<PRI>1 TIMESTAMP HOST askdb - MSGID [SD] MSG``."""
    host = _token(hostname or socket.gethostname(), 255)
    lines = []
    for e in entries:
        pri = FACILITY_LOG_AUDIT * 8 + SEVERITY.get(e.outcome, 5)
        params = {
            "actor": e.actor or "",
            "project": e.project_id or "",
            "target": e.target or "",
            "outcome": e.outcome,
            "id": e.id,
        }
        sd = "[" + SD_ID + "".join(f' {k}="{_sd_escape(v)}"' for k, v in params.items()) + "]"
        msg = f"{e.actor or '-'} {e.action} {e.target or ''} {e.outcome}".replace("\n", " ")
        stamp = e.at.isoformat().replace("+00:00", "Z")
        lines.append(f"<{pri}>1 {stamp} {host} askdb - {_token(e.action, 32)} {sd} {msg}")
    return "".join(line + "\n" for line in lines)


def _sd_escape(value: str) -> str:
    # RFC 5424 section 6.3.3: '"', '\' and ']' are escaped inside a PARAM-VALUE.
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _token(value: str, limit: int) -> str:
    """A header field: printable US-ASCII without spaces, at most ``limit`` characters."""
    text = "".join(c if 33 <= ord(c) <= 126 else "_" for c in value)[:limit]
    return text or "-"


def _csv_safe(value: object) -> object:
    # A cell starting with = + - @ is a formula in spreadsheets: quote it as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


FORMATS: dict[str, tuple[str, Callable[[list[AuditEntry]], str]]] = {
    "json": ("application/json", to_json),
    "csv": ("text/csv; charset=utf-8", to_csv),
    "syslog": ("text/plain; charset=utf-8", to_syslog),
}
