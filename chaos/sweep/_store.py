"""The history store: every finished episode of every sweep, committed as it arrives.

SQLAlchemy Core over SQLite by default (one file, WAL journal) or any SQLAlchemy URL, such as
`postgresql+psycopg://user@host/chaos` for a store a team shares. Tables:

- `sweeps` — id, when it was first started (UTC, store-only: never in results), the matrix.
- `sweep_profiles` — each profile a sweep ran: name, path, sha256. A sweep is bound to the
  bytes of its profiles: resuming it with an edited profile is refused, so results of two
  versions of a profile never mix under one sweep id.
- `episodes` — one row per (sweep, episode key), unique: the EpisodeResult JSON whole, plus
  profile, profile sha256, model, seed, arm, status, task verdict and whether it failed.
- `faults` — one row per fault of an episode: kind and outcome, for queries by fault kind.

Indexed by sweep, profile, model, fault kind and seed. Traces are not stored: they stay files
in the sweep's run directory, so a store holding months of nightly sweeps stays small.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaos._output import output_errors
from chaos.errors import InputError

__all__ = ["STORE_VERSION", "StoredSweep", "SweepStore", "is_failing_data", "store_url"]

#: The store's schema version; a store written by a newer chaos is refused, not damaged.
STORE_VERSION = 1
_FAILING = ("propagated", "silent", "crashed")


def is_failing_data(result: dict[str, Any]) -> bool:
    """Whether an episode (EpisodeResult JSON data) failed, as `chaos.report.is_failing` says.

    It failed when it crashed, its task failed, or a fault propagated, went silent or crashed.
    """
    return (result["status"] == "crashed" or not result["task"]["passed"]
            or any(f["outcome"] in _FAILING for f in result["faults"]))


def store_url(store: str) -> str:
    """A SQLAlchemy URL for a store: a URL as given, a file path as `sqlite:///path`."""
    if "://" in store:
        return store
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=store).render_as_string()


@dataclass(frozen=True)
class StoredSweep:
    """A sweep as the store lists it.

    Attributes:
        id: The sweep id.
        created_at: When it first started (UTC, ISO 8601).
        episodes: Episodes stored.
    """

    id: str
    created_at: str
    episodes: int


def _tables() -> Any:
    from sqlalchemy import (
        Boolean,
        Column,
        ForeignKey,
        Index,
        Integer,
        MetaData,
        String,
        Table,
        Text,
        UniqueConstraint,
    )

    meta = MetaData()
    Table("chaos_store", meta, Column("version", Integer, nullable=False))
    Table("sweeps", meta,
          Column("id", String(128), primary_key=True),
          Column("created_at", String(32), nullable=False),
          Column("matrix", Text, nullable=False))
    Table("sweep_profiles", meta,
          Column("sweep_id", String(128), ForeignKey("sweeps.id"), primary_key=True),
          Column("name", String(255), primary_key=True),
          Column("path", Text, nullable=False),
          Column("sha256", String(64), nullable=False))
    Table("episodes", meta,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("sweep_id", String(128), ForeignKey("sweeps.id"), nullable=False),
          Column("key", String(512), nullable=False),
          Column("profile", String(255), nullable=False),
          Column("profile_sha256", String(64), nullable=False),
          Column("model", String(255), nullable=False),
          Column("seed", Integer, nullable=False),
          Column("arm", String(8), nullable=False),
          Column("status", String(16), nullable=False),
          Column("task_passed", Boolean, nullable=False),
          Column("failing", Boolean, nullable=False),
          Column("result", Text, nullable=False),
          UniqueConstraint("sweep_id", "key", name="uq_episode_once"),
          Index("ix_episodes_sweep_profile_model_seed", "sweep_id", "profile", "model", "seed"),
          Index("ix_episodes_sweep_seed", "sweep_id", "seed"))
    Table("faults", meta,
          Column("sweep_id", String(128), primary_key=True),
          Column("key", String(512), primary_key=True),
          Column("fault_id", String(255), primary_key=True),
          Column("profile", String(255), nullable=False),
          Column("model", String(255), nullable=False),
          Column("seed", Integer, nullable=False),
          Column("kind", String(128), nullable=False),
          Column("outcome", String(16), nullable=False),
          Index("ix_faults_sweep_model_kind", "sweep_id", "model", "kind"),
          Index("ix_faults_sweep_kind_seed", "sweep_id", "kind", "seed"))
    return meta


def _unwritable_reason(reason: str) -> bool:
    """Whether a database error says the store cannot take writes (full disk, read-only)."""
    return any(words in reason for words in ("full", "readonly", "read-only", "read only"))


def _settled(step: Callable[[], None], exc: Any, attempts: int = 8) -> None:
    """Run a store-setup step, again when another process did the same thing at that moment.

    Two sweeps started together on a new store both see no tables (or no sweep row) and both
    create them: the second gets "table already exists", an IntegrityError or "database is
    locked". Its next attempt sees what the first one made.
    """
    for attempt in range(attempts):
        try:
            step()
            return
        except (exc.OperationalError, exc.IntegrityError, exc.ProgrammingError) as error:
            if attempt == attempts - 1 or _unwritable_reason(str(error)):
                raise
            # Spread the retries: two processes in step would collide again.
            time.sleep(0.05 * (attempt + 1) * (1 + random.random()))


class SweepStore:
    """A history store at a file path or SQLAlchemy URL.

    Args:
        store: A file path (SQLite, created with its folder) or a SQLAlchemy URL.

    Raises:
        InputError: The URL's driver is not installed, the database cannot be opened, or the
            store was written by a newer chaos.
    """

    def __init__(self, store: str) -> None:
        try:
            import sqlalchemy as sa
        except ImportError:
            raise InputError("the sweep store needs SQLAlchemy: pip install 'sqlalchemy>=2'") \
                from None
        from sqlalchemy import event, exc

        self._sa = sa
        url = store_url(store)
        if "://" not in store:
            with output_errors("--store"):
                Path(store).parent.mkdir(parents=True, exist_ok=True)
        try:
            parsed = sa.engine.make_url(url)
            self.url = parsed.render_as_string(hide_password=True)
            engine = sa.create_engine(parsed)
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
            hint = (" (pip install 'chaos-sim[postgres]' for postgresql+psycopg://)"
                    if "postgres" in url else "")
            raise InputError(f"--store {store}: not a usable store ({type(error).__name__}: "
                             f"{error}){hint}; give a file path or a SQLAlchemy URL") from None
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                # The busy timeout first: switching a new file to WAL takes a lock another
                # process opening the store at that moment may hold.
                cursor.execute("PRAGMA busy_timeout=30000")
                # WAL: readers (chaos history) never block the sweep writing; NORMAL sync
                # keeps every committed episode across a killed process.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()

        self._engine = engine
        self._meta = _tables()
        self.t = self._meta.tables
        try:
            _settled(self._connect, exc)
            _settled(self._create, exc)
        except exc.SQLAlchemyError as error:
            engine.dispose()
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise InputError(f"cannot open the store {self.url}: {reason}; check the path or "
                             "URL, and that the database server is up") from None

    def _connect(self) -> None:
        """Open the store's connection (a new file is being set up by another process too)."""
        self._conn = self._engine.connect()

    def _create(self) -> None:
        """Create the tables a new store lacks and stamp its version."""
        if self._conn.in_transaction():
            self._conn.rollback()
        self._meta.create_all(self._conn)
        self._conn.commit()
        self._check_version()

    def _check_version(self) -> None:
        table = self.t["chaos_store"]
        with self._begin():
            version = self._conn.execute(self._sa.select(table.c.version)).scalar()
            if version is None:
                self._conn.execute(table.insert().values(version=STORE_VERSION))
        if version is not None and version > STORE_VERSION:
            raise InputError(f"the store {self.url} was written by a newer chaos (store "
                             f"version {version}; this one reads {STORE_VERSION}): upgrade "
                             "chaos-sim")

    def _begin(self) -> Any:
        """A transaction of its own (ending the one a previous read may have begun)."""
        if self._conn.in_transaction():
            self._conn.rollback()
        return self._conn.begin()

    def _all(self, query: Any) -> list[Any]:
        with self._begin():
            return list(self._conn.execute(query))

    def close(self) -> None:
        """Close the connection (every episode is already committed)."""
        if self._conn.in_transaction():
            self._conn.rollback()
        self._conn.close()
        self._engine.dispose()

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------

    def begin(self, sweep_id: str, profiles: Sequence[tuple[str, str, str]], matrix: Any,
              resume: bool) -> int:
        """Start (or resume) a sweep; return how many of its episodes are already stored.

        Args:
            sweep_id: The sweep id.
            profiles: (name, path, sha256) of each profile it runs.
            matrix: What it runs (JSON-able; kept for people reading the store).
            resume: Keep the stored episodes; False drops them first (start over).

        Raises:
            InputError: Resuming, a profile's bytes differ from the ones the sweep began with.
        """
        try:
            _settled(lambda: self._begin_sweep(sweep_id, profiles, matrix, resume),
                     self._sa.exc)
        except self._sa.exc.OperationalError as error:
            raise self._unwritable(error) from None
        return self.count(sweep_id)

    def _begin_sweep(self, sweep_id: str, profiles: Sequence[tuple[str, str, str]],
                     matrix: Any, resume: bool) -> None:
        sa, t = self._sa, self.t
        with self._begin():
            row = self._conn.execute(sa.select(t["sweeps"].c.id).where(
                t["sweeps"].c.id == sweep_id)).first()
            if row is not None and not resume:
                for name in ("faults", "episodes", "sweep_profiles"):
                    self._conn.execute(t[name].delete().where(t[name].c.sweep_id == sweep_id))
                self._conn.execute(t["sweeps"].delete().where(t["sweeps"].c.id == sweep_id))
                row = None
            matrix_json = json.dumps(matrix, sort_keys=True)
            if row is None:
                created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                self._conn.execute(t["sweeps"].insert().values(
                    id=sweep_id, created_at=created, matrix=matrix_json))
            else:
                self._conn.execute(t["sweeps"].update().where(t["sweeps"].c.id == sweep_id)
                                   .values(matrix=matrix_json))
            known = {r.name: r for r in self._conn.execute(sa.select(t["sweep_profiles"]).where(
                t["sweep_profiles"].c.sweep_id == sweep_id))}
            for name, path, sha in profiles:
                before = known.get(name)
                if before is None:
                    self._conn.execute(t["sweep_profiles"].insert().values(
                        sweep_id=sweep_id, name=name, path=path, sha256=sha))
                elif before.sha256 != sha:
                    raise InputError(
                        f"{path}: profile '{name}' changed since sweep '{sweep_id}' began "
                        f"(sha256 {before.sha256[:12]}... then, {sha[:12]}... now); its stored "
                        "episodes ran the old version. Run it under a new --sweep-id, or pass "
                        "--no-resume to drop the stored episodes and start over")

    def add(self, sweep_id: str, sha256: str, result: dict[str, Any], text: str) -> bool:
        """Commit one finished episode; False when the sweep already holds its key.

        Args:
            sweep_id: The sweep.
            sha256: The episode's profile's sha256.
            result: The EpisodeResult as JSON data.
            text: The same, as JSON text (stored whole).
        """
        faults = result["faults"]
        row = {
            "sweep_id": sweep_id, "key": result["key"], "profile": result["profile"],
            "profile_sha256": sha256, "model": result["model"], "seed": result["seed"],
            "arm": result["arm"], "status": result["status"],
            "task_passed": result["task"]["passed"],
            "failing": is_failing_data(result),
            "result": text,
        }
        fault_rows = [{"sweep_id": sweep_id, "key": result["key"], "fault_id": f["id"],
                       "profile": result["profile"], "model": result["model"],
                       "seed": result["seed"], "kind": f["kind"], "outcome": f["outcome"]}
                      for f in faults]
        try:
            with self._begin():
                self._conn.execute(self.t["episodes"].insert(), row)
                if fault_rows:
                    self._conn.execute(self.t["faults"].insert(), fault_rows)
        except self._sa.exc.IntegrityError:
            return False  # stored already (another run of the same sweep got there first)
        except self._sa.exc.OperationalError as error:
            raise self._unwritable(error) from None
        return True

    def _unwritable(self, error: Any) -> Exception:
        """A full or read-only store as the user's error to fix; anything else as it is."""
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        if not _unwritable_reason(reason):
            return error  # type: ignore[no-any-return]
        # What is committed stays: the same command resumes once there is room.
        return InputError(f"cannot write to the store {self.url}: {reason}; free some space "
                          "there or choose another --store, then run the same command again "
                          "to resume")

    # -- reading -----------------------------------------------------------------------------

    def count(self, sweep_id: str) -> int:
        """Episodes stored for the sweep."""
        e = self.t["episodes"]
        rows = self._all(self._sa.select(self._sa.func.count()).where(e.c.sweep_id == sweep_id))
        return int(rows[0][0] or 0)

    def keys(self, sweep_id: str) -> set[str]:
        """The keys of the sweep's stored episodes."""
        e = self.t["episodes"]
        return {r.key for r in self._all(self._sa.select(e.c.key).where(
            e.c.sweep_id == sweep_id))}

    def results(self, sweep_id: str, profile: str,
                seeds: Iterable[int]) -> Iterator[tuple[int, str, str, str]]:
        """(seed, model, arm, result JSON) of a profile's stored episodes on these seeds."""
        e = self.t["episodes"]
        query = (self._sa.select(e.c.seed, e.c.model, e.c.arm, e.c.result)
                 .where(e.c.sweep_id == sweep_id, e.c.profile == profile,
                        e.c.seed.in_(list(seeds))))
        for row in self._all(query):
            yield row.seed, row.model, row.arm, row.result

    def sweeps(self, last: int | None = None) -> list[StoredSweep]:
        """Sweeps by the time they began, oldest first (the `last` newest when given)."""
        s, e = self.t["sweeps"], self.t["episodes"]
        counts = (self._sa.select(e.c.sweep_id, self._sa.func.count().label("n"))
                  .group_by(e.c.sweep_id).subquery())
        query = (self._sa.select(s.c.id, s.c.created_at, counts.c.n)
                 .join_from(s, counts, s.c.id == counts.c.sweep_id, isouter=True)
                 .order_by(s.c.created_at.desc(), s.c.id.desc()))
        if last is not None:
            query = query.limit(last)
        rows = self._all(query)
        return [StoredSweep(r.id, r.created_at, int(r.n or 0)) for r in reversed(rows)]

    def has_sweep(self, sweep_id: str) -> bool:
        """Whether the store holds this sweep id."""
        s = self.t["sweeps"]
        return bool(self._all(self._sa.select(s.c.id).where(s.c.id == sweep_id)))

    def profiles(self, sweep_id: str) -> dict[str, tuple[str, str]]:
        """The sweep's profiles: name -> (path, sha256)."""
        p = self.t["sweep_profiles"]
        rows = self._all(self._sa.select(p).where(p.c.sweep_id == sweep_id))
        return {r.name: (r.path, r.sha256) for r in rows}

    def fault_counts(self, sweep_ids: Sequence[str]) -> list[tuple[str, str, str, str, str, int]]:
        """(sweep, profile, model, kind, outcome, n) over the chaos-arm faults of the sweeps."""
        f, sa = self.t["faults"], self._sa
        query = (sa.select(f.c.sweep_id, f.c.profile, f.c.model, f.c.kind, f.c.outcome,
                           sa.func.count().label("n"))
                 .where(f.c.sweep_id.in_(list(sweep_ids)))
                 .group_by(f.c.sweep_id, f.c.profile, f.c.model, f.c.kind, f.c.outcome))
        return [tuple(r) for r in self._all(query)]  # type: ignore[misc]

    def task_counts(self, sweep_ids: Sequence[str]) -> list[tuple[str, str, str, str, int, int]]:
        """(sweep, profile, model, arm, episodes, tasks passed) of the sweeps."""
        e, sa = self.t["episodes"], self._sa
        passed = sa.func.sum(sa.case((e.c.task_passed, 1), else_=0))
        query = (sa.select(e.c.sweep_id, e.c.profile, e.c.model, e.c.arm,
                           sa.func.count().label("n"), passed.label("passed"))
                 .where(e.c.sweep_id.in_(list(sweep_ids)))
                 .group_by(e.c.sweep_id, e.c.profile, e.c.model, e.c.arm))
        return [(r[0], r[1], r[2], r[3], int(r[4]), int(r[5] or 0))
                for r in self._all(query)]

    def fault_units(self, sweep_id: str) -> Iterator[tuple[str, str, str, int, str, str]]:
        """(profile, model, kind, seed, fault id, outcome) of every fault of the sweep."""
        f = self.t["faults"]
        query = self._sa.select(f.c.profile, f.c.model, f.c.kind, f.c.seed, f.c.fault_id,
                                f.c.outcome).where(f.c.sweep_id == sweep_id)
        with self._begin():
            for r in self._conn.execute(query):
                yield r[0], r[1], r[2], int(r[3]), r[4], r[5]

    def handled_units(self, sweep_id: str) -> Iterator[tuple[str, str, int, bool]]:
        """(profile, model, seed, handled) of every chaos-arm episode of the sweep.

        Read from the stored results (no column holds it); episodes stored before chaos judged
        `handled` are left out.
        """
        e = self.t["episodes"]
        query = self._sa.select(e.c.profile, e.c.model, e.c.seed, e.c.result).where(
            (e.c.sweep_id == sweep_id) & (e.c.arm == "chaos"))
        with self._begin():
            for r in self._conn.execute(query):
                handled = json.loads(r[3]).get("handled")
                if isinstance(handled, bool):
                    yield r[0], r[1], int(r[2]), handled

    def task_units(self, sweep_id: str) -> Iterator[tuple[str, str, str, int, bool]]:
        """(profile, model, arm, seed, task passed) of every episode of the sweep."""
        e = self.t["episodes"]
        query = self._sa.select(e.c.profile, e.c.model, e.c.arm, e.c.seed,
                                e.c.task_passed).where(e.c.sweep_id == sweep_id)
        with self._begin():
            for r in self._conn.execute(query):
                yield r[0], r[1], r[2], int(r[3]), bool(r[4])
