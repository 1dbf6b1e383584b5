"""From a ``Reading`` to a ``QueryPlan``: resolve mentions to tables and columns, then compose
SELECT, aggregates, WHERE, GROUP BY, HAVING, ORDER BY and LIMIT."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import NoAnswerError
from ..schemas.model import Schema, Table
from . import lexicon as lx
from .linking import (
    Element,
    is_date,
    is_key,
    is_numeric,
    is_temporal,
    is_year,
    natural_words,
)
from .plan import ColRef, Measure, QueryPlan, inferred_graph, join_path
from .reading import Reading, Slot, entity_question

_PREFER_IN_PLAY = 0.3
_CLAUSE_BREAKS = frozenset({"and", "or", ",", "who", "that", "which", "whose", "but"})


@dataclass
class Composed:
    plan: QueryPlan
    explanation: str
    confidence: float


def resolve(reading: Reading, schema: Schema, flip: int | None = None) -> list[str]:
    """Pick an element for every slot (``flip``: take the second choice for that slot).
    Returns the tables in play, first one the most central."""
    in_play: list[str] = []
    _drop_misfits(reading, schema)
    for i, slot in enumerate(reading.slots):
        top = slot.mention.candidates[0][0]
        if top.is_table:
            tables = slot.mention.tables()
            slot.choice = tables[1] if flip == i and len(tables) > 1 else tables[0]
            _add(in_play, slot.choice.table)
    for slot in reading.slots:
        if slot.choice is not None and slot.role in ("group", "frequent"):
            twin = _column_twin(slot, in_play)
            if twin is not None:  # "wines for each grape": wine.grape, no join
                slot.choice = twin
    for v in _values_in_play(reading, in_play):
        _add(in_play, v.table)
    for i, slot in enumerate(reading.slots):
        if slot.choice is None:
            ranked = sorted(slot.mention.columns(), key=lambda e: -_column_rank(slot, e, in_play))
            slot.choice = ranked[1] if flip == i and len(ranked) > 1 else ranked[0]
            slot.choice = _named_by_owner(slot, schema) or slot.choice
            _add(in_play, slot.choice.table)
    return in_play


def _drop_misfits(reading: Reading, schema: Schema) -> None:
    """A word before a date must name a date column, one before a number a numeric column;
    otherwise it was a verb ("made in 2024") and names nothing."""
    need = {"date": is_temporal, "filter": is_numeric}
    for slot in reading.slots:
        test = need.get(slot.role)
        if (
            slot.role == "filter"
            and slot.cue is not None
            and (slot.cue.kind == "like" or slot.cue.op == "=")
        ):
            test = _any_column
        if test is None or slot.role == "ignored":
            continue
        fits = [
            (e, s)
            for e, s in slot.mention.candidates
            if not e.is_table and test(schema.table(e.table).column(e.column))
        ]
        if not fits and slot.role == "filter" and _adjacent(slot):
            fits = [
                (e, s)
                for e, s in slot.mention.candidates  # numbers kept as text
                if not e.is_table
                and not is_key(schema.table(e.table), schema.table(e.table).column(e.column))
            ]
        if fits:
            slot.mention = replace(slot.mention, candidates=tuple(fits))
        else:
            if (
                slot.role == "filter"
                and slot.cue is not None
                and slot.cue.kind == "compare"
                and (slot.cue.span[1] <= slot.mention.span[0])
            ):  # "at least two delegates": a count of rows, not a column's value
                reading.counted.append(slot.cue)
                slot.role = "ignored"
                continue
            slot.role = "ignored"
            reading.unlinked.append(slot.mention.span[0])
    reading.slots = [s for s in reading.slots if s.role != "ignored"]


def _column_twin(slot: Slot, in_play: list[str]) -> Element | None:
    """A column of another table in play that the table's own word names as well as the
    table: grouping by it needs no join."""
    table_score = slot.mention.candidates[0][1]
    for e, score in slot.mention.candidates:
        if (
            not e.is_table
            and e.table != slot.choice.table
            and e.table in in_play
            and (score >= table_score)
        ):
            return e
    return None


def _named_by_owner(slot: Slot, schema: Schema) -> Element | None:
    """ "the names of movies" where movies have a title and no name: the owner's display
    column."""
    if slot.owner is None or slot.choice.table == slot.owner:
        return None
    if any(e.table == slot.owner for e in slot.mention.columns()):
        return None
    if slot.choice.words[-1:] not in (("name",), ("title",)):
        return None
    table = schema.table(slot.owner)
    col = display_columns(table)[0]
    return Element(table.name, col, tuple(natural_words(col)), " ".join(natural_words(col)))


def _adjacent(slot: Slot) -> bool:
    """The column word touches its comparison: "days held more than 50"."""
    cue = slot.cue  # but "exactly one friend" counts friends
    return cue is not None and cue.kind == "compare" and cue.span[0] == slot.mention.span[1]


def _any_column(col) -> bool:
    return True


def ambiguous_slots(reading: Reading) -> list[int]:
    """Slots whose second candidate scores nearly as well as the first."""
    out = []
    for i, slot in enumerate(reading.slots):
        c = slot.mention.candidates
        if len(c) > 1 and c[1][0].is_table == c[0][0].is_table and c[1][1] >= c[0][1] - 0.1:
            out.append(i)
    return out


def _column_rank(slot: Slot, e: Element, in_play: list[str]) -> float:
    score = dict(slot.mention.candidates).get(e, 0.0)
    owned = 0.5 if slot.owner is not None and e.table == slot.owner else 0.0
    return score + owned + (_PREFER_IN_PLAY if e.table in in_play else 0.0)


def _add(seq: list[str], item: str) -> None:
    if item not in seq:
        seq.append(item)


def _values_in_play(reading: Reading, in_play: list[str]):
    """One value match per question span; a later span's value on the same column wins."""
    by_span: dict[tuple[int, int], list] = {}
    for v in reading.values:
        by_span.setdefault(v.span, []).append(v)
    chosen = {}
    for span in sorted(by_span):
        options = by_span[span]
        best = next((v for v in options if v.table in in_play), options[0])
        chosen[(best.table, best.column)] = best
    return list(chosen.values())


def _values_by_column(reading: Reading, in_play: list[str]) -> dict[tuple[str, str], list]:
    """Every chosen value match grouped by its column, in question order: "Mary or Susan"."""
    by_span: dict[tuple[int, int], list] = {}
    for v in reading.values:
        by_span.setdefault(v.span, []).append(v)
    out: dict[tuple[str, str], list] = {}
    for span in sorted(by_span):
        options = by_span[span]
        best = next((v for v in options if v.table in in_play), options[0])
        for v in [best] + [o for o in options if o.part and best.part and o is not best]:
            group = out.setdefault((v.table, v.column), [])
            if all(g.value != v.value for g in group):
                group.append(v)
    return out


def negated(reading: Reading, start: int) -> bool:
    """A negation within the few words before token ``start``: "not", "non", "other than"."""
    k = start - 1
    while k >= 0 and start - k <= 8:
        tok = reading.tokens[k]
        if tok.low in lx.NEGATIONS or tok.low.endswith("n't") or tok.low.startswith("non-"):
            return True
        if any(v.span[1] == k + 1 for v in reading.values) or tok.low in _CLAUSE_BREAKS:
            return False
        k -= 1
    return False


def display_columns(table: Table) -> list[str]:
    """The columns that name a row of the table for a reader: name, title, label ..."""
    words = {c.name: natural_words(c.name) for c in table.columns}
    own = natural_words(table.name)
    for cue in lx.NAME_LIKE:
        if cue == "description":  # before descriptions: a column named like its table
            same = [
                c.name
                for c in table.columns
                if words[c.name] == own[-len(words[c.name]) :]
                and words[c.name]
                and not is_key(table, c)
                and not is_numeric(c)
            ]
            if same:
                return same[:1]
        cw = cue.split()
        hits = [
            c.name
            for c in table.columns
            if words[c.name][-len(cw) :] == cw and not is_key(table, c)
        ]
        if hits:
            return hits if cue == "name" else hits[:1]
    return list(table.primary_key[:1]) or [table.columns[0].name]


def _entity_keys(table: Table) -> tuple[list[ColRef], list[ColRef]]:
    """(displayed, grouped) columns for "per <table>": its name columns, grouped with its key."""
    shown = [ColRef(table.name, c) for c in display_columns(table)]
    keys = [ColRef(table.name, c) for c in table.primary_key if ColRef(table.name, c) not in shown]
    return shown, keys + shown


def compose(reading: Reading, schema: Schema, in_play: list[str]) -> Composed:
    """Build the plan for a resolved reading; raise NoAnswerError when a part cannot be linked."""
    _check_slots(reading)
    if not in_play:
        words = [reading.tokens[i].text for i in reading.unlinked] or ["your question"]
        raise NoAnswerError(f"I could not find a table for '{' '.join(words)}' in this schema.")
    in_play = _connected(reading, schema, in_play)
    builder = _Builder(reading, schema, in_play)
    builder.build()
    return Composed(builder.plan, "; ".join(builder.notes), _confidence(reading))


def _asks_everything(reading: Reading) -> bool:
    """ "all the information", "all details", "everything": every column."""
    text = " " + " ".join(t.low for t in reading.tokens) + " "
    return any(f" {p} " in text for p in lx.STAR_PHRASES)


def _connected(reading: Reading, schema: Schema, in_play: list[str]) -> list[str]:
    """Keep the tables that foreign keys (declared or inferred) connect to the best-connected
    one; slots on the others were misread words and drop out, at a cost in confidence."""
    if len(in_play) < 2:
        return in_play
    graph = inferred_graph(schema)

    def reach(start: str) -> set[str]:
        seen, todo = {start.lower()}, [start.lower()]
        while todo:
            for nxt, _ in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    comps = {t: reach(t) for t in in_play}
    best = max(in_play, key=lambda t: sum(o.lower() in comps[t] for o in in_play))
    keep = [t for t in in_play if t.lower() in comps[best]]
    if len(keep) == len(in_play):
        return in_play
    for slot in reading.slots:
        if slot.choice is not None and slot.choice.table not in keep:
            slot.role = "dropped"
            reading.unlinked.append(slot.mention.span[0])
    reading.slots = [s for s in reading.slots if s.role != "dropped"]
    reading.values = [v for v in reading.values if v.table in keep]
    return keep


def _check_slots(reading: Reading) -> None:
    """Words right after a cue or a question word must be linked; otherwise decline."""
    starts = {c.span[1] for c in reading.cues if c.kind in ("count", "agg", "group", "limit")}
    if reading.tokens and reading.opener in ("which", "list", "show", "many"):
        starts.add(1)
    for i in reading.unlinked:
        k = i
        while k > 0 and reading.tokens[k - 1].low in ("the", "a", "an", "of", "all", "distinct"):
            k -= 1
        if k in starts:
            raise NoAnswerError(
                f"I could not find a table or column for '{reading.tokens[i].text}' in this schema."
            )


def _confidence(reading: Reading) -> float:
    scores = [s.mention.score for s in reading.slots] + [v.score for v in reading.values]
    base = sum(scores) / len(scores) if scores else 0.5
    conf = min(1.0, base + 0.05) * 0.95 * (0.85 ** len(reading.unlinked))
    return round(max(0.0, min(1.0, conf)), 3)


class _Builder:
    def __init__(self, reading: Reading, schema: Schema, in_play: list[str]) -> None:
        self.r, self.schema, self.in_play = reading, schema, in_play
        self.entity = entity_question(reading)
        self.notes: list[str] = []
        for s in reading.slots:  # negated tables are not the base: "items without reviews"
            if (
                s.choice.is_table
                and s.role in ("subject", "count", "project", "having")
                and (negated(reading, s.mention.span[0]))
            ):
                s.role, s.anti_from = "anti", s.role
        self.plan = QueryPlan(base=self._base())
        self.order_only: list[Measure] = []  # measures that rank rows but are not shown
        self.intersect: tuple[ColRef, object] | None = None  # the second value of "both"
        self.except_: tuple[ColRef, object, object] | None = None  # "X but not Y"
        self.anti_subs: list[QueryPlan] = []  # NOT IN subqueries, which take their conditions
        self.ranked = False  # a superlative ranks the rows: one answer unless a limit is given

    def slots(self, *roles: str) -> list[Slot]:
        return [s for s in self.r.slots if s.role in roles]

    def _base(self) -> str:
        for how in ("name", "embedding"):
            for roles in (
                ("subject",),
                ("count",),
                ("having",),
                ("measure",),
                ("group",),
                ("project", "sort", "filter", "date"),
            ):
                for s in self.slots(*roles):
                    if s.mention.how == how:
                        return s.choice.table
        return self.in_play[0]

    def subject(self) -> Table | None:
        subs = sorted(self.slots("subject"), key=lambda s: s.mention.how != "name")
        return self.schema.table(subs[0].choice.table) if subs else None

    def build(self) -> None:
        self.notes.append(f"table {self.plan.base}")
        self._anti_joins()
        measures, sorts = self._measures()
        self._frequency(measures, sorts)
        self._age_rank(sorts)
        self._measure_rank(sorts)
        self._filters()
        self._having(measures)
        if measures or self.plan.having:
            self._grouped(measures)
        else:
            self._rows()
        self._order(sorts)
        self._count_distinct_keys()
        if self.intersect is not None:
            self._intersect()
        elif self.except_ is not None:
            self._except()

    def _except(self) -> None:
        """Rows for the first value less rows for the second, of the same column."""
        ref, value, other_value = self.except_
        if (
            self.plan.order_by
            or self.plan.limit
            or any(isinstance(m, Measure) for m in self.plan.select)
        ):
            self.plan.filters.append((ref, "!=", other_value))
            return
        other = replace(
            self.plan,
            filters=[
                (c, op, other_value if c == ref and op == "=" else v)
                for c, op, v in self.plan.filters
            ],
        )
        self.plan.compound = ("EXCEPT", other)

    def _intersect(self) -> None:
        """The same query for the second value, intersected with the first."""
        ref, value = self.intersect
        if (
            self.plan.order_by
            or self.plan.limit
            or any(isinstance(m, Measure) for m in self.plan.select)
        ):  # aggregates over an intersection cannot be written this way: keep both values
            self.plan.filters = [
                (c, "IN", (v, value)) if c == ref and op == "=" else (c, op, v)
                for c, op, v in self.plan.filters
            ]
            return
        other = replace(
            self.plan,
            filters=[
                (c, op, value if c == ref and op == "=" else v) for c, op, v in self.plan.filters
            ],
        )
        self.plan.compound = ("INTERSECT", other)

    def _measures(self) -> tuple[list[Measure], list[tuple[object, bool]]]:
        measures, sorts = [], []
        for s in self.slots("count", "measure"):
            e = s.choice
            timely = (
                e.is_table
                and s.cue is not None
                and any(
                    t.low in ("recent", "latest", "earliest", "newest")
                    for t in self.r.tokens[s.cue.span[0] : s.cue.span[1]]
                )
            )
            if (
                s.role == "measure"
                and s.agg in ("max", "min")
                and s.desc is not None
                and (
                    timely
                    or self.entity
                    and (self.subject() is not None or self.slots("project"))
                    or self._ranks_rows(s)
                )
            ):
                ref = ColRef(e.table, e.column) if not e.is_table else self._date_of(e.table)
                if ref is not None:
                    sorts.append((ref, s.desc))  # "which X has the highest Y"
                    self.ranked = True
                    continue
                if e.is_table:
                    s.agg = "count"
            if e.is_table:
                m = Measure("count", None, table=e.table)
            else:
                m = Measure(s.agg or "count", ColRef(e.table, e.column), distinct=s.distinct)
            if m not in measures:
                measures.append(m)
            if s.desc is not None and s.agg in ("max", "min") and self._per_group():
                s.desc = None  # "for each city, the highest latitude": one value per group
            if s.having is not None:  # "studios whose average gross is above 4500000"
                self.plan.having.append((m, s.having.op, s.having.value))
                self.order_only.append(m)
                continue
            if s.desc is not None:
                sorts.append((m, s.desc))
                self.ranked = True
                if s.cue is not None and s.cue.kind != "count":
                    self.order_only.append(m)  # "the customer with the most orders": rank only
        for s in self.slots("sort"):
            e = s.choice
            ref = (
                ColRef(e.table, e.column)
                if not e.is_table
                else ColRef(e.table, display_columns(self.schema.table(e.table))[0])
            )
            sorts.append((ref, s.desc if s.desc is not None else self._direction()))
            if s.desc is not None and (s.cue is None or s.cue.kind != "sort"):
                self.ranked = True
        return measures, sorts

    def _anti_joins(self) -> None:
        """ "customers without any order", "artists that do not have any volume": rows of the
        base table whose key is NOT IN the related table's references."""
        later = [v for v in self.r.values if negated(self.r, v.span[0])]
        for s in self.slots("anti"):
            if any(v.span[0] >= s.mention.span[1] for v in later):
                s.role = s.anti_from  # "not enrolled in Algebra": the value says what is not
                continue
            if s.choice.table == self.plan.base or not self._not_in(s.choice.table, []):
                s.role = s.anti_from

    def _not_in(self, table: str, filters: list) -> bool:
        """Add base.key NOT IN (SELECT ref FROM the next table on the path [WHERE filters])."""
        try:
            steps = join_path(self.schema, [self.plan.base], table)
        except NoAnswerError:
            return False
        if not steps:
            return False
        src, adj, pairs = steps[0]
        if len(pairs) != 1:
            return False
        mine, theirs = pairs[0]
        adj_name = self.schema.table(adj).name
        sub = QueryPlan(base=adj_name, select=[ColRef(adj_name, theirs)], filters=filters)
        if self.schema.table(table).name != adj_name:
            sub.extra_tables.add(self.schema.table(table).name)
        self.plan.filters.append((ColRef(self.plan.base, mine), "NOT IN", sub))
        self.anti_subs.append(sub)
        self.notes.append(f"not in {table}")
        return True

    def _into_anti_joins(self) -> None:
        """ "artists who did not have an exhibition in 2004": conditions on the negated table
        belong inside its NOT IN subquery."""
        for sub in self.anti_subs:
            inside = {sub.base.lower(), *(t.lower() for t in sub.extra_tables)}
            keep = []
            for f in self.plan.filters:
                if (
                    f[1] in (">", "<", ">=", "<=")
                    and f[0].table.lower() in inside
                    and (f[0].table.lower() != self.plan.base.lower())
                ):
                    sub.filters.append(f)
                else:
                    keep.append(f)
            self.plan.filters = keep

    def _date_of(self, table_name: str) -> ColRef | None:
        """ "the most recent appointment": the table's first date column."""
        table = self.schema.table(table_name)
        cols = [c for c in table.columns if is_date(c)] or [
            c for c in table.columns if is_temporal(c)
        ]
        return ColRef(table.name, cols[0].name) if cols else None

    def _age_rank(self, sorts: list) -> None:
        """ "the oldest person": the largest age, else the earliest birth date or date."""
        for cue in self.r.cues_of("age"):
            old = cue.op == "old"
            tables = [self.plan.base] + [t for t in self.in_play if t != self.plan.base]
            for name in tables:
                table = self.schema.table(name)
                ages = [
                    c for c in table.columns if "age" in natural_words(c.name) and is_numeric(c)
                ]
                births = [
                    c for c in table.columns if {"birth", "born"} & set(natural_words(c.name))
                ]
                dates = [c for c in table.columns if is_date(c) or is_temporal(c)]
                if ages:
                    sorts.insert(0, (ColRef(name, ages[0].name), old))
                elif births or dates:
                    sorts.insert(0, (ColRef(name, (births or dates)[0].name), not old))
                else:
                    continue
                self.ranked = True
                break

    def _frequency(self, measures: list[Measure], sorts: list) -> None:
        """ "the most common type", "which city is the least popular": group by the thing
        and rank the groups by their number of rows."""
        cues = self.r.cues_of("frequency")
        if not cues:
            return
        slots = self.slots("frequent") or self.slots("project")
        if not slots:
            return
        for s in slots:
            s.role = "group"
        m = Measure("count", None, table=self.plan.base)
        measures.append(m)
        self.order_only.append(m)
        sorts.insert(0, (m, cues[0].op == "desc"))
        self.ranked = True

    def _local_key(self, table: str, shown: list[ColRef]) -> ColRef | None:
        """The base table's foreign key to ``table`` when it holds the very value shown for it."""
        if len(shown) != 1 or table.lower() == self.plan.base.lower():
            return None
        for fk in self.schema.table(self.plan.base).foreign_keys:
            if (
                fk.ref_table.lower() == table.lower()
                and len(fk.columns) == 1
                and ([c.lower() for c in fk.ref_columns] == [shown[0].column.lower()])
            ):
                return ColRef(self.plan.base, fk.columns[0])
        return None

    def _ranks_rows(self, slot: Slot) -> bool:
        """ "What is the name of the product with the highest price": a superlative adjective
        picks a row when the question asks for other columns of it."""
        word = self.r.tokens[slot.cue.span[0]].low if slot.cue is not None else ""
        if word not in lx.SUPERLATIVE_DESC | lx.SUPERLATIVE_ASC or word in lx.NOUN_AGGS:
            return False
        if self._per_group():
            return False
        return any(p.choice != slot.choice for p in self.slots("project"))

    def _per_group(self) -> bool:
        return any(
            c.kind == "group" and self.r.tokens[c.span[0]].low != "by" for c in self.r.cues
        ) and self.r.opener not in ("which", "who")

    def _after_all(self, slot: Slot) -> bool:
        k = slot.mention.span[0]
        while k > 0 and self.r.tokens[k - 1].low in ("the", "of"):
            k -= 1
        return (
            k > 1
            and self.r.tokens[k - 1].low in ("all", "every")
            and self.r.tokens[k - 2].low
            in ("across", "for", "of", "among", "over", "in", "on", "from")
        )

    def _value_labels(self) -> set[ColRef]:
        """Projected columns that only label a value or pattern near them ("origins are not
        'Beijing'"), as opposed to columns the question lists ("name ... with name 'X'")."""
        fixed = {f[0] for f in self.plan.filters if f[1] in ("=", "IN", "!=", "NOT IN", "LIKE")}
        starts = [v.span[0] for v in self.r.values] + [
            c.span[0] for c in self.r.cues if c.kind in ("like", "compare")
        ]
        out = set()
        for s in self.slots("project"):
            ref = ColRef(s.choice.table, s.choice.column)
            if ref in fixed and any(0 <= k - s.mention.span[1] <= 3 for k in starts):
                out.add(ref)
        return out

    def _distinct(self) -> bool:
        """ "different", "distinct", "unique" that no count used: SELECT DISTINCT."""
        counted = {id(s.cue) for s in self.slots("count")}
        for c in self.r.cues_of("distinct"):
            prev = [p for p in self.r.cues if p.span[1] <= c.span[0] and p.kind == "count"]
            if not prev or id(prev[-1]) not in counted:
                return True
        return False

    def _direction(self) -> bool:
        words = [c.op for c in self.r.cues_of("direction")]
        return "desc" in words  # "in descending alphabetical order"

    def _filters(self) -> None:
        for (table, column), found in _values_by_column(self.r, self.in_play).items():
            ref = ColRef(table, column)
            pos = [v for v in found if not negated(self.r, v.span[0])]
            neg = [v for v in found if negated(self.r, v.span[0])]
            if len(pos) == 2 and self._both(pos, table):
                self.plan.filters.append((ref, "=", pos[0].value))
                self.intersect = (ref, pos[1].value)
                self.notes.append(f"{table}.{column} = '{pos[0].value}' and also '{pos[1].value}'")
            elif pos:
                self._equal(ref, "=", "IN", tuple(v.value for v in pos))
            if neg:
                vals = tuple(v.value for v in neg)
                cond = (ref, "=" if len(vals) == 1 else "IN", vals[0] if len(vals) == 1 else vals)
                if len(pos) == 1 and len(vals) == 1 and table == self.plan.base:
                    self.except_ = (ref, pos[0].value, vals[0])  # "Statistics but not Psychology"
                    continue
                if table == self.plan.base or not self._not_in(table, [cond]):
                    self._equal(ref, "!=", "NOT IN", vals)  # "whose type is not 'Show'"
        used = set()
        for s in self.slots("filter"):
            if s.cue is not None and s.cue.kind in ("compare", "like") and not s.choice.is_table:
                if id(s.cue) not in used:
                    self._compare(ColRef(s.choice.table, s.choice.column), s.cue)
                used.add(id(s.cue))
        for cue in self.r.cues_of("like"):
            if id(cue) not in used:
                table = self.subject() or self.schema.table(self.plan.base)
                self._compare(ColRef(table.name, display_columns(table)[0]), cue)
                used.add(id(cue))
        having_cues = {id(s.cue) for s in self.slots("having")} | {
            id(s.having) for s in self.slots("measure") if s.having is not None
        }
        for cue in self.r.cues_of("compare"):
            if id(cue) in used or id(cue) in having_cues or self._paired(cue, used):
                continue
            if self._chained_compare(cue):
                used.add(id(cue))
                continue
            if any(c is cue for c in self.r.counted) and self._count_condition(cue):
                used.add(id(cue))
                continue
            try:
                target = self._numeric_target(cue)
            except NoAnswerError:
                if not self._count_condition(cue):
                    raise
            else:
                self._compare(target, cue)
            used.add(id(cue))
        for cue in self.r.cues_of("subcompare"):
            self._subcompare(cue)
        for cue in self.r.cues_of("date"):
            self._date(cue)
        self._either()
        self._into_anti_joins()

    def _either(self) -> None:
        """ "from Hartford or younger than 40": two conditions joined by "or" hold either way."""
        spans = [self._source(f) for f in self.plan.filters]
        order = sorted(range(len(spans)), key=lambda i: spans[i] or (999, 999))
        for a, b in zip(order, order[1:], strict=False):
            if spans[a] is None or spans[b] is None or spans[a][1] > spans[b][0]:
                continue
            gap = [t.low for t in self.r.tokens[spans[a][1] : spans[b][0]]]
            if "or" in gap and "and" not in gap and len(gap) <= 4:
                first, second = self.plan.filters[a], self.plan.filters[b]
                if first[1] == "ANY" or second[1] == "ANY":
                    continue
                self.plan.filters[a] = (first[0], "ANY", (first, second))
                self.plan.filters[b] = None
                self.notes.append("either condition")
        self.plan.filters = [f for f in self.plan.filters if f is not None]

    def _source(self, f: tuple) -> tuple[int, int] | None:
        """The question words a filter came from."""
        ref, op, value = f
        vals = value if isinstance(value, tuple) else (value,)
        for v in self.r.values:
            if v.value in vals and (v.table, v.column) == (ref.table, ref.column):
                return v.span
        for c in self.r.cues:
            if c.kind in ("compare", "like") and c.value in vals:
                return c.span
            if c.kind == "date" and any(day == value for _, day in c.value):
                return c.span
        return None

    def _measure_rank(self, sorts: list) -> None:
        """ "the shortest trip": rank by the column the adjective measures."""
        for cue in self.r.cues_of("measure_sup"):
            words, desc = lx.MEASURE_SUPERLATIVES[cue.op]
            for name in [self.plan.base] + [t for t in self.in_play if t != self.plan.base]:
                table = self.schema.table(name)
                hits = [
                    c
                    for c in table.columns
                    if is_numeric(c)
                    and not is_key(table, c)
                    and set(words) & set(natural_words(c.name))
                ]
                if hits:
                    sorts.insert(0, (ColRef(name, hits[0].name), desc))
                    self.ranked = True
                    break

    def _paired(self, cue, used: set[int]) -> bool:
        """``between 10 and 20`` is two cues on one span: the second follows the first."""
        twin = [c for c in self.r.cues_of("compare") if c.span == cue.span and c is not cue]
        for c in twin:
            if id(c) in used:
                target = next((f[0] for f in reversed(self.plan.filters)), None)
                if target is not None:
                    self._compare(target, cue)
                    used.add(id(cue))
                    return True
        return False

    def _equal(self, ref: ColRef, one: str, many: str, vals: tuple) -> None:
        self.plan.filters.append((ref, one, vals[0]) if len(vals) == 1 else (ref, many, vals))
        self.notes.append(f"{ref.table}.{ref.column} {one} " + " or ".join(map(repr, vals)))

    def _both(self, pos: list, table: str) -> bool:
        """Two values of one column joined by "and" on rows that can hold only one: "both
        banking and oil" asks for answers that have each (INTERSECT)."""
        gap = {t.low for t in self.r.tokens[pos[0].span[1] : pos[1].span[0]]}
        if "or" in gap or "and" not in gap and "," not in gap:
            return False
        words = {t.low for t in self.r.tokens}
        return "both" in words or table != self.plan.base

    def _chained_compare(self, cue) -> bool:
        """ "above 8000000 or below 5000000": a second comparison right after a first one
        applies to the same column; with "or" either may hold."""
        gap_ok = ("or", "and", ",", "the", "is", "are", "was", "either")
        for k in range(len(self.plan.filters) - 1, -1, -1):
            ref, op, value = self.plan.filters[k]
            prev = next(
                (
                    c
                    for c in self.r.cues_of("compare")
                    if c.op == op and c.value == value and c.span[1] <= cue.span[0]
                ),
                None,
            )
            if prev is None:
                continue
            gap = [t.low for t in self.r.tokens[prev.span[1] : cue.span[0]]]
            if not gap or any(w not in gap_ok for w in gap):
                return False
            if "or" in gap:
                self.plan.filters[k] = (ref, "OR", ((op, value), (cue.op, cue.value)))
            else:
                self.plan.filters.append((ref, cue.op, cue.value))
            self.notes.append(
                f"{ref.table}.{ref.column} {'or ' if 'or' in gap else ''}"
                f"{cue.op} {lx_number(cue.value)}"
            )
            return True
        return False

    def _count_condition(self, cue) -> bool:
        """ "students with at least two allergies", "more than once": a count of rows per
        answer when no numeric column takes the number."""
        k = cue.span[1]
        words = [t.low for t in self.r.tokens[k : k + 2]]
        if not isinstance(cue.value, float) or not cue.value.is_integer():
            return False
        times = self.r.tokens[k - 1].low in lx.TIMES_WORDS or "times" in words
        if not times and not any(w.isalpha() and w not in lx.STOP_WORDS for w in words):
            return False
        self.plan.having.append((Measure("count", None, table=self.plan.base), cue.op, cue.value))
        self.notes.append(f"having count {cue.op} {lx_number(cue.value)}")
        return True

    def _subcompare(self, cue) -> None:
        """ "a max speed greater than the average": compare with an aggregate subquery."""
        target = next(
            (
                ColRef(s.choice.table, s.choice.column)
                for s in self.slots("filter")
                if s.cue is cue and not s.choice.is_table
            ),
            None,
        )
        if target is None:
            target = self._numeric_target(cue)
        sub = QueryPlan(base=target.table, select=[Measure(cue.value, target)])
        self.plan.filters.append((target, cue.op, sub))
        self.notes.append(f"{target.table}.{target.column} {cue.op} the {cue.value}")

    def _compare(self, ref: ColRef, cue) -> None:
        value = cue.value
        col = self.schema.table(ref.table).column(ref.column)
        if cue.kind == "compare" and not is_numeric(col) and isinstance(value, float):
            value = lx_number(value)  # "zip code 197" on a text column
        op = cue.op
        if op == "=" and negated(self.r, cue.span[0]):
            op = "!="
        self.plan.filters.append((ref, op, value))
        self.notes.append(f"{ref.table}.{ref.column} {cue.op} {lx_number(cue.value)}")

    def _numeric_target(self, cue) -> ColRef:
        candidates = []
        for name in self.in_play:
            t = self.schema.table(name)
            candidates += [
                ColRef(t.name, c.name) for c in t.columns if is_numeric(c) and not is_key(t, c)
            ]
        projected = [
            ColRef(s.choice.table, s.choice.column)
            for s in self.slots("project")
            if ColRef(s.choice.table, s.choice.column) in candidates
        ]
        if projected:
            return projected[-1]
        same_base = [c for c in candidates if c.table == self.plan.base]
        if len(same_base) == 1 or len(candidates) == 1:
            return (same_base or candidates)[0]
        hinted = self._hinted(cue, same_base or candidates)
        if hinted is not None:
            return hinted
        raise NoAnswerError(f"I could not tell which column '{self.r.text(cue.span)}' applies to.")

    def _hinted(self, cue, candidates: list[ColRef]) -> ColRef | None:
        """The column a comparative names: "younger than 30" -> age, "lasted" -> duration."""
        words = [t.low for t in self.r.tokens[max(0, cue.span[0] - 2) : cue.span[0] + 1]]
        for w in reversed(words):
            for head in lx.MEASURE_WORDS.get(w, ()):
                hits = [c for c in candidates if head in natural_words(c.column)]
                if hits:
                    return hits[0]
        return None

    def _date(self, cue) -> None:
        target = next(
            (
                ColRef(s.choice.table, s.choice.column)
                for s in self.slots("date")
                if s.cue is cue and not s.choice.is_table
            ),
            None,
        )
        if target is None:
            target = self._date_column()
        if target is None:
            raise NoAnswerError(f"I could not find a date column for '{self.r.text(cue.span)}'.")
        col = self.schema.table(target.table).column(target.column)
        for op, day in cue.value:
            bound = _year_bound(op, day) if is_numeric(col) or is_year(col) else (op, day)
            self.plan.filters.append((target, *bound))
        self.notes.append(f"{target.table}.{target.column}: {self.r.text(cue.span)}")

    def _date_column(self) -> ColRef | None:
        order = [self.plan.base] + [t for t in self.in_play if t != self.plan.base]
        for test in (is_date, is_temporal):
            for name in order:
                t = self.schema.table(name)
                cols = [c for c in t.columns if test(c)]
                if cols:
                    return ColRef(t.name, cols[0].name)
        return None

    def _having(self, measures: list[Measure]) -> None:
        for s in self.slots("having"):
            m = Measure("count", None, table=s.choice.table)
            self.plan.having.append((m, s.cue.op, s.cue.value))
            self.notes.append(
                f"having count of {s.choice.table} {s.cue.op} {lx_number(s.cue.value)}"
            )

    def _grouped(self, measures: list[Measure]) -> None:
        shown: list[ColRef] = []
        grouped: list[ColRef] = []
        roles = ("group", "project")
        if self.slots("group") and self.r.opener in ("how", "count", "number"):
            roles = ("group",)  # "how many songs were released for each format"
        for s in self.slots(*roles):
            if s.role == "project" and measures and not self.plan.having and self._after_all(s):
                continue  # "the total enrollment across all schools"
            if s.choice.is_table:
                d, g = _entity_keys(self.schema.table(s.choice.table))
                local = self._local_key(s.choice.table, d)
                if local is not None:  # "credits by each department": course.dept_name
                    d = g = [local]
            else:
                d = g = [ColRef(s.choice.table, s.choice.column)]
            shown += [c for c in d if c not in shown]
            grouped += [c for c in g if c not in grouped]
        subject = self.subject()
        counted = {m.table for m in measures if m.col is None}
        measured = {m.col.table if m.col else m.table for m in measures}
        all_of = not self.plan.having and any(self._after_all(s) for s in self.slots("subject"))
        by_subject = (
            subject is not None
            and (self.entity or self.plan.having)
            and (subject.name not in counted or self.plan.having)
            and (self.ranked or self.plan.having or measured - {subject.name})
        )
        if not grouped and by_subject and not all_of:
            shown, grouped = _entity_keys(subject)
        kept = [m for m in measures if m not in self.order_only]
        self.plan.select = [*shown, *kept] if shown else measures
        self.plan.group_by = grouped
        for m in measures:
            what = f"{m.agg} of {m.col.table}.{m.col.column}" if m.col else f"count of {m.table}"
            self.notes.append(what)
        if grouped:
            self.notes.append("grouped by " + ", ".join(f"{c.table}.{c.column}" for c in shown))

    def _rows(self) -> None:
        cols = [
            ColRef(s.choice.table, s.choice.column)
            for s in self.slots("project")
            if not s.choice.is_table
        ]
        cols = list(dict.fromkeys(cols))
        labels = self._value_labels()
        if [c for c in cols if c not in labels]:  # "programs whose origin is not Beijing"
            cols = [c for c in cols if c not in labels]
        self.plan.distinct = self._distinct()
        if _asks_everything(self.r):
            self.plan.star = True
            self.notes.append("all columns")
            return
        if not cols:
            table = self.subject() or self.schema.table(self.plan.base)
            cols = [ColRef(table.name, c) for c in display_columns(table)]
        self.plan.select = cols
        self.notes.append("columns " + ", ".join(f"{c.table}.{c.column}" for c in cols))

    def _order(self, sorts: list[tuple[object, bool]]) -> None:
        limits = self.r.cues_of("limit")
        measures = [m for m in self.plan.select if isinstance(m, Measure)]
        if measures and len(measures) == len(self.plan.select) and not self.plan.group_by:
            return  # one row of aggregates: "what is the highest price" needs no ORDER BY
        if limits and not sorts and measures:  # "top 5 products by total quantity"
            sorts = [(measures[0], limits[0].op != "asc")]
        if not sorts and self.r.cues_of("direction") and not self.plan.star:
            first = next((c for c in self.plan.select if isinstance(c, ColRef)), None)
            if self.plan.group_by and measures:  # "per country, from most to least"
                first = measures[0]
            if first is not None:  # "list the cities in alphabetical order"
                sorts = [(first, self._direction())]
        for expr, desc in sorts:
            if isinstance(expr, ColRef) and self.plan.group_by and expr not in self.plan.group_by:
                expr = Measure("max" if desc else "min", expr)
            if all(expr != e for e, _ in self.plan.order_by):
                self.plan.order_by.append((expr, desc))
        if limits:
            self.plan.limit = int(limits[0].value)
        elif sorts and self.ranked and not self.r.cues_of("sort"):
            self.plan.limit = 1
        if self.plan.order_by:
            self.notes.append(
                "ordered by "
                + ", ".join(
                    (e.alias if isinstance(e, Measure) else f"{e.table}.{e.column}")
                    + (" desc" if d else "")
                    for e, d in self.plan.order_by
                )
            )
        if self.plan.limit:
            self.notes.append(f"first {self.plan.limit}")

    def _count_distinct_keys(self) -> None:
        """With joins, COUNT(*) would count joined rows: count the table's key instead."""
        if len(self.plan.tables()) < 2:
            return
        swap = {}
        for item in [*self.plan.select, *(h[0] for h in self.plan.having)]:
            if isinstance(item, Measure) and item.col is None and item.table:
                t = self.schema.table(item.table)
                if len(t.primary_key) == 1:
                    swap[item] = Measure(
                        "count", ColRef(t.name, t.primary_key[0]), True, table=t.name
                    )
        self.plan.select = [swap.get(i, i) for i in self.plan.select]
        self.plan.order_by = [(swap.get(e, e), d) for e, d in self.plan.order_by]
        self.plan.having = [(swap.get(m, m), op, v) for m, op, v in self.plan.having]


def _year_bound(op: str, day: str) -> tuple[str, int]:
    """A date bound on a numeric year column: ('>=', '2024-01-01') -> ('>=', 2024)."""
    year, month, dom = (int(p) for p in day.split("-"))
    if op == "<" and (month, dom) != (1, 1):
        return "<=", year
    return op, year


def lx_number(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
