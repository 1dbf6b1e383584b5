"""Schemathesis over the served OpenAPI document, counting what a run found.

Each operation gets cases generated from its schemas, valid ones (positive) and invalid ones
(negative); most path ids are replaced by real ones (a project, a conversation, an API key) so
that cases reach handler code, not just the 404 of an unknown id. A case fails when the server
answers 5xx, or when its response breaks the document (status not documented, content type,
body schema). Used by tests/server/test_schemathesis.py (bounded) and
tests/bench/bench_schemathesis.py (long).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
# Path parameters replaced by a real id in most cases.
REAL = {"project_id": "pid", "conversation_id": "cid", "key_id": "kid"}
# Cases that would change the project every other case uses (its connection, its archive
# state, its owner) keep their generated, unknown project id.
KEEP_GENERATED = {
    ("PATCH", "/askdb/api/projects/{project_id}"),
    ("POST", "/askdb/api/projects/{project_id}/archive"),
    ("POST", "/askdb/api/projects/{project_id}/transfer"),
}


@dataclass
class FuzzReport:
    cases: int = 0
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        top = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{self.cases} cases, {len(self.server_errors)} server errors (5xx), "
            f"{len(self.violations)} schema violations; statuses {top}"
        )


def fuzz(server, ids: dict, per_operation: int, seed: int | None = None) -> FuzzReport:
    """Run ``per_operation`` cases on each operation of ``server``'s document (half positive,
    half negative) and report what came back; the same cases every run unless ``seed``."""
    document = server.call("GET", "openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    report = FuzzReport()
    rng = random.Random(seed or 0)
    base_url = server.url.rstrip("/")
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/askdb/api/"):
            continue  # the HTML pages the emailed links open
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            examples = max(1, per_operation // 2)
            _run(operation, mode, examples, seed, server, ids, rng, base_url, report)
    return report


def _run(operation, mode, examples, seed, server, ids, rng, base_url, report) -> None:
    key = (operation.method.upper(), operation.path)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case) -> None:
        if key not in KEEP_GENERATED and case.path_parameters:
            for name, which in REAL.items():
                if name in case.path_parameters and rng.random() < 0.75:
                    case.path_parameters[name] = ids[which]
        response = case.call(base_url=base_url, headers=server.headers, timeout=60)
        report.cases += 1
        report.statuses[response.status_code] += 1
        where = f"{case.method} {case.formatted_path} ({mode.value})"
        if response.status_code >= 500:
            report.server_errors.append(f"{where}: {response.status_code} {_request(case)}")
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as e:  # a check's failure, reported with its case
            first = str(e).strip().splitlines()[:6]
            report.violations.append(f"{where}: {' | '.join(first)} {_request(case)}")

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    try:
        one()
    except Unsatisfiable:  # nothing invalid to send: an operation with no inputs
        pass


def _request(case) -> str:
    parts = [f"path={case.path_parameters!r}"]
    if case.query:
        parts.append(f"query={case.query!r}")
    if case.body is not None and not isinstance(case.body, type(schemathesis.core.NOT_SET)):
        parts.append(f"body={str(case.body)[:300]!r}")
    return " ".join(parts)
