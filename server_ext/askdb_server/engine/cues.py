"""The structure words of a question: aggregates, grouping, ordering, limits, comparisons, dates.

``find_cues`` scans the tokens once, longest phrase first, and returns ``Cue``s with the token
spans they use, so the schema linker only looks at the words that are left.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from . import lexicon as lx
from .lexicon import Token


@dataclass(frozen=True)
class Cue:
    kind: str  # count agg group sort limit superlative compare date direction distinct
    span: tuple[int, int]
    op: str | None = None  # aggregate name, comparison operator, "asc"/"desc"
    value: object = None  # number, limit, or a tuple of (operator, ISO date) bounds


def _phrase_table() -> dict[str, tuple[str, str | None]]:
    table: dict[str, tuple[str, str | None]] = {}
    for p in lx.COUNT_CUES:
        table[p] = ("count", "count")
    for agg, phrases in lx.AGG_CUES.items():
        for p in phrases:
            table[p] = ("agg", agg)
    table["most"] = ("superlative", "desc")
    table["top"] = ("superlative", "desc")
    table["bottom"] = ("superlative", "asc")
    for w in lx.MEASURE_SUPERLATIVES:
        table[w] = ("measure_sup", w)
    for w, d in lx.AGE_SUPERLATIVES.items():
        table[w] = ("age", d)
    for p in lx.FREQUENCY_CUES:
        rare = {"least", "fewest", "rarest"}.intersection(p.split())
        table[p] = ("frequency", "asc" if rare else "desc")
    for p in lx.GROUP_CUES:
        table[p] = ("group", None)
    for p in lx.SORT_CUES:
        table[p] = ("sort", None)
    for w in lx.ASC_WORDS:
        table[w] = ("direction", "asc")
    for w in lx.DESC_WORDS:
        table[w] = ("direction", "desc")
    for p, d in lx.DIRECTION_PHRASES.items():
        table[p.strip()] = ("direction", d)
    for w in lx.DISTINCT_WORDS:
        table[w] = ("distinct", None)
    return table


PHRASES = _phrase_table()
_MAX_PHRASE = max(len(p.split()) for p in PHRASES)


def _longest(tokens: list[Token], i: int, table: dict) -> tuple[int, object] | None:
    for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
        if any(t.quoted for t in tokens[i : i + n]):
            continue
        key = " ".join(t.low for t in tokens[i : i + n])
        if key in table:
            return n, table[key]
    return None


def _year(tok: Token) -> int | None:
    if tok.quoted or not tok.low.isdigit() or len(tok.low) != 4:
        return None
    year = int(tok.low)
    return year if 1900 <= year <= 2100 else None


def _iso(tok: Token) -> dt.date | None:
    try:
        return dt.date.fromisoformat(tok.low) if len(tok.low) == 10 else None
    except ValueError:
        return None


def _period(tokens: list[Token], i: int) -> tuple[int, dt.date, dt.date] | None:
    """A period starting at token i: '2024', 'March 2024', 'March of 2024', '2024-03-05'.

    Returns (tokens used, first day, first day after the period)."""
    tok = tokens[i]
    day = _iso(tok)
    if day:
        return 1, day, day + dt.timedelta(days=1)
    year = _year(tok)
    if year:
        return 1, dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    month = lx.MONTHS.get(tok.low)
    if month and i + 1 < len(tokens):
        j = i + 2 if tokens[i + 1].low == "of" and i + 2 < len(tokens) else i + 1
        year = _year(tokens[j])
        if year:
            last = calendar.monthrange(year, month)[1]
            start = dt.date(year, month, 1)
            return j - i + 1, start, start + dt.timedelta(days=last)
    return None


def _date_bounds(prep: str, start: dt.date, end: dt.date) -> tuple[tuple[str, str], ...]:
    if prep == "after":
        return ((">=", end.isoformat()),)
    if prep == "since":
        return ((">=", start.isoformat()),)
    if prep == "before":
        return (("<", start.isoformat()),)
    if prep == "until":
        return (("<", end.isoformat()),)
    return ((">=", start.isoformat()), ("<", end.isoformat()))


def _date_cue(tokens: list[Token], i: int) -> Cue | None:
    low = tokens[i].low
    two = " ".join(t.low for t in tokens[i : i + 2])
    if low == "between":
        first = _period(tokens, i + 1) if i + 1 < len(tokens) else None
        if first and i + 1 + first[0] < len(tokens) and tokens[i + 1 + first[0]].low == "and":
            k = i + 2 + first[0]
            second = _period(tokens, k) if k < len(tokens) else None
            if second:
                bounds = ((">=", first[1].isoformat()), ("<", second[2].isoformat()))
                return Cue("date", (i, k + second[0]), value=bounds)
        return None
    for prep_words, prep in ((two, lx.DATE_PREPS.get(two)), (low, lx.DATE_PREPS.get(low))):
        if prep is None:
            continue
        j = i + len(prep_words.split())
        if j < len(tokens) and tokens[j].low == "the" and j + 1 < len(tokens):
            j += 1
        period = _period(tokens, j) if j < len(tokens) else None
        if period:
            return Cue("date", (i, j + period[0]), value=_date_bounds(prep, period[1], period[2]))
    period = _period(tokens, i)
    if period and (_year(tokens[i]) or _iso(tokens[i]) or period[0] > 1):
        return Cue("date", (i, i + period[0]), value=_date_bounds("in", period[1], period[2]))
    return None


def _number_at(tokens: list[Token], i: int) -> tuple[int, float] | None:
    """A number at token i, allowing a currency sign or unit word to be skipped."""
    if i < len(tokens) and tokens[i].low in ("$", "€", "£"):
        i += 1
    if i < len(tokens) and not tokens[i].quoted:
        value = lx.parse_number(tokens[i].low)
        if value is not None:
            return i + 1, value
    return None


def _compare_cue(tokens: list[Token], i: int) -> list[Cue]:
    if tokens[i].low == "between":
        a = _number_at(tokens, i + 1)
        if a and a[0] < len(tokens) and tokens[a[0]].low in ("and", "to"):
            b = _number_at(tokens, a[0] + 1)
            if b:
                span = (i, b[0])
                return [Cue("compare", span, ">=", a[1]), Cue("compare", span, "<=", b[1])]
        return []
    hit = _longest(tokens, i, lx.COMPARE_BEFORE) or _comparative(tokens, i)
    if hit:
        n, op = hit
        num = _number_at(tokens, i + n)
        if num:
            return [Cue("compare", (i, num[0]), op, num[1])]
        j = i + n + (i + n < len(tokens) and tokens[i + n].low in ("the", "an", "a", "that"))
        agg = _SUB_AGGS.get(tokens[j].low) if j < len(tokens) else None
        if agg and op != "=":  # "greater than the average"
            return [Cue("subcompare", (i, j + 1), op, agg)]
    num = _number_at(tokens, i)
    if num and num[0] < len(tokens):
        after = _longest(tokens, num[0], lx.COMPARE_AFTER)
        if after:
            return [Cue("compare", (i, num[0] + after[0]), after[1], num[1])]
    return []


_SUB_AGGS = {"average": "avg", "mean": "avg", "avg": "avg"}


def _comparative(tokens: list[Token], i: int) -> tuple[int, str] | None:
    """ "cheaper than 20", "longer than 300": any comparative adjective before "than"."""
    word = tokens[i].low
    if i + 1 < len(tokens) and tokens[i + 1].low == "than" and word.endswith("er"):
        return 2, "<" if word in lx.LESS_COMPARATIVES else ">"
    return None


def _limit_cue(tokens: list[Token], i: int) -> Cue | None:
    low = tokens[i].low
    if low in ("top", "first", "bottom", "last") and i + 1 < len(tokens):
        value = lx.parse_number(tokens[i + 1].low)
        if value is not None and value == int(value) and value > 0:
            direction = "asc" if low == "bottom" else ("desc" if low == "top" else None)
            return Cue("limit", (i, i + 2), direction, int(value))
    value = lx.parse_number(low) if not tokens[i].quoted else None
    if value is not None and value == int(value) and 0 < value <= 1000 and i + 1 < len(tokens):
        nxt = tokens[i + 1].low
        if nxt in lx.SUPERLATIVE_DESC or nxt in lx.SUPERLATIVE_ASC:
            return Cue("limit", (i, i + 1), None, int(value))
    return None


def _spread_sort(tokens: list[Token], i: int) -> list[Cue]:
    """ "sorted the results by", "order them by": a sort verb with "by" a few words later."""
    if tokens[i].low not in lx.SORT_VERBS:
        return []
    for k in range(i + 2, min(i + 5, len(tokens))):
        if tokens[k].low == "by":
            between = [j for j in range(i + 1, k) if tokens[j].low in lx.ASC_WORDS | lx.DESC_WORDS]
            if between:  # "ordered descending by": keep the direction
                j = between[0]
                op = "desc" if tokens[j].low in lx.DESC_WORDS else "asc"
                return [Cue("direction", (j, j + 1), op), Cue("sort", (k, k + 1))]
            return [Cue("sort", (i, k + 1))]
    return []


def find_cues(tokens: list[Token]) -> list[Cue]:
    """All cues of the question, left to right, with non-overlapping spans."""
    cues: list[Cue] = []
    i = 0
    while i < len(tokens):
        found = _date_cue(tokens, i)
        found = [found] if found else _compare_cue(tokens, i)
        if not found:
            limit = _limit_cue(tokens, i)
            found = [limit] if limit else []
        if not found:
            found = _spread_sort(tokens, i)
        if not found:
            hit = _longest(tokens, i, PHRASES)
            if (
                hit
                and hit[0] == 1
                and tokens[i].low == "by"
                and i > 0
                and lx.is_participle(tokens[i - 1].low)
            ):
                hit = None
            if hit:
                n, (kind, op) = hit
                found = [Cue(kind, (i, i + n), op)]
        if found:
            cues.extend(found)
            i = max(c.span[1] for c in found)
        else:
            i += 1
    return cues
