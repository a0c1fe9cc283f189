"""Search across everything a member may read: one selector, `search_page`, over sources the
apps register (community: thread titles and posts; messaging: messages of rooms, direct and
support conversations), each applying its own privacy rules before anything is ranked.

Full-text matching is the database's own: an FTS5 table kept by triggers in embedded mode
(SQLite), a GIN expression index over `to_tsvector('simple', …)` in production (PostgreSQL).
Both read the query the same way: words (letters and digits), every word required, each as
a prefix, no diacritics folded, so the two modes return the same results
(docs/decisions/0015-search.md).

Search terms are never put in a URL or a log line: the form posts them, and nothing here
logs.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db import connection, migrations
from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

QUERY_MAX_LENGTH = 200
MAX_TERMS = 8
# Each source ranks at most this many of its best matches; the page merges them.
MAX_RESULTS_PER_SOURCE = 200
PAGE_SIZE = 20
EXCERPT_LENGTH = 220

_WORD = re.compile(r"[^\W_]+")


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, in order, without repeats: what both engines
    match (each as a prefix). Punctuation and operators are not syntax here, only
    separators, so no input can change the query's shape."""
    terms: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


# --- The index: one definition for both engines ---------------------------------------------


def _pg_document(columns: list[str]) -> str:
    """The text PostgreSQL indexes and matches, written once so that the query uses exactly
    the expression of the index."""
    joined = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)
    return f"to_tsvector('simple'::regconfig, {joined})"


_IDENTIFIER = re.compile(r"[a-z_]+")


def _check_identifiers(*names: str) -> None:
    """Table and column names come from code, never from input; the SQL below interpolates
    them (identifiers cannot be bound parameters), so anything else is refused."""
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain identifier: {name!r}")


def _fts_table(table: str) -> str:
    return f"{table}_search"


def full_text_index(*, table: str, columns: list[str]) -> migrations.RunPython:
    """A migration operation that indexes `columns` of `table` for search: an FTS5 table in
    external-content mode and the triggers that keep it in step (SQLite), or a GIN index over
    the document expression (PostgreSQL). Existing rows are indexed at once."""

    _check_identifiers(table, *columns)
    fts = _fts_table(table)
    names = ", ".join(columns)
    new_values = ", ".join(f"new.{column}" for column in columns)
    old_values = ", ".join(f"old.{column}" for column in columns)

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX {table}_search_idx ON {table} USING gin ({_pg_document(columns)})"
            )
        elif vendor == "sqlite":
            for statement in [
                f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
                f"content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
                f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "  # noqa: S608
                f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new_values}); END",
                f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "  # noqa: S608
                f"INSERT INTO {fts}({fts}, rowid, {names}) "
                f"VALUES ('delete', old.id, {old_values}); END",
                f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "  # noqa: S608
                f"INSERT INTO {fts}({fts}, rowid, {names}) "
                f"VALUES ('delete', old.id, {old_values}); "
                f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new_values}); END",
                f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # noqa: S608
            ]:
                schema_editor.execute(statement)

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_idx")
        elif vendor == "sqlite":
            for suffix in ("insert", "delete", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {fts}")

    return migrations.RunPython(forwards, backwards)


def search_triggers_in_place() -> set[str]:
    """The names of the SQLite search triggers that exist (a later migration that rebuilds a
    table drops its triggers: a test checks they are all still there)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_search_%'"
        )
        return {row[0] for row in cursor.fetchall()}


def forget_erased_text() -> None:
    """After erasure: SQLite's FTS5 keeps deleted terms in its segments until they are
    merged; merge them now so no erased word stays on disk in the index."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
        )
        for (name,) in cursor.fetchall():
            _check_identifiers(name)
            cursor.execute(f"INSERT INTO {name}({name}) VALUES ('optimize')")  # noqa: S608


def matching(queryset, *, table: str, columns: list[str], terms: list[str]):
    """`queryset` (over `table`) narrowed to rows whose `columns` hold every term as a word
    prefix, annotated with `search_rank` (higher is better). The terms are bound parameters;
    only the code's own identifiers are interpolated (S611/S608 below)."""
    _check_identifiers(table, *columns)
    if connection.vendor == "postgresql":
        document = _pg_document([f"{table}.{column}" for column in columns])
        tsquery = " & ".join(f"{term}:*" for term in terms)
        return queryset.filter(
            RawSQL(  # noqa: S611
                f"{document} @@ to_tsquery('simple', %s)", [tsquery], output_field=BooleanField()
            )
        ).annotate(
            search_rank=RawSQL(  # noqa: S611
                f"ts_rank({document}, to_tsquery('simple', %s))",
                [tsquery],
                output_field=FloatField(),
            )
        )
    fts = _fts_table(table)
    expression = " ".join('"' + term.replace('"', '""') + '"*' for term in terms)
    return queryset.filter(
        RawSQL(  # noqa: S611
            f"{table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)",  # noqa: S608
            [expression],
            output_field=BooleanField(),
        )
    ).annotate(
        # bm25 is lower for better matches: negated, so higher is better in both engines.
        search_rank=RawSQL(  # noqa: S611
            f"(SELECT -bm25({fts}) FROM {fts} WHERE {fts} MATCH %s AND rowid = {table}.id)",  # noqa: S608
            [expression],
            output_field=FloatField(),
        )
    )


# --- Sources and results ----------------------------------------------------------------------


@dataclass
class SearchHit:
    """One result as the page shows it; every field is already what this viewer may see."""

    kind: str  # "thread", "reply", "message"
    place: str  # the group, room or conversation it is in
    title: str
    author: str
    created_at: datetime
    url: str
    excerpt: SafeString
    content_warning: str = ""


@dataclass(frozen=True)
class RankedKey:
    rank: float
    created_at: datetime
    source: str
    pk: int


@dataclass(frozen=True)
class SearchSource:
    """`ranked(viewer, terms)` → the best RankedKeys this viewer may read (one query);
    `hits(viewer, pks, terms)` → pk → SearchHit for one page (a fixed number of queries)."""

    name: str
    ranked: Callable
    hits: Callable


_sources: dict[str, SearchSource] = {}


def register_source(source: SearchSource) -> None:
    _sources[source.name] = source


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    page: Page | None
    hits: list[SearchHit] = field(default_factory=list)


def search_page(*, viewer, query: str, page_number) -> SearchResults:
    """One page of results for `query`, best first (rank, then newest), merged across the
    registered sources."""
    terms = search_terms(query)
    if not terms:
        return SearchResults(query=query, terms=[], page=None)
    keys: list[RankedKey] = []
    for source in _sources.values():
        keys.extend(source.ranked(viewer=viewer, terms=terms))
    keys.sort(key=lambda key: (-key.rank, -key.created_at.timestamp(), key.source, -key.pk))
    page = Paginator(keys, PAGE_SIZE).get_page(page_number)
    by_source: dict[str, list[int]] = {}
    for key in page.object_list:
        by_source.setdefault(key.source, []).append(key.pk)
    found = {
        (name, pk): hit
        for name, pks in by_source.items()
        for pk, hit in _sources[name].hits(viewer=viewer, pks=pks, terms=terms).items()
    }
    hits = [
        found[(key.source, key.pk)] for key in page.object_list if (key.source, key.pk) in found
    ]
    return SearchResults(query=query, terms=terms, page=page, hits=hits)


def ranked_keys(queryset, *, source: str) -> list[RankedKey]:
    """The best MAX_RESULTS_PER_SOURCE rows of a `matching` queryset as RankedKeys."""
    rows = queryset.order_by("-search_rank", "-created_at", "-pk").values_list(
        "pk", "search_rank", "created_at"
    )[:MAX_RESULTS_PER_SOURCE]
    return [
        RankedKey(rank=rank or 0.0, created_at=created_at, source=source, pk=pk)
        for pk, rank, created_at in rows
    ]


def excerpt(text: str, *, terms: list[str]) -> SafeString:
    """A plain-text window of `text` around the first matched word, every matched word
    marked. Escaped first, then marked: no member-written markup survives."""
    flat = " ".join(text.split())
    lowered = flat.lower()
    first = min((i for i in (lowered.find(term) for term in terms) if i >= 0), default=0)
    start = max(0, first - EXCERPT_LENGTH // 3)
    if start:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    window = flat[start : start + EXCERPT_LENGTH]
    pattern = re.compile(
        r"(?<![^\W_])(?:" + "|".join(re.escape(term) for term in terms) + r")[^\W_]*",
        re.IGNORECASE,
    )
    pieces, done = [], 0
    for match in pattern.finditer(window):
        pieces.append(escape(window[done : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        done = match.end()
    pieces.append(escape(window[done:]))
    prefix = "… " if start else ""
    suffix = " …" if start + EXCERPT_LENGTH < len(flat) else ""
    # Every piece of member text is escaped; only <mark> is added.
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308
