"""Writes of the catalog: CSV import (all-or-nothing) and export.

(Longer than ~400 lines on purpose: both import phases and the export share the table
definitions and the error collection.)

Import runs in two phases. Phase 1 reads and validates every file without touching the
database and collects ALL problems as `file:line: column: message`; any problem aborts with
`CatalogImportError` before anything is written. Phase 2 upserts every table by its natural
key, in dependency order, inside one transaction. Rows missing from the files are kept
(import adds and updates, it never deletes), so importing an export changes nothing.

`overwrite=False` (what `manage.py catalog_import` does on every deploy unless `--force`) only
creates missing rows: a row that exists is left as it is, so prices and parts edited in the
admin are never set back to the CSV values; such rows are counted as `kept`.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.ops.services import audit_record

from .csv_format import (
    PRICES,
    REF_KEYS,
    TABLES,
    TABLES_BY_NAME,
    CellError,
    Table,
    column_path,
    parse_cell,
    to_be_confirmed,
)
from .models import CatalogRevision
from .selectors import catalog_rows, forget_catalog_revision, price_rows

PRICES_DIR = "prices"


@dataclass(frozen=True)
class RowError:
    """One problem found in an import file."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class CatalogImportError(ApplicationError):
    """The import found bad rows; nothing was changed. `errors` lists every one."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) found; nothing was imported.")
        self.errors = errors


@dataclass(frozen=True)
class SourceFile:
    """A file to import: its table, its path, the name used in messages, and for a price
    list the code of its price book."""

    table: Table
    path: Path
    label: str
    book_code: str | None = None


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]


@dataclass
class ParsedFile:
    """The valid rows of a file, and the natural keys of all its rows (valid or not), so a
    reference to a row that is itself bad is not reported a second time."""

    rows: list[ParsedRow] = field(default_factory=list)
    keys: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # differs from the file, left as it is (overwrite=False)


@dataclass
class ImportReport:
    """What an import did, per file label."""

    counts: dict[str, TableCounts] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())


def catalog_import(directory: Path, *, overwrite: bool = True) -> ImportReport:
    """Import every schema file present in `directory` (and `directory/prices/*.csv`).

    All-or-nothing: raises CatalogImportError listing every bad row, changing nothing. With
    `overwrite=False` existing rows are never changed (only missing rows are created).
    """
    sources, errors = _discover(Path(directory))
    return _import_sources(sources, errors, overwrite=overwrite)


def price_list_import(code: str, path: Path) -> ImportReport:
    """Import one price list (`part_number,unit_price`) into the existing price book `code`."""
    return _import_sources([SourceFile(PRICES, Path(path), Path(path).name, code)], [])


def catalog_export(directory: Path) -> list[Path]:
    """Write the catalog and every price book to `directory` in the import format."""
    directory = Path(directory)
    written = [
        _write_csv(directory / f"{name}.csv", table.header, rows)
        for table, (name, rows) in zip(TABLES, catalog_rows().items(), strict=True)
    ]
    for code, rows in price_rows().items():
        written.append(_write_csv(directory / PRICES_DIR / f"{code}.csv", PRICES.header, rows))
    return written


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- phase 1: find, read, validate ---------------------------------------------------------


def _discover(directory: Path) -> tuple[list[SourceFile], list[RowError]]:
    if not directory.is_dir():
        return [], [RowError(str(directory), 0, "(directory)", "not a directory")]
    known = {f"{t.name}.csv" for t in TABLES}
    sources = [
        SourceFile(t, directory / f"{t.name}.csv", f"{t.name}.csv")
        for t in TABLES
        if (directory / f"{t.name}.csv").is_file()
    ]
    for path in sorted((directory / PRICES_DIR).glob("*.csv")):
        sources.append(SourceFile(PRICES, path, f"{PRICES_DIR}/{path.name}", path.stem))
    errors = [
        RowError(
            p.name,
            0,
            "(file)",
            f"not a file of the catalog schema; expected one "
            f"of: {', '.join(sorted(known))} or {PRICES_DIR}/CODE.csv",
        )
        for p in sorted(directory.glob("*.csv"))
        if p.name not in known
    ]
    if not sources:
        errors.append(RowError(str(directory), 0, "(directory)", "no catalog CSV files found"))
    return sources, errors


def _import_sources(
    sources: list[SourceFile], errors: list[RowError], *, overwrite: bool = True
) -> ImportReport:
    parsed = {src.label: _read_file(src, errors) for src in sources}
    _check_references(sources, parsed, errors)
    if errors:
        raise CatalogImportError(errors)
    with transaction.atomic():
        report = _write_all(sources, parsed, overwrite=overwrite)
        if report.changed:
            catalog_revision_bump()
            audit_record(
                "catalog.imported",
                details={  # price books and prices included
                    "files": {label: vars(c) for label, c in report.counts.items()},
                    "price_books": sorted({s.book_code for s in sources if s.book_code}),
                },
            )
    return report


def catalog_revision_bump() -> None:
    """Record that the catalog changed, so caches of it (the engine's snapshot) are rebuilt."""
    bumped = CatalogRevision.objects.filter(pk=1).update(
        number=F("number") + 1, changed_at=timezone.now()
    )
    if not bumped:
        CatalogRevision.objects.get_or_create(pk=1, defaults={"number": 1})
    forget_catalog_revision()


def _read_file(src: SourceFile, errors: list[RowError]) -> ParsedFile:
    try:
        with src.path.open(newline="", encoding="utf-8-sig") as fh:
            return _read_rows(src, csv.reader(fh), errors)
    except UnicodeDecodeError as exc:
        errors.append(RowError(src.label, 0, "(file)", f"not UTF-8 text ({exc.reason})"))
    except csv.Error as exc:
        errors.append(RowError(src.label, 0, "(file)", f"not valid CSV: {exc}"))
    except OSError as exc:
        errors.append(RowError(src.label, 0, "(file)", f"cannot be read: {exc.strerror}"))
    return ParsedFile()


def _read_rows(src: SourceFile, reader: Any, errors: list[RowError]) -> ParsedFile:
    header = next(reader, None)
    header_errors = _header_errors(src, header)
    if header is None or header_errors:
        errors.extend(header_errors)
        return ParsedFile(keys=_keys_despite_bad_header(src, header, reader))
    rows: list[ParsedRow] = []
    first_seen: dict[tuple[str, ...], int] = {}
    for cells in reader:
        if cells:  # the csv module yields [] for a blank line
            row = _parse_row(src, header, cells, reader.line_num, errors, first_seen)
            if row is not None:
                rows.append(row)
    return ParsedFile(rows, set(first_seen))


def _keys_despite_bad_header(
    src: SourceFile, header: list[str] | None, reader: Any
) -> set[tuple[str, ...]]:
    """The keys of a file whose header is wrong but has its key columns, so references to
    its rows are not reported as unknown on top of the header error."""
    if not header or any(name not in header for name in src.table.key):
        return set()
    positions = [header.index(name) for name in src.table.key]
    return {tuple(cells[i] for i in positions) for cells in reader if len(cells) == len(header)}


def _header_errors(src: SourceFile, header: list[str] | None) -> list[RowError]:
    expected = src.table.header
    if not header:
        return [RowError(src.label, 1, "(header)", f"empty file; expected {','.join(expected)}")]
    errors = [
        RowError(src.label, 1, name, "column is missing from the header")
        for name in expected
        if name not in header
    ]
    errors += [
        RowError(src.label, 1, name, f"unknown column; expected {','.join(expected)}")
        for name in header
        if name not in expected
    ]
    errors += [
        RowError(src.label, 1, name, "column appears more than once")
        for name in sorted(set(header))
        if header.count(name) > 1 and name in expected
    ]
    return errors


def _parse_row(
    src: SourceFile,
    header: list[str],
    cells: list[str],
    line: int,
    errors: list[RowError],
    first_seen: dict[tuple[str, ...], int],
) -> ParsedRow | None:
    if len(cells) != len(header):
        errors.append(
            RowError(
                src.label, line, "(row)", f"has {len(cells)} cells, the header has {len(header)}"
            )
        )
        return None
    raw = dict(zip(header, cells, strict=True))
    count = len(errors)
    values = {}
    for column in src.table.columns:
        try:
            values[column.name] = parse_cell(src.table, column, raw[column.name])
        except CellError as exc:
            errors.append(RowError(src.label, line, column.name, str(exc)))
    key = tuple(raw[name] for name in src.table.key)
    if key in first_seen:
        errors.append(
            RowError(
                src.label,
                line,
                ",".join(src.table.key),
                f"duplicate {'/'.join(key)!r}; first at line {first_seen[key]}",
            )
        )
    first_seen.setdefault(key, line)
    errors.extend(RowError(src.label, line, col, msg) for col, msg in _row_rules(src, values))
    return ParsedRow(line, values) if len(errors) == count else None


def _row_rules(src: SourceFile, values: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules across cells of one row (the model constraints that span columns)."""
    start, end = values.get("valid_from"), values.get("valid_to")
    if src.table.name == "price_books" and start and end and end < start:
        return [("valid_to", f"{end.isoformat()} is before valid_from {start.isoformat()}")]
    part = str(values.get("part_number") or "")
    if src.book_code is not None and to_be_confirmed(part):
        return [
            (
                "part_number",
                f"{part} is a part to be confirmed (no sourced number); it cannot be priced",
            )
        ]
    return []


def _check_references(
    sources: list[SourceFile], parsed: dict[str, ParsedFile], errors: list[RowError]
) -> None:
    known = {name: _keys_in_db(name) for name in REF_KEYS}
    for src in sources:
        if src.table.name in known:  # tables referred to have a one-column key
            known[src.table.name] |= {key[0] for key in parsed[src.label].keys}
    for src in sources:
        errors.extend(_reference_errors(src, parsed[src.label].rows, known))


def _keys_in_db(table_name: str) -> set[str]:
    model = TABLES_BY_NAME[table_name].model
    return set(model._default_manager.values_list(REF_KEYS[table_name], flat=True))


def _reference_errors(
    src: SourceFile, rows: list[ParsedRow], known: dict[str, set[str]]
) -> Iterable[RowError]:
    if src.book_code is not None and src.book_code not in known["price_books"]:
        yield RowError(
            src.label,
            0,
            "(file)",
            f"price book {src.book_code!r} is not in price_books.csv nor in the database",
        )
    ref_columns = [(c.name, c.ref) for c in src.table.columns if c.ref]
    for row in rows:
        for name, ref in ref_columns:
            value = row.values[name]
            if value is not None and value not in known[ref]:
                yield RowError(
                    src.label,
                    row.line,
                    name,
                    f"unknown {ref[:-1]} {value!r}: not in {ref}.csv nor in the database",
                )


# --- phase 2: write ------------------------------------------------------------------------


def _write_all(
    sources: list[SourceFile], parsed: dict[str, ParsedFile], *, overwrite: bool
) -> ImportReport:
    report = ImportReport()
    ids = _IdCache()
    for src in sources:
        report.counts[src.label] = _upsert(src, parsed[src.label].rows, ids, overwrite=overwrite)
        ids.forget(src.table.name)
    return report


class _IdCache:
    """Natural key → primary key of the referenced tables, reloaded after a table is written."""

    def __init__(self) -> None:
        self._ids: dict[str, dict[str, int]] = {}

    def get(self, table_name: str, key: str) -> int:
        if table_name not in self._ids:
            model = TABLES_BY_NAME[table_name].model
            self._ids[table_name] = dict(
                model._default_manager.values_list(REF_KEYS[table_name], "pk")
            )
        return self._ids[table_name][key]

    def forget(self, table_name: str) -> None:
        self._ids.pop(table_name, None)


def _upsert(
    src: SourceFile, rows: list[ParsedRow], ids: _IdCache, *, overwrite: bool = True
) -> TableCounts:
    table, counts = src.table, TableCounts()
    scope = {"book_id": ids.get("price_books", src.book_code)} if src.book_code else {}
    existing = _existing_by_key(table, scope)
    new = []
    for row in rows:
        attrs = _model_attrs(table, row.values, ids)
        obj = existing.get(tuple(row.values[name] for name in table.key))
        if obj is None:
            new.append(table.model(**scope, **attrs))
        elif not overwrite:
            differs = any(getattr(obj, name) != value for name, value in attrs.items())
            counts.kept += differs
            counts.unchanged += not differs
        elif _apply(obj, attrs):
            counts.updated += 1
        else:
            counts.unchanged += 1
    table.model._default_manager.bulk_create(new)
    counts.created = len(new)
    return counts


def _existing_by_key(table: Table, scope: dict[str, int]) -> dict[tuple[str, ...], Any]:
    queryset = table.model._default_manager.filter(**scope)
    key_paths = [column_path(c) for c in table.columns if c.name in table.key]
    objects = queryset.in_bulk()
    return {tuple(key): objects[pk] for pk, *key in queryset.values_list("pk", *key_paths)}


def _model_attrs(table: Table, values: dict[str, Any], ids: _IdCache) -> dict[str, Any]:
    attrs = {}
    for column in table.columns:
        value = values[column.name]
        if column.ref:
            attrs[f"{column.field}_id"] = None if value is None else ids.get(column.ref, value)
        else:
            attrs[column.field] = value
    return attrs


def _apply(obj: models.Model, attrs: dict[str, Any]) -> bool:
    """Write the changed attributes (one UPDATE, no signals: the import bumps the catalog
    revision once); True if anything changed."""
    changed = {name: value for name, value in attrs.items() if getattr(obj, name) != value}
    if changed:
        type(obj)._default_manager.filter(pk=obj.pk).update(**changed)
    return bool(changed)
