"""Generic English the built-in engine understands: no word here names any database.

Tokenising, singular/plural folding, identifier splitting, and the cue words of questions
(aggregates, grouping, ordering, comparisons, dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(
    r"\"[^\"]+\"|(?<!\w)'[^']+'(?!\w)|“[^”]+”|(?<!\w)‘[^’]+’(?!\w)|\d{4}-\d{2}-\d{2}|\d+(?:[.,]\d+)*|\w+(?:['’.-]\w+)*|[<>=]=?"
)


@dataclass(frozen=True)
class Token:
    text: str  # as written (quotes stripped for quoted strings)
    low: str
    lemma: str  # lowercase singular form
    start: int
    end: int
    quoted: bool = False

    @property
    def is_number(self) -> bool:
        return parse_number(self.low) is not None and not self.quoted


def tokenize(text: str) -> list[Token]:
    """Split a question into word, number, quoted-string and comparison-sign tokens."""
    tokens = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group(0)
        quoted = raw[0] in "\"'“‘" and len(raw) > 1 and raw[-1] in "\"'”’"
        body = raw[1:-1] if quoted else raw
        low = body.lower()
        if not quoted and low.endswith(("'s", "’s")):
            low = low[:-2]
        lemma = low if quoted else singular(low)
        tokens.append(Token(body, low, lemma, m.start(), m.end(), quoted))
    return tokens


def normalise(text: str) -> str:
    """Lowercase word tokens joined by single spaces: the key used to compare phrases."""
    return " ".join(t.low for t in tokenize(text) if not t.quoted)


_IRREGULAR = {
    "people": "person",
    "children": "child",
    "men": "man",
    "women": "woman",
    "mice": "mouse",
    "feet": "foot",
    "teeth": "tooth",
    "geese": "goose",
    "data": "data",
    "media": "media",
    "criteria": "criterion",
    "indices": "index",
    "analyses": "analysis",
    "statuses": "status",
    "status": "status",
    "ids": "id",
    "series": "series",
    "species": "species",
    "news": "news",
}
_KEEP_S = ("ss", "us", "is", "os")


def singular(word: str) -> str:
    """A lowercase word folded to its singular form with simple English rules."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha() or w.endswith(_KEEP_S):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "xes", "zes", "sses")):
        return w[:-2]
    if w.endswith("ves") and len(w) > 4:
        return w[:-3] + "f" if w[:-3].endswith(("l", "ar")) else w[:-1]
    if w.endswith("s"):
        return w[:-1]
    return w


_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def split_identifier(name: str) -> list[str]:
    """``order_items`` -> ["order", "items"]; ``signupDate`` -> ["signup", "date"]."""
    words = []
    for part in re.split(r"[\W_]+", name):
        words.extend(w.lower() for w in _CAMEL_RE.findall(part))
    return words


STOP_WORDS = frozenset(
    """a an the of is are was were be been being there here what which who whom whose show
    list give me tell find get display return all any each every per by for in on at to from
    with that have has had do does did how many much please and or their its his her they
    them it this these those than i we you our my your can could would should will shall
    into as so also just only whether if where when some out up one ones
    row rows value values thing things data info information kind kinds variety varieties
    named called having exist exists existing available currently""".split()
)

# Words that may name a table or column ("pilot_record", "other_details") but that often only
# phrase a question ("show all records"): linked when they can be, never a reason to decline.
SOFT_WORDS = frozenset({"record", "records", "entry", "entries", "detail", "details"})

# Words that phrase a question but never name data.
QUESTION_WORDS = frozenset(
    "what which who whom whose how list show give tell find get display".split()
)

COUNT_CUES = ("how many", "number of", "count of", "count", "total number of", "amount of")
DISTINCT_WORDS = frozenset({"distinct", "different", "unique"})
AGG_CUES = {
    "avg": ("average", "avg", "mean"),
    "sum": ("total", "sum of", "sum", "combined", "overall"),
    "max": ("maximum", "max", "highest", "largest", "biggest", "greatest", "latest", "most recent"),
    "min": ("minimum", "min", "lowest", "smallest", "least", "earliest", "fewest"),
}
NOUN_AGGS = frozenset(
    {"average", "avg", "mean", "minimum", "min", "maximum", "max", "total", "sum"}
)
# Superlatives that, in a "which ..." question, order rows instead of aggregating them.
SUPERLATIVE_DESC = frozenset(
    {
        "highest",
        "largest",
        "biggest",
        "greatest",
        "most",
        "latest",
        "max",
        "maximum",
        "top",
        "newest",
        "longest",
        "best",
    }
)
SUPERLATIVE_ASC = frozenset(
    {
        "lowest",
        "smallest",
        "least",
        "fewest",
        "earliest",
        "min",
        "minimum",
        "bottom",
        "oldest",
        "shortest",
        "worst",
    }
)
# "oldest" ranks by the largest age, or the earliest birth date or date.
AGE_SUPERLATIVES = {"oldest": "old", "eldest": "old", "youngest": "young", "newest": "young"}
# Superlatives that name what they rank by: "the shortest trip" -> its length or duration.
MEASURE_SUPERLATIVES = {
    "shortest": (("length", "duration", "height", "time"), False),
    "longest": (("length", "duration", "time"), True),
    "tallest": (("height",), True),
    "heaviest": (("weight",), True),
    "lightest": (("weight",), False),
    "cheapest": (("price", "cost", "fee", "rate"), False),
    "most expensive": (("price", "cost", "fee", "rate"), True),
    "least expensive": (("price", "cost", "fee", "rate"), False),
    "fastest": (("speed", "time"), True),
    "slowest": (("speed",), False),
    "richest": (("wealth", "income", "worth"), True),
    "poorest": (("wealth", "income"), False),
}
FREQUENCY_CUES = tuple(
    f"{a} {b}"
    for a in ("most", "the most", "least", "the least")
    for b in ("common", "popular", "frequent", "frequently", "often", "commonly", "used")
) + ("rarest",)
GROUP_CUES = (
    "for each",
    "for every",
    "in each",
    "grouped by",
    "group by",
    "broken down by",
    "per",
    "by",
    "each",
    "every",
    "for different",
    "for the different",
    "in different",
    "across different",
    "of different",
    "by different",
    "each of the different",
    "for each different",
    "for all different",
    "in the different",
)
SORT_CUES = (
    "sorted by",
    "sort by",
    "order by",
    "ordered by",
    "ranked by",
    "rank by",
    "order of",
    "sorted according to",
    "ordered according to",
    "sorted on",
)
SORT_VERBS = frozenset(
    {
        "sort",
        "sorted",
        "order",
        "ordered",
        "rank",
        "ranked",
        "arrange",
        "arranged",
        "sorting",
        "ordering",
    }
)
ASC_WORDS = frozenset({"ascending", "asc", "alphabetically", "alphabetical"})
DESC_WORDS = frozenset({"descending", "desc", "decreasing", "reverse"})
# Direction phrases: "from most to least" ranks the groups by their size, largest first.
DIRECTION_PHRASES = {
    f"from {a} to {b}": d
    for a, b, d in (
        ("most", "least", "desc"),
        ("least", "most", "asc"),
        ("highest", "lowest", "desc"),
        ("lowest", "highest", "asc"),
        ("largest", "smallest", "desc"),
        ("smallest", "largest", "asc"),
        ("high", "low", "desc"),
        ("low", "high", "asc"),
        ("biggest", "smallest", "desc"),
        ("newest", "oldest", "desc"),
        ("oldest", "newest", "asc"),
        ("most recent", "oldest", "desc"),
        ("the most recent", "the oldest", "desc"),
        ("the most", "the least", "desc"),
        ("the least", "the most", "asc"),
        ("the highest", "the lowest", "desc"),
        ("the lowest", "the highest", "asc"),
        ("large", "small", "desc"),
        ("small", "large", "asc"),
        ("latest", "earliest", "desc"),
        ("earliest", "latest", "asc"),
        ("a", "z", "asc"),
        ("z", "a", "desc"),
    )
}
DIRECTION_PHRASES.update(
    {
        "in increasing order": "asc",
        "in decreasing order": "desc",
        "highest first": "desc",
        "lowest first": "asc",
        "largest first": "desc",
        "smallest first": "asc",
        "most recent first": "desc",
        "newest first": "desc",
        "oldest first": "asc",
        "increasing": "asc",
    }
)

# Comparison cues: phrase -> operator; "or more"/"or less" follow the number instead.
COMPARE_BEFORE = {
    "more than": ">",
    "greater than": ">",
    "higher than": ">",
    "larger than": ">",
    "bigger than": ">",
    "over": ">",
    "above": ">",
    "exceeding": ">",
    "exceeds": ">",
    "at least": ">=",
    "no less than": ">=",
    "not less than": ">=",
    "minimum of": ">=",
    "less than": "<",
    "fewer than": "<",
    "lower than": "<",
    "smaller than": "<",
    "under": "<",
    "below": "<",
    "at most": "<=",
    "no more than": "<=",
    "not more than": "<=",
    "up to": "<=",
    "maximum of": "<=",
    "equal to": "=",
    "equals": "=",
    "exactly": "=",
    "of exactly": "=",
    ">": ">",
    ">=": ">=",
    "<": "<",
    "<=": "<=",
    "=": "=",
}
COMPARE_AFTER = {
    "or more": ">=",
    "or greater": ">=",
    "or higher": ">=",
    "or less": "<=",
    "or fewer": "<=",
    "or lower": "<=",
    "plus": ">=",
    "or older": ">=",
    "or younger": "<=",
    "or later": ">=",
    "or earlier": "<=",
    "or above": ">=",
    "or below": "<=",
    "or over": ">=",
    "or under": "<=",
    "or larger": ">=",
    "or bigger": ">=",
    "or smaller": "<=",
    "and above": ">=",
    "and over": ">=",
    "and below": "<=",
    "and under": "<=",
    "or longer": ">=",
    "or shorter": "<=",
    "or after": ">=",
    "or before": "<=",
}

LESS_COMPARATIVES = frozenset(
    "cheaper lower smaller shorter fewer younger earlier lighter narrower thinner slower".split()
)

DATE_PREPS = {
    "in": "in",
    "during": "in",
    "for": "in",
    "of": "in",
    "within": "in",
    "after": "after",
    "since": "since",
    "from": "since",
    "before": "before",
    "until": "until",
    "till": "until",
    "by": "until",
    "prior to": "before",
}

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})

NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}

# Words that turn "= value" into "!= value" when they come just before it.
NEGATIONS = frozenset(
    {"not", "no", "none", "non", "never", "except", "excluding", "other", "isnt", "without"}
)

# Abbreviations common in column names, spelled out so that questions' words meet them.
ABBREVIATIONS = {
    "fname": "first name",
    "apt": "apartment",
    "lname": "last name",
    "mname": "middle name",
    "dob": "date of birth",
    "num": "number",
    "no": "number",
    "nbr": "number",
    "qty": "quantity",
    "amt": "amount",
    "dept": "department",
    "addr": "address",
    "desc": "description",
    "emp": "employee",
    "cust": "customer",
    "prod": "product",
    "stu": "student",
    "yr": "year",
    "pct": "percent",
    "temp": "temperature",
    "pop": "population",
    "mgr": "manager",
    "tel": "telephone",
    "cnt": "count",
    "dt": "date",
    "lat": "latitude",
    "lng": "longitude",
    "lon": "longitude",
    "info": "information",
}

# Spellings of one word that phrase look-ups treat as the same, in questions and in names.
CANONICAL = {"max": "maximum", "min": "minimum", "avg": "average", "mean": "average"}

# Phrases that ask for every column of the rows.
STAR_PHRASES = (
    "all the information",
    "all information",
    "all the info",
    "all info",
    "all the details",
    "all details",
    "all the data",
    "all data",
    "all the columns",
    "all columns",
    "all the attributes",
    "all attributes",
    "all the fields",
    "all fields",
    "everything",
    "full information",
    "full details",
    "all the detail",
    "all the records",
    "all records",
    "all the record",
)

# "at least twice": counts of rows.
TIMES_WORDS = {"once": 1, "twice": 2, "thrice": 3}

# Words near a comparison that say which kind of column it measures ("younger than 30").
MEASURE_WORDS = {
    "younger": ("age",),
    "older": ("age",),
    "aged": ("age",),
    "age": ("age",),
    "taller": ("height",),
    "tall": ("height",),
    "high": ("height",),
    "higher": ("height",),
    "heavier": ("weight",),
    "lighter": ("weight",),
    "weigh": ("weight",),
    "weighs": ("weight",),
    "weighing": ("weight",),
    "longer": ("length", "duration"),
    "shorter": ("length", "duration", "height"),
    "lasted": ("duration",),
    "lasting": ("duration",),
    "last": ("duration",),
    "cheaper": ("price", "cost"),
    "expensive": ("price", "cost"),
    "cost": ("cost", "price"),
    "costs": ("cost", "price"),
    "priced": ("price",),
    "earn": ("salary", "income"),
    "earns": ("salary", "income"),
    "paid": ("salary", "pay", "amount"),
    "larger": ("size", "area", "capacity"),
    "bigger": ("size", "area", "capacity"),
    "faster": ("speed",),
    "slower": ("speed",),
    "richer": ("income", "wealth"),
    "wider": ("width",),
    "deeper": ("depth",),
    "scored": ("score",),
    "scores": ("score",),
    "rated": ("rating",),
}

# Column names that usually hold an entity's human-readable name.
NAME_LIKE = (
    "name",
    "title",
    "label",
    "full name",
    "display name",
    "username",
    "first name",
    "last name",
    "description",
    "code",
    "email",
)


_IRREGULAR_PARTICIPLES = frozenset(
    """written made bought sold taken given done held run led paid sent built drawn driven
    shown known told seen read won lost kept brought caught taught thought found left put
    set spent borrowed""".split()
)


def is_participle(word: str) -> bool:
    """Words like "written", "placed": before "by" they introduce who did it, not a grouping."""
    w = word.lower()
    return w in _IRREGULAR_PARTICIPLES or (len(w) > 4 and w.endswith("ed"))


def parse_number(word: str) -> float | None:
    """A number written with digits or as an English word up to twenty; None otherwise."""
    w = word.lower().replace(",", "")
    if w in NUMBER_WORDS:
        return float(NUMBER_WORDS[w])
    if w in TIMES_WORDS:
        return float(TIMES_WORDS[w])
    try:
        return float(w)
    except ValueError:
        return None
