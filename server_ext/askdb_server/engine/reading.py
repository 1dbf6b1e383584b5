"""One reading of a question: its tokens, cues, matched values and schema mentions, with roles.

``read_question`` does the annotation; ``compose.build_plan`` turns the reading into a plan.
A role says what a mention does in the question: the thing asked about (subject), what is
counted or measured, what rows are grouped or sorted by, what is compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..schemas.model import Schema
from . import lexicon as lx
from .cues import Cue, find_cues
from .linking import Element, Mention, SchemaLinker, is_key, is_numeric, phrase_key
from .values import ValueIndex, ValueMatch

# Words that may sit between a cue and the word it governs ("the average *of the* price").
_FILLER = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "all",
        "its",
        "their",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "with",
        "in",
        "for",
        "on",
        "at",
        "each",
        "per",
        "that",
    }
)
# Words between a column and the comparison that follows it: "price is over 10".
_AFTER_FILLER = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "that",
        "its",
        "their",
        "value",
        "values",
    }
)
_OWNER_FILLER = frozenset(
    {
        "the",
        "a",
        "an",
        "all",
        "each",
        "every",
        "those",
        "these",
        "its",
        "their",
        "his",
        "her",
        "different",
        "distinct",
    }
)
_CLAUSE_WORDS = frozenset(
    {
        "who",
        "whose",
        "that",
        "which",
        "where",
        "whom",
        "with",
        "having",
        "has",
        "have",
        "had",
        "when",
        "than",
        "if",
        "whether",
        "in",
        "for",
        "from",
        "by",
        "on",
        "at",
        "during",
        "after",
        "before",
    }
)
_ENTITY_OPENERS = frozenset(
    {
        "which",
        "who",
        "whom",
        "list",
        "show",
        "name",
        "find",
        "give",
        "display",
        "get",
        "return",
        "what",
    }
)


@dataclass
class Slot:
    """A mention with its role: subject project count measure group sort having filter date."""

    mention: Mention
    role: str
    agg: str | None = None
    distinct: bool = False
    desc: bool | None = None
    cue: Cue | None = None
    choice: Element | None = None  # the resolved element
    having: Cue | None = None  # "whose average gross is above N": a condition on the measure
    anti_from: str | None = None  # the role a negated table had before it became "anti"
    owner: str | None = None  # "name of the customer": the table the column should belong to


@dataclass
class Reading:
    tokens: list[lx.Token]
    cues: list[Cue]
    values: list[ValueMatch]
    slots: list[Slot]
    unlinked: list[int] = field(default_factory=list)  # content tokens nothing explains
    counted: list[Cue] = field(default_factory=list)  # comparisons on a count of rows
    numeric: set[tuple[str, str]] = field(default_factory=set)  # measurable columns

    def numeric_column(self, m: Mention) -> bool:
        top = m.candidates[0][0]
        return not top.is_table and (top.table, top.column) in self.numeric

    def text(self, span: tuple[int, int]) -> str:
        return " ".join(t.text for t in self.tokens[span[0] : span[1]])

    @property
    def opener(self) -> str:
        return self.tokens[0].low if self.tokens else ""

    def cues_of(self, kind: str) -> list[Cue]:
        return [c for c in self.cues if c.kind == kind]


def read_question(
    question: str, schema: Schema, linker: SchemaLinker, values: ValueIndex | None
) -> Reading:
    """Annotate a question: cues, then values, then schema mentions on the words left."""
    tokens = lx.tokenize(question)
    idx = linker.index(schema)
    cues = _unless_named(find_cues(tokens), tokens, idx.phrases)
    blocked = {k for c in cues for k in range(*c.span)}
    chosen = _choose_values(tokens, values.match(tokens) if values else [], blocked, idx.phrases)
    blocked |= {k for v in chosen for k in range(*v.span)}
    linked = linker.link(tokens, schema, blocked)
    linked = _compounds(_coordinated(linked, tokens, idx.phrases, blocked))
    chosen = chosen + _quoted_values(tokens, linked, chosen, blocked, schema, values)
    mentions = [m for m in linked if not _labels_value(m, chosen, tokens)]
    cues = cues + _equal_numbers(tokens, mentions, blocked)
    cues = cues + _patterns(tokens, blocked, chosen)
    cues.sort(key=lambda c: c.span)
    blocked |= {k for c in cues for k in range(*c.span)}
    covered = blocked | {k for m in linked for k in range(*m.span)}
    unlinked = [i for i, t in enumerate(tokens) if i not in covered and _is_content(t)]
    # a number no cue used is a condition the SQL would silently leave out
    unlinked += [
        i for i, t in enumerate(tokens) if i not in covered and t.is_number and t.low[:1].isdigit()
    ] * 2
    reading = Reading(tokens, cues, chosen, [], unlinked)
    reading.numeric = {
        (t.name, c.name)
        for t in schema.tables
        for c in t.columns
        if is_numeric(c) and not is_key(t, c)
    }
    reading.slots = [slot for m in mentions for slot in _slots(reading, m, mentions)]
    _measure_conditions(reading)
    _owners(reading)
    _context(reading)
    _coordinated_measures(reading)
    return reading


def _coordinated(
    mentions: list[Mention], tokens: list[lx.Token], phrases: dict, blocked: set[int]
) -> list[Mention]:
    """ "first and last name", "first, middle and last name": the shared head completes each
    word before it when that makes a column name."""
    out = list(mentions)
    for m in mentions:
        a, b = m.span
        if b - a < 2 or m.candidates[0][0].is_table:
            continue
        tail = " ".join(t.lemma for t in tokens[a + 1 : b])
        k = a - 1
        while k >= 1 and tokens[k].low in ("and", "or", ",") and k - 1 not in blocked:
            cands = phrases.get(f"{tokens[k - 1].lemma} {tail}")
            if not cands:
                break
            out = [o for o in out if not (o.span[0] <= k - 1 < o.span[1])]
            out.append(Mention((k - 1, k), tuple(sorted(cands, key=lambda c: -c[1])), "name"))
            k -= 2
    return sorted(out, key=lambda m: m.span[0])


def _compounds(mentions: list[Mention]) -> list[Mention]:
    """ "faculty rank", "customer name": a table word right before one of its own columns
    names that column."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.span[1] == m.span[0]
            and prev.candidates[0][0].is_table
            and not m.candidates[0][0].is_table
        ):
            table = prev.candidates[0][0].table
            own = [(e, s + 0.3) for e, s in m.candidates if not e.is_table and e.table == table]
            if own:
                rest = [(e, s) for e, s in m.candidates if not e.is_table and e.table != table]
                cands = tuple(sorted(own + rest, key=lambda c: -c[1]))
                out[-1] = Mention((prev.span[0], m.span[1]), cands, m.how)
                continue
        out.append(m)
    return out


def _context(reading: Reading) -> None:
    """Columns named after a relative clause starts ("... of customers *who* have a contact
    channel") describe the rows; they are not what the question asks to see."""
    first = next((s.mention.span[0] for s in reading.slots), None)
    if first is None:
        return
    end = next(
        (i for i, t in enumerate(reading.tokens) if i > first and t.low in _CLAUSE_WORDS), None
    )
    if end is None:
        return
    for slot in reading.slots:
        if slot.role == "project" and slot.mention.span[0] > end:
            slot.role = "context"
    reading.slots = [s for s in reading.slots if s.role != "context"]


def _measure_conditions(reading: Reading) -> None:
    """An aggregate followed by a comparison, in a question that groups, is a HAVING."""
    if not any(c.kind in ("group", "distinct") for c in reading.cues) and reading.opener not in (
        "which",
        "list",
        "show",
        "find",
        "what",
    ):
        return
    for slot in reading.slots:
        if slot.role == "measure" and slot.agg in ("avg", "sum") and slot.cue is not None:
            after = _cue_after(reading, slot.mention.span[1])
            if after is not None and after.kind == "compare":
                slot.having = after


def _coordinated_measures(reading: Reading) -> None:
    """ "the average price and score": a column joined by "and" to a measured one is measured
    the same way."""
    for prev, slot in zip(reading.slots, reading.slots[1:], strict=False):
        if (
            prev.role != "measure"
            or slot.role != "project"
            or slot.mention.candidates[0][0].is_table
        ):
            continue
        gap = reading.tokens[prev.mention.span[1] : slot.mention.span[0]]
        if (
            gap
            and all(t.low in ("and", ",", "the", "its", "their") for t in gap)
            and any(t.low in ("and", ",") for t in gap)
        ):
            slot.role, slot.agg = "measure", prev.agg


def _owners(reading: Reading) -> None:
    """ "the name of the customer": a column word followed by "of" and a table word belongs to
    that table; the resolver prefers it."""
    mention_at = {s.mention.span[0]: s for s in reading.slots}
    for slot in reading.slots:
        if slot.mention.candidates[0][0].is_table:
            continue
        k = slot.mention.span[1]
        if k >= len(reading.tokens) or reading.tokens[k].low != "of":
            continue
        k += 1
        while k < len(reading.tokens) and reading.tokens[k].low in _OWNER_FILLER:
            k += 1
        other = mention_at.get(k)
        if other is None:
            continue
        if other.mention.candidates[0][0].is_table:
            slot.owner = other.mention.candidates[0][0].table
        elif (
            slot.role == "project"
            and reading.tokens[slot.mention.span[1] - 1].lemma in ("name", "title")
            and slot.mention.span[1] - slot.mention.span[0] == 1
        ):
            slot.role = "context"  # "the names of studios": the studio column itself
        elif (
            slot.role == "project"
            and other.role == "project"
            and (other.mention.candidates[0][0].table == slot.mention.candidates[0][0].table)
        ):
            other.role = "context"  # "the primary conference of the school": the row's name
    reading.slots = [s for s in reading.slots if s.role != "context"]


_EQUALS_FILLER = frozenset(
    {
        "is",
        "=",
        "of",
        "as",
        "equal",
        "equals",
        "to",
        "number",
        "no",
        "#",
        "being",
        "was",
        "are",
        "were",
    }
)
_LIKE_OPENERS = {
    "contain": "%{}%",
    "contains": "%{}%",
    "containing": "%{}%",
    "contained": "%{}%",
    "included": "%{}%",
    "include": "%{}%",
    "includes": "%{}%",
    "including": "%{}%",
    "like": "%{}%",
    "letter": "%{}%",
    "substring": "%{}%",
    "word": "%{}%",
    "start": "{}%",
    "starts": "{}%",
    "starting": "{}%",
    "begin": "{}%",
    "begins": "{}%",
    "beginning": "{}%",
    "end": "%{}",
    "ends": "%{}",
    "ending": "%{}",
}


_VALUE_LABEL_GAP = frozenset(
    {
        "the",
        "a",
        "of",
        "is",
        "=",
        "in",
        "by",
        "from",
        "at",
        "as",
        "to",
        "with",
        "are",
        "was",
        "were",
    }
)
_LABEL_GAP = frozenset(
    {
        "named",
        "called",
        "is",
        "the",
        "of",
        "with",
        "as",
        "=",
        "titled",
        "a",
        "an",
        "equal",
        "to",
        "was",
        "are",
    }
)


def _quoted_values(
    tokens: list[lx.Token],
    linked: list[Mention],
    chosen: list[ValueMatch],
    blocked: set[int],
    schema: Schema,
    values: ValueIndex | None,
) -> list[ValueMatch]:
    """A quoted string the sampled values do not hold is still a value: of the column (or the
    table's name column) named just before it ("the product 'rem'", "named 'Kolob Arch'")."""
    from .compose import display_columns  # noqa: PLC0415 - compose imports this module

    taken = {k for v in chosen for k in range(*v.span)} | blocked
    out = []
    for i, tok in enumerate(tokens):
        if not tok.quoted or i in taken:
            continue
        parts = _split_name(tok, i, values)
        if parts:  # "Tracy Kim": first name 'Tracy' and last name 'Kim'
            out.extend(parts)
            continue
        k = i
        while k > 0 and tokens[k - 1].low in _LABEL_GAP:
            k -= 1
        label = next((m for m in linked if m.span[1] == k), None)
        if label is None:
            k = i
            while k > 0 and tokens[k - 1].low in ("or", "and", "but", "not", ",", "nor"):
                k -= 1
            prev = next((v for v in [*chosen, *out] if v.span[1] == k and k < i), None)
            if prev is not None:  # "'rem' but not 'aut'": the same column
                out.append(ValueMatch(prev.table, prev.column, tok.text, (i, i + 1), 0.9))
            continue
        top = label.candidates[0][0]
        if top.is_table:
            table = schema.table(top.table)
            column = display_columns(table)[0]
        else:
            table, column = schema.table(top.table), top.column
        out.append(ValueMatch(table.name, column, tok.text, (i, i + 1), 0.9))
    return out


def _split_name(tok: lx.Token, i: int, values: ValueIndex | None) -> list[ValueMatch]:
    """Each word of a quoted two- or three-word string found in a different column of one
    table: a full name stored as first and last name."""
    words = tok.text.split()
    if values is None or not 2 <= len(words) <= 3:
        return []
    hits = [values.lookup(w) for w in words]
    if not all(hits):
        return []
    for table in {t for t, _, _ in hits[0]}:
        picks = [next((h for h in hit if h[0] == table), None) for hit in hits]
        if all(picks) and len({c for _, c, _ in picks}) == len(picks):
            return [ValueMatch(t, c, v, (i, i + 1), 0.9, part=True) for t, c, v in picks]
    return []


def _equal_numbers(tokens: list[lx.Token], mentions: list[Mention], blocked: set[int]) -> list[Cue]:
    """ "the document with id 2", "room number 101": a number right after a column word that
    no comparison took is an equality on that column."""
    out = []
    for m in mentions:
        if m.candidates[0][0].is_table:
            continue
        k = m.span[1]
        while k < len(tokens) and tokens[k].low in _EQUALS_FILLER and k not in blocked:
            k += 1
        if (
            k < len(tokens)
            and k not in blocked
            and tokens[k].is_number
            and (tokens[k].low[:1].isdigit())
        ):
            out.append(Cue("compare", (m.span[1], k + 1), "=", lx.parse_number(tokens[k].low)))
            blocked.add(k)
    return out


def _patterns(tokens: list[lx.Token], blocked: set[int], chosen: list) -> list[Cue]:
    """ "names containing 'a'", "starting with the letter S": a LIKE pattern on a text column."""
    out = []
    valued = {k for v in chosen for k in range(*v.span)}
    for i, tok in enumerate(tokens):
        shape = _LIKE_OPENERS.get(tok.low)
        if shape is None or i in blocked:
            continue
        k = i + 1
        while (
            k < len(tokens)
            and not tokens[k].quoted
            and tokens[k].low
            in ("with", "the", "a", "an", "letter", "word", "substring", "string", "character")
        ):
            k += 1
        if k >= len(tokens) or k in blocked or (k in valued and not tokens[k].quoted):
            continue
        target = tokens[k]
        if not (target.quoted or len(target.text) <= 2 or target.text[:1].isupper()):
            continue
        out.append(Cue("like", (i, k + 1), "LIKE", shape.format(target.text)))
        blocked.update(range(i, k + 1))
        chosen[:] = [v for v in chosen if not v.span[0] <= k < v.span[1]]
    return out


def _unless_named(cues: list[Cue], tokens: list[lx.Token], phrases: dict) -> list[Cue]:
    """A cue word that starts a column's name is part of the name: "max speed", "number of
    cities" (a column Number_cities), "total points"."""
    out = []
    for c in cues:
        if c.kind in ("count", "agg", "superlative") and _names_with_next(c, tokens, phrases):
            continue
        if c.kind == "count" and _names_with_previous(c, tokens, phrases):
            # "the phone number of the customer": a column, then "of"
            out.append(Cue("noise", (c.span[0], c.span[0] + 1)))
            continue
        if (
            c.kind == "count"
            and out
            and out[-1].kind in ("agg", "superlative")
            and out[-1].span[1] == c.span[0]
            and tokens[c.span[0]].low in ("number", "amount")
            and _column_next(c, tokens, phrases)
        ):
            c = Cue("noise", c.span)  # "the largest number of bedrooms": a column, ranked
        out.append(c)
    return out


def _names_with_previous(cue: Cue, tokens: list[lx.Token], phrases: dict) -> bool:
    a = cue.span[0]
    if a == 0 or tokens[a - 1].quoted:
        return False
    key = phrase_key([tokens[a - 1].lemma, tokens[a].lemma])
    if any(not e.is_table and s >= 0.85 for e, s in phrases.get(key, ())):
        return True
    return tokens[a].low == "number" and any(  # "phone number" where the column is "phone"
        not e.is_table and s >= 0.9 for e, s in phrases.get(tokens[a - 1].lemma, ())
    )


def _column_next(cue: Cue, tokens: list[lx.Token], phrases: dict) -> bool:
    b = cue.span[1]
    for n in (2, 1):
        key = phrase_key([t.lemma for t in tokens[b : b + n]])
        cands = phrases.get(key, ()) if b + n <= len(tokens) else ()
        if cands:
            return not sorted(cands, key=lambda c: -c[1])[0][0].is_table
    return False


def _names_with_next(cue: Cue, tokens: list[lx.Token], phrases: dict) -> bool:
    a, b = cue.span
    for n in (1, 2, 3):
        if b + n > len(tokens) or any(t.quoted or t.is_number for t in tokens[b : b + n]):
            return False
        key = phrase_key([t.lemma for t in tokens[a : b + n]])
        if any(s >= 0.9 for _, s in phrases.get(key, ())):
            return True
    return False


def _labels_value(m: Mention, chosen: list[ValueMatch], tokens: list[lx.Token]) -> bool:
    """``the Books category``, ``status shipped``: the column name only labels a value."""
    for v in chosen:
        if not any(e.table == v.table and e.column == v.column for e in m.columns()):
            continue
        gap = range(v.span[1], m.span[0]) if v.span[1] <= m.span[0] else range(m.span[1], v.span[0])
        if all(tokens[k].low in _VALUE_LABEL_GAP for k in gap):
            return True
    return False


def _is_content(token: lx.Token) -> bool:
    return (
        not token.quoted
        and token.low not in lx.STOP_WORDS
        and token.low.isalpha()
        and token.low not in lx.SOFT_WORDS
        and len(token.low) > 2
        and token.low not in lx.QUESTION_WORDS
    )


def _choose_values(
    tokens, matches: list[ValueMatch], blocked: set[int], phrases: dict
) -> list[ValueMatch]:
    """Non-overlapping value matches; a word that names a table or column stays a name unless
    it is quoted or capitalised mid-sentence."""
    chosen: list[ValueMatch] = []
    used: set[int] = set()
    for m in matches:
        span = set(range(*m.span))
        if span & blocked:
            continue
        if any(c.span == m.span and (c.table, c.column) != (m.table, m.column) for c in chosen):
            chosen.append(m)  # the same words in another column: resolved by the tables in play
            continue
        if span & used:
            continue
        words = tokens[m.span[0] : m.span[1]]
        lemma = " ".join(t.lemma for t in words)
        marked = any(t.quoted for t in words) or (m.span[0] > 0 and words[0].text[:1].isupper())
        if lemma in phrases and not marked:
            continue
        if m.score < 1.0 and any(t.lemma in phrases for t in words):
            continue
        # keep every column a same-span value appears in only once per column
        if any(c.span == m.span and (c.table, c.column) == (m.table, m.column) for c in chosen):
            continue
        if chosen and any(c.span == m.span for c in chosen):
            chosen.append(m)  # the same words in another column: resolved by the tables in play
            continue
        chosen.append(m)
        used |= span
    return chosen


def _cue_before(reading: Reading, pos: int, others: list[Mention]) -> Cue | None:
    """The cue that governs the word at ``pos``: the nearest one before it, over filler words."""
    ends = {c.span[1]: c for c in reading.cues}
    mention_ends = {m.span[1] for m in others}
    value_ends = {v.span[1] for v in reading.values}
    k = pos
    while k > 0:
        if k in ends:
            best = [c for c in reading.cues if c.span[1] == k]
            if best[-1].kind == "noise":
                k = best[-1].span[0]
                continue
            return best[-1]
        if k in mention_ends or k in value_ends or reading.tokens[k - 1].low not in _FILLER:
            return None
        k -= 1
    return None


def _cue_after(reading: Reading, end: int) -> Cue | None:
    k = end
    while k < len(reading.tokens):
        for c in reading.cues:
            if c.span[0] == k:
                return c
        if reading.tokens[k].low not in _AFTER_FILLER:
            return None
        k += 1
    return None


def _slots(reading: Reading, m: Mention, mentions: list[Mention]) -> list[Slot]:
    """The mention's slot, plus one per aggregate chained before its cue: "the average and
    maximum price" measures the price twice."""
    slot = _slot(reading, m, mentions)
    out = [slot]
    if slot.role != "measure" or slot.cue is None or slot.cue.kind != "agg":
        return out
    ends = {c.span[1]: c for c in reading.cues if c.kind == "agg"}
    k = slot.cue.span[0]
    while True:  # commas are not tokens: "the average, minimum and maximum price"
        if (
            k in ends
            and ends[k].op != slot.agg
            and (k < slot.cue.span[0] or _noun_agg(reading, ends[k]))
        ):
            cue = ends[k]
            out.insert(0, Slot(m, "measure", cue.op, cue=cue))
            slot.desc = None
            k = cue.span[0]
        elif k > 0 and reading.tokens[k - 1].low in ("and", "or", "the"):
            k -= 1
        else:
            return out


def _slot(reading: Reading, m: Mention, mentions: list[Mention]) -> Slot:
    cue = _cue_before(reading, m.span[0], mentions)
    is_table = m.candidates[0][0].is_table
    if cue is not None:
        slot = _slot_from_cue(reading, m, cue, is_table)
        if slot is not None:
            return slot
    after = _cue_after(reading, m.span[1])
    if (
        after is not None
        and after.kind in ("compare", "date", "like", "subcompare")
        and (not is_table)
    ):
        return Slot(m, "date" if after.kind == "date" else "filter", cue=after)
    return Slot(m, "subject" if is_table else "project")


def _slot_from_cue(reading: Reading, m: Mention, cue: Cue, is_table: bool) -> Slot | None:
    if cue.kind == "distinct":
        prev = _cue_before(reading, cue.span[0], [])
        if prev is not None and prev.kind == "count":
            return Slot(m, "count", "count", distinct=True, cue=prev)
        return None
    if cue.kind == "count" and not is_table and reading.numeric_column(m):
        # "the total number of hours", "ordered by amount of money requested": a quantity
        if "total" in {t.low for t in reading.tokens[cue.span[0] : cue.span[1]]}:
            return Slot(m, "measure", "sum", cue=cue)
        prev = _cue_before(reading, cue.span[0], [])
        return _slot_from_cue(reading, m, prev, is_table) if prev is not None else None
    if cue.kind == "count":
        prev = _cue_before(reading, cue.span[0], [])
        if prev is not None and (
            prev.kind == "superlative" or (prev.kind == "agg" and prev.op in ("max", "min"))
        ):  # "the largest number of reservations": rank by the count
            desc = prev.op in ("max", "desc")
            return Slot(m, "count", "count", distinct=not is_table, desc=desc, cue=prev)
        return Slot(m, "count", "count", distinct=not is_table, cue=cue)
    if cue.kind == "agg":
        word = reading.tokens[cue.span[0]].low
        stacked = _cue_before(reading, cue.span[0], [])
        if (
            stacked is not None
            and stacked.kind in ("agg", "superlative")
            and cue.op in ("avg", "sum", "count")
        ):
            desc = _is_desc(reading, stacked)
            return Slot(m, "measure", cue.op, desc=desc, cue=cue)
        if (
            is_table
            and cue.op in ("max", "min")
            and word in ("most", "least", "fewest")
            and (
                cue.span[1] - cue.span[0] == 1  # not "most recent"
            )
        ):
            return Slot(m, "count", "count", desc=cue.op == "max", cue=cue)
        sup = word in lx.SUPERLATIVE_DESC or word in lx.SUPERLATIVE_ASC
        if word in ("max", "maximum", "min", "minimum") and reading.opener not in ("which", "who"):
            sup = False  # "show the maximum price" asks for the aggregate itself
        if _chained(reading, cue):
            sup = False  # "the average and maximum price"
        return Slot(m, "measure", cue.op, desc=(cue.op == "max") if sup else None, cue=cue)
    if cue.kind in ("like", "subcompare") and not is_table:
        return Slot(m, "filter", cue=cue)
    if cue.kind == "frequency":  # "the most common type": the most frequent value
        return Slot(m, "frequent", desc=cue.op == "desc", cue=cue)
    if cue.kind == "superlative":
        if is_table:
            return Slot(m, "count", "count", desc=cue.op == "desc", cue=cue)
        return Slot(m, "sort", desc=cue.op == "desc", cue=cue)
    if cue.kind == "group":
        ranked = any(c.kind in ("limit", "superlative") for c in reading.cues)
        word = reading.tokens[cue.span[0]].low
        if word == "by" and ranked and not is_table:
            return Slot(m, "sort", desc=True, cue=cue)
        return Slot(m, "group", cue=cue)
    if cue.kind == "sort":
        return Slot(m, "sort", desc=None, cue=cue)
    if cue.kind == "limit":
        return Slot(m, "subject" if is_table else "sort", desc=cue.op != "asc", cue=cue)
    if cue.kind == "compare":
        return Slot(m, "having" if is_table else "filter", cue=cue)
    return None


def _noun_agg(reading: Reading, cue: Cue) -> bool:
    """ "average", "minimum": aggregate words that can be listed side by side (unlike
    "highest total", where the first ranks the second)."""
    return reading.tokens[cue.span[0]].low in lx.NOUN_AGGS


def _chained(reading: Reading, cue: Cue) -> bool:
    """An aggregate word joined by "and" or a comma to another one."""
    k = cue.span[0]
    if k > 0 and reading.tokens[k - 1].low in ("and", ",", "or"):
        return True
    if any(c.kind == "agg" and c.span[1] == k and _noun_agg(reading, c) for c in reading.cues):
        return True
    k = cue.span[1]
    return (
        k < len(reading.tokens)
        and reading.tokens[k].low in ("and", ",", "or")
        and any(c.kind == "agg" and c.span[0] in (k + 1, k + 2) for c in reading.cues)
    )


def _is_desc(reading: Reading, cue: Cue) -> bool:
    word = reading.tokens[cue.span[0]].low
    return cue.op in ("max", "desc") or word in lx.SUPERLATIVE_DESC


def entity_question(reading: Reading) -> bool:
    """Questions that ask for rows (which, list, top 5) rather than for one aggregate value."""
    if reading.cues_of("limit") or reading.cues_of("superlative"):
        return True
    return reading.opener in _ENTITY_OPENERS and reading.opener != "what"
