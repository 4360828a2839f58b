"""Seeded tables a profile declares (`rows: N` + `columns`): faker values, one stream per table.

Each table draws from its own Faker seeded by (seed, path), so adding a table never shifts
another's values, and dates come from fixed ranges (Faker's relative dates read the clock).
"""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from datetime import date, datetime
from typing import Any

from faker import Faker

from chaos._seeding import derive_seed

__all__ = ["COLUMN_KINDS", "Table", "make_table", "parse_table", "table_bytes", "table_text",
           "text_of"]

#: Rows and cells as text (what a `{col}` template fills in) and as typed values (JSON).
Table = list[dict[str, Any]]

_START, _END = date(2025, 1, 1), date(2026, 12, 31)


def _amount(fake: Faker, rng: random.Random, lo: float = 1.0, hi: float = 1000.0) -> float:
    return round(rng.uniform(lo, hi), 2)


_KINDS: dict[str, Any] = {
    "name": lambda f, r: f.name(),
    "first_name": lambda f, r: f.first_name(),
    "last_name": lambda f, r: f.last_name(),
    "email": lambda f, r: f.unique.safe_email(),
    "company": lambda f, r: f.company(),
    # E.164, the form SMS tools and the oracle read; Faker's own mixes in extensions.
    "phone": lambda f, r: f"+1555{r.randrange(10**7):07d}",
    "city": lambda f, r: f.city(),
    "country": lambda f, r: f.country(),
    "address": lambda f, r: f.address().replace("\n", ", "),
    "amount": _amount,
    "int": lambda f, r: r.randint(1, 1000),
    "date": lambda f, r: f.date_between_dates(_START, _END).isoformat(),
    "datetime": lambda f, r: f.date_time_between_dates(
        datetime(2025, 1, 1), datetime(2026, 12, 31)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "word": lambda f, r: f.word(),
    "sentence": lambda f, r: f.sentence(),
    "sku": lambda f, r: f"SKU-{r.randrange(10**5):05d}",
    "uuid": lambda f, r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "bool": lambda f, r: r.random() < 0.5,
}
#: Every column kind a profile may name.
COLUMN_KINDS = tuple(_KINDS)


def _cell(spec: Any, n: int, fake: Faker, rng: random.Random) -> Any:
    if isinstance(spec, str):
        return _KINDS[spec](fake, rng)
    if spec.format is not None:
        return spec.format.format(n=n)
    if spec.choice is not None:
        return rng.choice(spec.choice)
    if spec.int_ is not None:
        return rng.randint(*spec.int_)
    if spec.amount is not None:
        return _amount(fake, rng, *spec.amount)
    return spec.const


def text_of(value: Any) -> str:
    """A cell as a CSV and a template show it (`12.50`, `true`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)


def make_table(seed: int, path: str, rows: int, columns: dict[str, Any]) -> Table:
    """`rows` rows of `columns` (kind names or column specs), the same for the same inputs."""
    fake = Faker("en_US")
    fake.seed_instance(derive_seed("world-table", seed, path))
    rng = random.Random(derive_seed("world-table-values", seed, path))
    return [{name: _cell(spec, n, fake, rng) for name, spec in columns.items()}
            for n in range(1, rows + 1)]


def table_bytes(table: Table, columns: list[str], as_json: bool) -> str:
    """The table as CSV text (header row first) or as a JSON list of objects."""
    if as_json:
        return json.dumps(table, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([text_of(row[c]) for c in columns] for row in table)
    return out.getvalue()


def table_text(data: bytes) -> str:
    """A world file's text as a spreadsheet or a person's tools read it.

    UTF-16 with a BOM; else UTF-8 (with or without a BOM); else cp1252, a Windows export;
    else Latin-1 (every byte is a character).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def parse_table(data: bytes, as_json: bool) -> Table | None:
    """The rows of a CSV (header first) or JSON list-of-objects file; None if it is neither.

    Its text as `table_text` reads it: how a spreadsheet saved it.
    """
    text = table_text(data)
    try:
        if as_json:
            rows = json.loads(text)
            ok = isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
            return rows if ok else None
        return list(csv.DictReader(io.StringIO(text)))
    except (UnicodeDecodeError, ValueError, csv.Error):
        return None
