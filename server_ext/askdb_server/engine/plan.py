"""A small query plan and its rendering to SQL, joining tables along foreign keys.

The plan names tables and columns exactly as the schema spells them; ``render`` finds the join
path (breadth-first over the foreign-key graph, through bridge tables when needed), writes
portable SQL and lets sqlglot put it into the schema's dialect.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import sqlglot

from ..errors import NoAnswerError
from ..schemas.model import Schema

_RESERVED = frozenset(
    """select from where group order by having limit offset join on as and or not in is null
    table user index key values insert update delete create drop alter case when then else end
    union all distinct into left right inner outer full cross natural using default check primary
    foreign references column constraint desc asc between like exists with window over partition
    range rows current grant to of for natural any some true false level size""".split()
)
_DIALECTS = {"postgresql": "postgres", "mariadb": "mysql", "mssql": "tsql", "sqlserver": "tsql"}


@dataclass(frozen=True)
class ColRef:
    table: str
    column: str


@dataclass(frozen=True)
class Measure:
    agg: str  # count sum avg min max
    col: ColRef | None = None  # None: COUNT(*)
    distinct: bool = False
    table: str | None = None  # the table counted, for COUNT(*)

    @property
    def alias(self) -> str:
        if self.agg == "count" and self.table:
            return f"{_ident_word(self.table)}_count"
        if self.col is None:
            return "row_count"
        word = _ident_word(self.col.column)
        if self.agg == "count":
            return f"{'distinct_' if self.distinct else ''}{word}_count"
        prefix = {"sum": "total", "avg": "average"}.get(self.agg, self.agg)
        return f"{prefix}_{word}"


@dataclass
class QueryPlan:
    base: str
    select: list[ColRef | Measure] = field(default_factory=list)
    filters: list[tuple[ColRef, str, object]] = field(default_factory=list)
    group_by: list[ColRef] = field(default_factory=list)
    having: list[tuple[Measure, str, float]] = field(default_factory=list)
    order_by: list[tuple[ColRef | Measure, bool]] = field(default_factory=list)  # (expr, desc)
    limit: int | None = None
    extra_tables: set[str] = field(default_factory=set)
    distinct: bool = False
    star: bool = False  # SELECT * ("all the information about ...")
    compound: tuple[str, QueryPlan] | None = None  # ("INTERSECT" | "UNION" | "EXCEPT", plan)

    def tables(self) -> list[str]:
        seen = [self.base]
        conds = [g for f in self.filters for g in (f[2] if f[1] == "ANY" else (f,))]
        refs = [
            *self.select,
            *(f[0] for f in conds),
            *self.group_by,
            *(h[0] for h in self.having),
            *(o[0] for o in self.order_by),
        ]
        for ref in refs:
            for table in _tables_of(ref):
                if table not in seen:
                    seen.append(table)
        seen.extend(t for t in sorted(self.extra_tables) if t not in seen)
        return seen


def _tables_of(ref: ColRef | Measure) -> list[str]:
    if isinstance(ref, ColRef):
        return [ref.table]
    return [ref.col.table] if ref.col else ([ref.table] if ref.table else [])


def _ident_word(name: str) -> str:
    return re.sub(r"\W+", "_", name).strip("_").lower()


def quote(name: str) -> str:
    """An identifier, double-quoted only when it needs to be (sqlglot converts the quotes)."""
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def join_path(schema: Schema, joined: list[str], target: str) -> list[tuple[str, str, list]]:
    """Shortest FK path from any joined table to ``target``: [(from, to, [(col_from, col_to)])].

    Declared foreign keys first; when they do not connect the tables, columns that share a
    name with another table's primary key count as undeclared foreign keys."""
    try:
        return _bfs(fk_graph(schema), joined, target)
    except NoAnswerError:
        return _bfs(inferred_graph(schema), joined, target)


def _bfs(graph: dict, joined: list[str], target: str) -> list[tuple[str, str, list]]:
    start = list(dict.fromkeys(t.lower() for t in joined))  # in order: the base table first
    prev: dict[str, tuple[str, list] | None] = {t: None for t in start}
    queue = deque(start)
    while queue:
        node = queue.popleft()
        if node == target.lower():
            break
        for nxt, pairs in graph.get(node, ()):
            if nxt not in prev:
                prev[nxt] = (node, pairs)
                queue.append(nxt)
    if target.lower() not in prev:
        raise NoAnswerError(
            f"I could not find how {target} relates to {', '.join(joined)}: "
            "no chain of foreign keys connects them."
        )
    steps = []
    node = target.lower()
    while prev[node] is not None:
        parent, pairs = prev[node]
        steps.append((parent, node, pairs))
        node = parent
    return steps[::-1]


_GRAPHS: dict[tuple[int, bool], tuple[Schema, dict]] = {}


def _cached(schema: Schema, inferred: bool, build) -> dict:
    key = (id(schema), inferred)
    hit = _GRAPHS.get(key)
    if hit is not None and hit[0] is schema:
        return hit[1]
    if len(_GRAPHS) > 256:
        _GRAPHS.clear()
    graph = build(schema)
    _GRAPHS[key] = (schema, graph)
    return graph


def fk_graph(schema: Schema) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """Undirected FK adjacency by lowercase table name, with the column pairs of each edge."""
    return _cached(schema, False, _fk_graph)


def inferred_graph(schema: Schema) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    """``fk_graph`` plus edges for columns named like another table's one-column primary key."""
    return _cached(schema, True, _inferred_graph)


def _inferred_graph(schema: Schema) -> dict:
    graph = {k: list(v) for k, v in _fk_graph(schema).items()}
    keys = {t.name.lower(): t.primary_key[0] for t in schema.tables if len(t.primary_key) == 1}
    for t in schema.tables:
        for c in t.columns:
            for other, pk in keys.items():
                if other == t.name.lower() or c.name.lower() != pk.lower():
                    continue
                if any(n == other for n, _ in graph.get(t.name.lower(), ())):
                    continue
                graph.setdefault(t.name.lower(), []).append((other, [(c.name, pk)]))
                graph.setdefault(other, []).append((t.name.lower(), [(pk, c.name)]))
    return graph


def _fk_graph(schema: Schema) -> dict:
    graph: dict[str, list] = {}
    for t in schema.tables:
        for fk in t.foreign_keys:
            ref = schema.table(fk.ref_table)
            if ref is None or ref.name.lower() == t.name.lower():
                continue
            ref_cols = list(fk.ref_columns) or list(ref.primary_key)
            if len(ref_cols) != len(fk.columns):
                continue
            pairs = list(zip(fk.columns, ref_cols, strict=True))
            graph.setdefault(t.name.lower(), []).append((ref.name.lower(), pairs))
            back = [(b, a) for a, b in pairs]
            graph.setdefault(ref.name.lower(), []).append((t.name.lower(), back))
    return graph


def render(plan: QueryPlan, schema: Schema) -> str:
    """The plan as SQL in the schema's dialect."""
    sql = _plan_sql(plan, schema)
    if plan.compound is not None:
        op, other = plan.compound
        sql = f"{sql} {op} {_plan_sql(other, schema)}"
    dialect = _DIALECTS.get(schema.dialect.lower(), schema.dialect.lower())
    try:
        return sqlglot.transpile(sql, read=None, write=dialect)[0]
    except (sqlglot.errors.SqlglotError, ValueError):
        return sql


def _plan_sql(plan: QueryPlan, schema: Schema) -> str:
    """Portable SQL of one SELECT (no set operation), subqueries included."""
    tables = plan.tables()
    joined = [plan.base]
    joins = []
    for target in tables[1:]:
        if target.lower() in (j.lower() for j in joined):
            continue
        for src, dst, pairs in join_path(schema, joined, target):
            dst_name = schema.table(dst).name
            src_name = schema.table(src).name
            cond = " AND ".join(
                f"{quote(src_name)}.{quote(a)} = {quote(dst_name)}.{quote(b)}" for a, b in pairs
            )
            joins.append(f"JOIN {quote(dst_name)} ON {cond}")
            joined.append(dst_name)
    qualify = len(joined) > 1
    return _sql_text(plan, joins, qualify, schema)


def _sql_text(plan: QueryPlan, joins: list[str], qualify: bool, schema: Schema) -> str:
    def col(ref: ColRef) -> str:
        return f"{quote(ref.table)}.{quote(ref.column)}" if qualify else quote(ref.column)

    def expr(item: ColRef | Measure, alias: bool = False) -> str:
        if isinstance(item, ColRef):
            return col(item)
        inner = "*" if item.col is None else col(item.col)
        text = f"{item.agg.upper()}({'DISTINCT ' if item.distinct else ''}{inner})"
        return f"{text} AS {quote(item.alias)}" if alias else text

    def order_expr(item: ColRef | Measure) -> str:
        if isinstance(item, Measure) and item in plan.select:
            return quote(item.alias)
        return expr(item)

    def value(v: object) -> str:
        if isinstance(v, QueryPlan):
            return f"({_plan_sql(v, schema)})"
        if isinstance(v, tuple):
            return "(" + ", ".join(literal(x) for x in v) + ")"
        return literal(v)

    def cond(c: ColRef | Measure, op: str, v: object) -> str:
        left = expr(c)
        if op in ("IS NULL", "IS NOT NULL"):
            return f"{left} {op}"
        if op == "ANY":
            return "(" + " OR ".join(cond(*f) for f in v) + ")"
        if op == "OR":
            return "(" + " OR ".join(f"{left} {o} {value(x)}" for o, x in v) + ")"
        return f"{left} {op} {value(v)}"

    shown = "*" if plan.star else ", ".join(expr(s, True) for s in plan.select) or "*"
    parts = [
        f"SELECT {'DISTINCT ' if plan.distinct else ''}{shown}",
        f"FROM {quote(plan.base)}",
        *joins,
    ]
    if plan.filters:
        parts.append("WHERE " + " AND ".join(cond(c, op, v) for c, op, v in plan.filters))
    if plan.group_by:
        parts.append("GROUP BY " + ", ".join(col(c) for c in plan.group_by))
    if plan.having:
        parts.append("HAVING " + " AND ".join(cond(m, op, v) for m, op, v in plan.having))
    if plan.order_by:
        parts.append(
            "ORDER BY "
            + ", ".join(f"{order_expr(e)}{' DESC' if d else ''}" for e, d in plan.order_by)
        )
    if plan.limit is not None:
        parts.append(f"LIMIT {int(plan.limit)}")
    return " ".join(parts)
