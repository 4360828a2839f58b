"""Profile schema v1: what a user writes in YAML, as pydantic models.

Every model forbids unknown keys, so a typo is an error that names the key, never a silently
ignored setting. Faults and models are tagged unions (on `kind` and on the provider prefix).
"""

from __future__ import annotations

import posixpath
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chaos._seeding import MAX_EPISODES, MAX_SEED

__all__ = [
    "AgentSpec",
    "ChainSpec",
    "FaultSpec",
    "GateSetSpec",
    "GatesSpec",
    "LatencySpec",
    "OutcomeGateSpec",
    "LimitsSpec",
    "ModelSpec",
    "PluginModelSpec",
    "PriceSpec",
    "RemoteModelSpec",
    "ReplayModelSpec",
    "RetrySpec",
    "Profile",
    "ScriptedModelSpec",
    "TargetSpec",
    "TaskGateSpec",
    "TaskSpec",
    "TriggerSpec",
    "UserToolSpec",
    "WorldFileSpec",
    "WorldSpec",
    "epoch_seconds",
]


#: Most faults or world files in a profile (every episode plans each fault and reports it).
MAX_ITEMS = 1000
#: Most agents, models or user tools in a profile.
MAX_AGENTS = 100


class Strict(BaseModel):
    """Base for profile models: unknown keys are errors, instances are immutable."""

    # inf and nan are no price, latency or rate: they would poison every figure after them.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AgentSpec(Strict):
    """One agent of the chain.

    Attributes:
        instructions: The system prompt.
        tools: Tool names this agent may call.
        delegates_to: Agents it may hand work to with `delegate`.
        model: Pin this agent to a model; by default it runs the model under test.
        role: What it does in the chain (`finder`, `checker`, `sender`, `writer`); by default
            inferred from its tools. Agents handing work on pick sub-agents by role.
    """

    instructions: str = ""
    tools: list[str]
    delegates_to: list[str] = []
    model: str | None = None
    role: Literal["finder", "checker", "sender", "writer"] | None = None


_DOTTED = r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*"
#: A Python function named `module.path:attribute` (chain.function, --agent-function).
FUNCTION_NAME = rf"{_DOTTED}:{_DOTTED}"
#: Linux limits a path to 4095 bytes and a name to 255; a glob or path beyond fits no file.
PATH_MAX = 4095
NAME_MAX = 255
#: Longest name or id (it becomes part of folder names: profile/model/seed-N/arm).
ID_MAX = 128
#: Longest model id after its provider (model ids name folders of at most 255 bytes).
MODEL_MAX = 200
#: Longest simulated time in ms (~31 years): any latency, window or wait beyond is a typo.
MS_MAX = 10**12


def _fits_paths(value: str | None) -> str | None:
    """A glob or path within Linux's PATH_MAX and NAME_MAX."""
    if value is None:
        return value
    if len(value.encode("utf-8", "surrogatepass")) > PATH_MAX:
        raise ValueError(f"is {len(value.encode('utf-8', 'surrogatepass')):,} bytes; a path "
                         f"or glob holds at most {PATH_MAX} (Linux's PATH_MAX): shorten it")
    if any(len(p.encode("utf-8", "surrogatepass")) > NAME_MAX for p in value.split("/")):
        raise ValueError(f"has a name longer than {NAME_MAX} bytes (Linux's NAME_MAX); "
                         "shorten it")
    return value


#: Most rows of one declared table (`rows:`): each becomes a line, and maybe a file.
MAX_ROWS = 10_000
#: Most cells of all declared tables together: Faker draws ~20k cells a second here, so the
#: world of one seed stays within ~5 s however the rows and columns are spread.
MAX_TABLE_CELLS = 100_000
#: Text encodings a declared text file may be written in.
Encoding = Literal["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]
#: Formats `make:` builds (chaos.world._formats.MAKE_FORMATS).
MakeFormat = Literal["pdf", "docx", "xlsx", "zip", "png", "jpeg", "gif", "mp4", "csv", "json",
                     "eml"]
#: Column kinds a table draws from Faker (chaos.world._tables.COLUMN_KINDS).
ColumnKind = Literal["name", "first_name", "last_name", "email", "company", "phone", "city",
                     "country", "address", "amount", "int", "date", "datetime", "word",
                     "sentence", "sku", "uuid", "bool"]
Scalar = str | int | float | bool
_MODE = re.compile(r"0?[0-7]{3}")
_TEMPLATE = re.compile(r"\{([^{}]*)\}")


class ColumnSpec(Strict):
    """A table column beyond a plain kind: exactly one of the keys.

    Attributes:
        format: `"INV-{n:04d}"`: the 1-based row number, formatted.
        choice: One of these values per row, drawn from the table's seed.
        int_: (`int:`) A whole number from lo to hi.
        amount: A money amount from lo to hi, two decimals.
        const: The same value in every row.
    """

    model_config = ConfigDict(populate_by_name=True)
    format: str | None = Field(None, max_length=ID_MAX)
    choice: list[Scalar] | None = Field(None, min_length=1, max_length=MAX_ITEMS)
    # Lists of two, not tuples: `[1]` then reads "at least 2 items", not "missing key '1'".
    int_: list[int] | None = Field(None, alias="int", min_length=2, max_length=2)
    amount: list[float] | None = Field(None, min_length=2, max_length=2)
    const: Scalar | None = None

    @field_validator("format")
    @classmethod
    def _formats_n(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                value.format(n=1)
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"format must use only {{n}}, the row number, e.g. "
                                 f"'INV-{{n:04d}}' ({type(exc).__name__}: {exc})") from None
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ColumnSpec:
        given = [k for k in ("format", "choice", "int", "amount", "const")
                 if getattr(self, "int_" if k == "int" else k) is not None]
        if len(given) != 1:
            raise ValueError("a column needs exactly one of format, choice, int, amount, const"
                             + (f" (got {', '.join(given)})" if given else ""))
        for name, bounds in (("int", self.int_), ("amount", self.amount)):
            if bounds is not None and bounds[0] > bounds[1]:
                raise ValueError(f"{name}: [lo, hi] needs lo <= hi, got {list(bounds)}")
        return self


def _column_form(value: Any) -> str:
    # A kind's name or a mapping: one error for a bad column, not one per form it is not.
    return "kind" if isinstance(value, str) else "spec"


#: A table column: a kind's name, or a ColumnSpec mapping.
Column = Annotated[Annotated[ColumnKind, Tag("kind")] | Annotated[ColumnSpec, Tag("spec")],
                   Discriminator(_column_form)]


class WorldFileSpec(Strict):
    """A file (or, with `from` or `for_each_row`, several) the profile adds to the world.

    Exactly one content source: `text`, `base64`, `from`, `make` (whose body `text` may give)
    or `rows` (a seeded table; `make: csv|json|xlsx` picks its format).

    Attributes:
        path: Absolute path in the fake filesystem (`{col}` placeholders with `for_each_row`;
            a folder for `from` a folder).
        text: The content, written in `encoding`; with `make`, the body the format carries.
        encoding: How `text` (or a table) is encoded.
        base64: The content as base64.
        from_: (`from:`) A real file or folder, relative to the profile file's folder.
        make: Build real bytes of this format from `title`, `text` and `meta`.
        title: The made file's title.
        meta: The made file's metadata (PDF Info, document properties, mail headers...).
        rows: A seeded table of this many rows...
        columns: ...with these columns (a kind name, or a ColumnSpec).
        checksums_of: A SHA256SUMS listing (`<sha256>  <name>` lines, as `sha256sum` writes)
            of the world files this glob matches when the entry is built (earlier entries).
        for_each_row: One file per row of this table (an earlier entry, or a world CSV/JSON).
        mtime: Modification time: ISO 8601 or epoch seconds.
        mode: Permission bits as an octal string (`"0444"`: a write is refused).
        tags: Labels fault targets and expectations can name.
    """

    path: str = Field(pattern=r"^/")
    encoding: Encoding = "utf-8"
    text: str | None = None
    base64: str | None = None
    from_: str | None = Field(None, alias="from", min_length=1)
    make: MakeFormat | None = None
    title: str | None = Field(None, max_length=10_000)
    meta: dict[Annotated[str, Field(min_length=1, max_length=ID_MAX)], Scalar] = Field(
        {}, max_length=100)
    rows: int | None = Field(None, ge=0, le=MAX_ROWS)
    columns: dict[Annotated[str, Field(min_length=1, max_length=ID_MAX)],
                  Column] | None = Field(None, min_length=1, max_length=100)
    checksums_of: str | None = Field(None, pattern=r"^/", max_length=PATH_MAX)
    for_each_row: str | None = Field(None, pattern=r"^/")
    mtime: str | int | None = None
    mode: str | None = None
    tags: list[Annotated[str, Field(max_length=ID_MAX)]] = []

    model_config = ConfigDict(populate_by_name=True)
    #: The folder `from` is relative to: the file that declares the entry (set on loading).
    _base: str | None = PrivateAttr(None)

    def source_root(self) -> str | None:
        """The folder `from:` is read relative to (None: the working directory)."""
        return self._base

    @field_validator("path")
    @classmethod
    def _plain_path(cls, value: str) -> str:
        bare = value.rstrip("/") or "/"
        if posixpath.normpath(bare) != bare or bare == "/" or "\x00" in value:
            raise ValueError("must be a normalised absolute file path (no '..', '//', or "
                             "trailing '/')")
        return _fits_paths(value) or value

    @field_validator("text")
    @classmethod
    def _encodable(cls, value: str | None, info: ValidationInfo) -> str | None:
        encoding = info.data.get("encoding", "utf-8")
        try:
            (value or "").encode(encoding)
        except UnicodeEncodeError as exc:
            raise ValueError(f"{exc.object[exc.start:exc.end]!r} at character {exc.start} "
                             f"cannot be written in {encoding}; use utf-8 or remove the "
                             "character") from None
        return value

    @field_validator("mtime", mode="before")
    @classmethod
    def _yaml_dates(cls, value: Any) -> Any:
        # YAML reads an unquoted `2026-03-02` or `2026-03-02T09:00:00Z` as a date: take it.
        from datetime import UTC, date, datetime

        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return value

    @field_validator("mode", mode="before")
    @classmethod
    def _quoted_mode(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError("write mode as a quoted octal string such as \"0444\" (YAML "
                             f"reads an unquoted mode as a number: {value})")
        return value

    @field_validator("mtime")
    @classmethod
    def _moment(cls, value: str | int | None) -> str | int | None:
        if value is not None:
            epoch_seconds(value)
        return value

    @field_validator("mode")
    @classmethod
    def _octal(cls, value: str | None) -> str | None:
        if value is not None and not _MODE.fullmatch(value):
            raise ValueError(f"mode must be an octal string such as \"0644\" or \"0444\", not "
                             f"{value!r}")
        return value

    @field_validator("base64")
    @classmethod
    def _decodes(cls, value: str | None) -> str | None:
        if value is not None:
            import base64
            import binascii

            try:
                base64.b64decode("".join(value.split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"not valid base64 ({exc}); paste the output of "
                                 "`base64 -w0 FILE`") from None
        return value

    @field_validator("from_")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith(("/", "~")) or "\x00" in value):
            raise ValueError("write the path relative to the profile file's folder, e.g. "
                             "'fixtures/matters/'")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> WorldFileSpec:
        sources = [name for name, given in (
            ("text", self.text is not None and self.make is None),
            ("base64", self.base64 is not None), ("from", self.from_ is not None),
            ("make", self.make is not None and self.rows is None),
            ("rows", self.rows is not None),
            ("checksums_of", self.checksums_of is not None)) if given]
        if len(sources) != 1:
            raise ValueError("a world file needs exactly one of text, base64, from, make, rows, "
                             "checksums_of"
                             + (f" (got {', '.join(sources)})" if sources else ""))
        if self.path.endswith("/") and self.from_ is None:
            raise ValueError(f"{self.path} ends in '/', a folder: only from: fills a folder; "
                             "name the file")
        if (self.rows is None) != (self.columns is None):
            raise ValueError("rows and columns go together: rows: N with columns: {...}")
        if self.rows is not None and self.make not in (None, "csv", "json", "xlsx"):
            raise ValueError(f"a table is written as csv, json or xlsx, not make: {self.make}")
        if self.rows is not None and self.text is not None:
            raise ValueError("a table's content is its rows: remove text")
        if (self.title is not None or self.meta) and self.make is None:
            raise ValueError("title and meta describe a made file: add make: pdf (or docx, "
                             "png...)")
        if self.for_each_row is not None and (self.from_ is not None or self.rows is not None
                                              or self.checksums_of is not None):
            raise ValueError("for_each_row makes one file per row from text, base64 or make, "
                             "not from a folder or another table")
        if self.for_each_row is None and _TEMPLATE.search(self.path):
            raise ValueError(f"{self.path} has a {{placeholder}}: add for_each_row: <table "
                             "path> to make one file per row")
        if self.encoding != "utf-8" and self.make not in (None, "csv", "json"):
            raise ValueError(f"encoding applies to text, csv and json files, not make: "
                             f"{self.make}")
        if self.encoding != "utf-8" and self.text is None and self.rows is None:
            raise ValueError("encoding applies to text or a table: add text or rows")
        return self


def epoch_seconds(value: str | int) -> int:
    """An `mtime` as whole seconds since the epoch (ISO 8601 without a zone is UTC).

    Raises:
        ValueError: A date that is not ISO 8601, or a moment before 1970 or after 9999.
    """
    from datetime import UTC, datetime

    if isinstance(value, bool):
        raise ValueError("mtime must be an ISO date or epoch seconds, not a boolean")
    if isinstance(value, int):
        moment = value
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"mtime {value!r} is not ISO 8601; write e.g. "
                             "\"2026-03-02T09:00:00Z\" or epoch seconds") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        moment = int(parsed.timestamp())
    if not 0 <= moment <= 253402300799:
        raise ValueError(f"mtime {value!r} is outside 1970-01-01 .. 9999-12-31")
    return moment


class WorldSpec(Strict):
    """Which world generator (optional), with which parameters, plus the profile's own files.

    Attributes:
        generator: A registered world generator; omitted, the world holds only `files`.
        params: The generator's parameters.
        files: Files the profile declares, added after the generator's (later wins).
    """

    generator: str | None = Field(None, min_length=1)
    params: dict[str, Any] = {}
    files: list[WorldFileSpec] = Field([], max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _tables_fit(self) -> WorldSpec:
        cells = sum((f.rows or 0) * len(f.columns or {}) for f in self.files)
        if cells > MAX_TABLE_CELLS:
            raise ValueError(f"the tables of world.files hold {cells} cells (rows x columns); "
                             f"at most {MAX_TABLE_CELLS}: declare fewer rows or columns")
        return self

    @model_validator(mode="after")
    def _params_need_a_generator(self) -> WorldSpec:
        if self.params and self.generator is None:
            raise ValueError("params are a generator's: add generator: <name> (see "
                             "`chaos schema`) or remove params")
        return self


class UserToolSpec(Strict):
    """A team's own Python function, offered to agents as a tool (`tools:` of a profile).

    It runs inside the episode's world: `open`, `os` and `pathlib` see the fake filesystem.

    Attributes:
        callable: `package.module:function`, importable where chaos runs (installed, or on
            PYTHONPATH).
        description: What the model is told the tool does (default: the docstring's first
            paragraph).
        parameters: JSON Schema of the function's keyword arguments: an object schema.
    """

    callable: str
    description: str | None = None
    parameters: dict[str, Any] = {"type": "object", "properties": {}}

    @field_validator("callable")
    @classmethod
    def _module_and_name(cls, value: str) -> str:
        if re.fullmatch(FUNCTION_NAME, value) is None:
            raise ValueError(f"'{value}' is not module:function; write e.g. "
                             "mytools.media:checksum")
        return value

    @field_validator("parameters")
    @classmethod
    def _object_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value.get("type") != "object" or not isinstance(value.get("properties", {}), dict):
            raise ValueError("parameters is a JSON Schema of type object, e.g. {type: object, "
                             "properties: {path: {type: string}}, required: [path]}")
        return value


#: Longest wall-clock time a team's own agent may run in one episode (a day).
AGENT_TIMEOUT_MAX_S = 86_400.0


class ChainSpec(Strict):
    """The agents and which one receives the task.

    Attributes:
        entry: The agent that receives the task; its `finish` is the episode's answer.
        agents: The chain's agents: their tools (what an outside agent is served too).
        command: Run the team's own agent instead of the chain's models: a command (a list,
            or one string split as a shell would) started once per episode, with the
            episode's MCP server and model gateway in its environment (README).
        function: Or a Python function `module:attribute`, awaited once per episode as
            `agent(task, tools, model_base_url)`.
        timeout_s: Wall-clock seconds the command or function may run before the episode is
            crashed (default: the profile's `limits.episode_timeout_s`).
        env: Extra environment variables for the command.
        cwd: The command's working folder, relative to the profile's folder (default: the
            profile's folder).
    """

    entry: str
    agents: dict[str, AgentSpec] = Field(max_length=MAX_AGENTS)
    command: list[Annotated[str, Field(min_length=1, max_length=PATH_MAX)]] | None = Field(
        None, min_length=1, max_length=1000)
    function: str | None = Field(None, pattern=rf"^{FUNCTION_NAME}$")
    timeout_s: float | None = Field(None, gt=0, le=AGENT_TIMEOUT_MAX_S)
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str] = Field(
        {}, max_length=1000)
    cwd: str | None = Field(None, max_length=PATH_MAX)

    @field_validator("command", mode="before")
    @classmethod
    def _split_command(cls, value: Any) -> Any:
        if isinstance(value, str):
            import shlex

            try:
                return shlex.split(value)
            except ValueError as exc:
                raise ValueError(f"cannot split the command as a shell would ({exc}); write "
                                 "it as a list of arguments") from None
        return value

    @model_validator(mode="after")
    def _own_agent(self) -> ChainSpec:
        if self.command is not None and self.function is not None:
            raise ValueError("chain.command and chain.function both name the agent to run; "
                             "keep one")
        if not self.runs_own_agent:
            for extra in ("timeout_s", "cwd"):
                if getattr(self, extra) is not None:
                    raise ValueError(f"chain.{extra} applies to chain.command or chain."
                                     "function; add one, or remove it")
            if self.env:
                raise ValueError("chain.env applies to chain.command; add one, or remove it")
            for name, agent in self.agents.items():
                if not agent.instructions.strip():
                    raise ValueError(f"chain.agents.{name}.instructions is empty: the chain's "
                                     "agents run on the models under test and need their "
                                     "instructions (only a chain.command or chain.function "
                                     "agent may leave them out)")
        return self

    @property
    def runs_own_agent(self) -> bool:
        """Whether a team's own agent (command or function) acts instead of the chain's models."""
        return self.command is not None or self.function is not None


class TaskSpec(Strict):
    """The task given to the entry agent.

    Attributes:
        kind: A registered task kind; it writes the prompt, the result schema and the checks.
        params: The task kind's parameters.
        prompt: Extra text appended to the task's own prompt (for `kind: expect`, the whole
            brief, with `{placeholders}` filled from the world).
        expect: For `kind: expect`: the expected end state, one entry per expectation
            (checked by the task kind).
    """

    kind: str = "highlight_package"
    params: dict[str, Any] = {}
    prompt: str = ""
    expect: list[dict[str, Any]] | None = Field(None, max_length=MAX_ITEMS)

    @field_validator("expect")
    @classmethod
    def _expect_kind(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if value is not None and kind != "expect":
            raise ValueError(f"task.expect declares the end state of task kind 'expect', not "
                             f"'{kind}'; set task.kind: expect or remove task.expect")
        return value


class TargetSpec(Strict):
    """Which world files a fault acts on.

    Attributes:
        tag: Files carrying this tag (a generator's or a `world.files` entry's); `@needed`:
            the files the task needs.
        glob: Files whose path matches this glob.
        pick: How many of the matching files, drawn with the episode's seeded RNG.
    """

    tag: str | None = Field(None, max_length=ID_MAX)
    glob: str | None = None
    pick: int = Field(1, ge=1, le=1_000_000)

    @field_validator("glob")
    @classmethod
    def _glob_fits(cls, value: str | None) -> str | None:
        return _fits_paths(value)

    @model_validator(mode="after")
    def _needs_a_selector(self) -> TargetSpec:
        if self.tag is None and self.glob is None:
            raise ValueError("a target needs 'tag' or 'glob' (or both)")
        return self


class TriggerSpec(Strict):
    """When a fault takes effect.

    The parts combine: the nth matching event inside `window`, then one seeded draw with
    `probability` per episode.

    Attributes:
        when: `start` (before the chain starts), `time` (at simulated `at_ms`), `tool_call`
            (just before a matching tool call), `model_call` (just before a matching model call)
            or `delegation` (just before a matching hand-off).
        at_ms: For `time`: the simulated millisecond.
        tool: For `tool_call`: the tool name.
        agent: For `tool_call`, `model_call`, `delegation`: the calling agent.
        path: For `tool_call`: a glob the call's path (or a search's folder) must match.
        to: For `delegation`: the agent handed the work.
        nth: Take effect at the nth matching event (counted from 1), not before.
        probability: The share of episodes the fault happens in: one draw from the episode's
            seeded RNG, at the start, at the time, or at the nth matching event.
        window: Only events at simulated times in [start, end) count.
    """

    when: Literal["start", "time", "tool_call", "model_call", "delegation"] = "start"
    at_ms: int | None = Field(None, ge=0, le=MS_MAX)
    tool: str | None = Field(None, max_length=ID_MAX)
    agent: str | None = Field(None, max_length=ID_MAX)
    path: str | None = None
    to: str | None = Field(None, max_length=ID_MAX)
    nth: int = Field(1, ge=1, le=1_000_000)
    probability: float = Field(1.0, ge=0.0, le=1.0)
    window: tuple[Annotated[int, Field(ge=0, le=MS_MAX)],
                  Annotated[int, Field(ge=0, le=MS_MAX)]] | None = None

    @field_validator("path")
    @classmethod
    def _path_fits(cls, value: str | None) -> str | None:
        return _fits_paths(value)

    @model_validator(mode="after")
    def _consistent(self) -> TriggerSpec:
        if (self.when == "time") != (self.at_ms is not None):
            raise ValueError("'at_ms' goes with when: time, and when: time needs 'at_ms'")
        if self.window is not None and not 0 <= self.window[0] < self.window[1]:
            raise ValueError("window is [start_ms, end_ms) with 0 <= start < end: write e.g. "
                             "[0, 60000]")
        event = self.when in ("tool_call", "model_call", "delegation")
        if not event and self.nth != 1:
            raise ValueError(f"'nth' counts events; when: {self.when} has none")
        misplaced = [name for name, ok in (("tool", self.when == "tool_call"),
                                           ("path", self.when == "tool_call"),
                                           ("to", self.when == "delegation"),
                                           ("agent", event)) if getattr(self, name) and not ok]
        if misplaced:
            raise ValueError(f"{', '.join(misplaced)} do(es) not apply to when: {self.when}; "
                             "remove it or change 'when'")
        return self


class FaultSpecBase(Strict):
    """Fields every fault has; each kind adds `kind` and its own `params`.

    Attributes:
        id: A name for this fault, unique in the profile; results refer to it.
        target: The files it acts on.
        trigger: When it takes effect.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=ID_MAX)
    target: TargetSpec = TargetSpec(tag="@needed")
    trigger: TriggerSpec = TriggerSpec()


class ScriptedModelSpec(Strict):
    """A built-in deterministic reference agent: `scripted/<policy>`."""

    provider: Literal["scripted"] = "scripted"
    policy: str = Field(max_length=MODEL_MAX)

    @property
    def id(self) -> str:
        """The model's id as written: `scripted/careful`."""
        return f"scripted/{self.policy}"


class PriceSpec(Strict):
    """What a model costs, in US dollars per million tokens."""

    input_per_mtok: float = Field(0.0, ge=0)
    output_per_mtok: float = Field(0.0, ge=0)


class RemoteModelSpec(Strict):
    """A model behind an API: `openai/<model>` (OpenAI-compatible) or `anthropic/<model>`.

    Attributes:
        provider: `openai` or `anthropic`.
        model: The provider's model name (may hold slashes, as OpenRouter's do).
        base_url: The endpoint (OpenRouter, vLLM, Ollama, llama.cpp...); the SDK default if unset.
        api_key_env: The environment variable holding the key (default: OPENAI_API_KEY or
            ANTHROPIC_API_KEY; OPENROUTER_API_KEY for an OpenRouter base_url).
        temperature: Sampling temperature, if set.
        max_tokens: Most output tokens per call.
        seed: Sampling seed, where the provider supports one.
        timeout_s: Wall-clock timeout of one call.
        price: Price per million input and output tokens, for cost figures.
        max_in_flight: Most calls in flight at once to this provider endpoint, across all
            running episodes (unset: as many as `--concurrency` brings).
    """

    provider: Literal["openai", "anthropic"]
    model: str = Field(min_length=1, max_length=MODEL_MAX)
    base_url: str | None = Field(None, max_length=PATH_MAX)
    api_key_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int = Field(1024, ge=1)
    seed: int | None = Field(None, ge=-(2**63), le=2**63 - 1)  # providers take an int64
    timeout_s: float = Field(60.0, gt=0, le=86_400)
    price: PriceSpec = PriceSpec()
    max_in_flight: int | None = Field(None, ge=1)

    @property
    def id(self) -> str:
        """The model's id as written: `openai/gpt-4.1-mini`."""
        return f"{self.provider}/{self.model}"


class ReplayModelSpec(Strict):
    """A recorded model: `replay/<cassette.jsonl>` answers from a `--record`ed cassette."""

    provider: Literal["replay"] = "replay"
    cassette: str = Field(min_length=1, max_length=MODEL_MAX)

    @property
    def id(self) -> str:
        """The model's id as written: `replay/runs/x/cassettes/openai-careful.jsonl`."""
        return f"replay/{self.cassette}"


_BUILT_IN_PROVIDERS = ("scripted", "openai", "anthropic", "replay")


class PluginModelSpec(Strict):
    """A model from a plugin's provider: `acme/<model>`, or written out with its options.

    Attributes:
        provider: The name a plugin registered its provider under (`acme` for `acme/<model>`).
        model: The provider's model name.
        options: The provider's own settings, validated by the plugin.
        api_key_env: The environment variable holding the key (default: the provider's).
        price: Price per million input and output tokens, for cost figures.
    """

    provider: str = Field(pattern=r"^[a-z][a-z0-9_-]*$",
                          json_schema_extra={"not": {"enum": list(_BUILT_IN_PROVIDERS)}})
    model: str = Field(min_length=1, max_length=MODEL_MAX)
    options: dict[str, Any] = {}
    api_key_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    price: PriceSpec = PriceSpec()

    @field_validator("options")
    @classmethod
    def _provider_options(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from chaos.models._providers import options_problem

        if problem := options_problem(str(info.data.get("provider")), value):
            raise ValueError(problem)
        return value

    @field_validator("api_key_env")
    @classmethod
    def _masked_key(cls, value: str | None) -> str | None:
        from chaos.models._providers import SECRET_NAME

        if value is not None and not SECRET_NAME.search(value):
            raise ValueError(f"'{value}' must contain KEY, TOKEN, SECRET or PASSWORD, so that "
                             "chaos masks its value in every artifact")
        return value

    @property
    def id(self) -> str:
        """The model's id as written: `acme/careful`."""
        return f"{self.provider}/{self.model}"


def _provider_tag(value: Any) -> str | None:
    """Which spec a `models` item is: a built-in provider's, or a plugin's (`plugin`).

    Unknown providers are plugin specs here; `model_problem` says they are unknown, with the
    registered providers and a did-you-mean.
    """
    name = value.get("provider") if isinstance(value, dict) else getattr(value, "provider", None)
    if name is None:
        return None
    if name in ("openai", "anthropic"):
        return "openai"  # one spec for both; its own `provider` field tells them apart
    return name if name in _BUILT_IN_PROVIDERS else "plugin"


ModelSpec = Annotated[
    Annotated[ScriptedModelSpec, Tag("scripted")] | Annotated[RemoteModelSpec, Tag("openai")]
    | Annotated[ReplayModelSpec, Tag("replay")] | Annotated[PluginModelSpec, Tag("plugin")],
    Discriminator(_provider_tag)]


class LatencySpec(Strict):
    """A latency distribution in integer simulated milliseconds.

    Attributes:
        dist: `constant`, `uniform` or `lognormal`.
        ms: The constant value, or the median for `lognormal`.
        min_ms: Lower bound for `uniform`.
        max_ms: Upper bound for `uniform`, and a cap for `lognormal`.
        sigma: Spread of `lognormal`.
    """

    dist: Literal["constant", "uniform", "lognormal"] = "constant"
    ms: int = Field(0, ge=0, le=MS_MAX)
    min_ms: int = Field(0, ge=0, le=MS_MAX)
    max_ms: int = Field(600_000, ge=0, le=MS_MAX)
    sigma: float = Field(0.5, ge=0, le=10)


class RetrySpec(Strict):
    """How the chain retries a failed model call (429, 5xx, timeout), in simulated time.

    Waits back off exponentially, or as long as the server's Retry-After if that is longer.

    Attributes:
        attempts: Calls in all, the first included (1: no retry).
        backoff_ms: The first wait.
        max_backoff_ms: The longest wait.
    """

    attempts: int = Field(3, ge=1, le=20)
    backoff_ms: int = Field(2000, ge=0, le=MS_MAX)
    max_backoff_ms: int = Field(60_000, ge=0, le=MS_MAX)


class LimitsSpec(Strict):
    """Bounds on an episode.

    Attributes:
        steps_per_agent: Model calls one agent invocation may make.
        deadline_ms: Simulated time after which the episode is crashed.
        model_latency: How long a model call takes in simulated time.
        tool_latency: How long a tool call takes in simulated time.
        retry: How failed model calls are retried, in simulated time.
        episode_timeout_s: Wall-clock seconds an episode may run before it is crashed (a
            model that never answers); `--episode-timeout` overrides it.
        disk_quota_mb: MiB an episode may write to its in-memory disk beyond the world's own
            files; a write past it fails with ENOSPC, as on a full disk.
    """

    steps_per_agent: int = Field(40, ge=1, le=10_000)
    deadline_ms: int = Field(900_000, ge=1)
    model_latency: LatencySpec = LatencySpec(dist="lognormal", ms=1200, sigma=0.4, max_ms=30_000)
    retry: RetrySpec = RetrySpec()
    tool_latency: LatencySpec = LatencySpec(dist="uniform", min_ms=20, max_ms=120)
    episode_timeout_s: float = Field(900.0, gt=0, le=86_400)
    # Bounded: the disk lives in memory, once per episode in flight.
    disk_quota_mb: int = Field(64, ge=0, le=512)


class GateSpecBase(Strict):
    """A threshold on one rate: `{max: 0.05}` or `{min: 0.9, confidence: strict}`.

    Thresholds are fractions in [0, 1]. Each gate is judged per model, on one value:

    - `point` (default): the rate itself;
    - `strict`: the pessimistic end of its Wilson 95 % interval (the upper bound for `max`, the
      lower bound for `min`), so that a small sample cannot pass by luck;
    - `lower` / `upper`: that bound, whatever the threshold (`{min: 0.9, confidence: upper}`
      fails only when even the optimistic bound is below 0.9).

    Attributes:
        min: The value must be at least this.
        max: The value must be at most this.
        confidence: Which value is judged: point, strict, lower or upper.
    """

    min: float | None = None
    max: float | None = None
    confidence: Literal["point", "strict", "lower", "upper"] = "point"

    @field_validator("min", "max")
    @classmethod
    def _fraction(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= 1:
            raise ValueError("thresholds are rates in [0, 1]; write 0.05 for 5 %")
        return value

    @model_validator(mode="after")
    def _one_threshold(self) -> GateSpecBase:
        if (self.min is None) == (self.max is None):
            raise ValueError("a gate needs exactly one of 'min' or 'max' (for a band, write "
                             "two gates in a list)")
        return self


class OutcomeGateSpec(GateSpecBase):
    """A gate on the rate of a fault outcome over the faults that fired (chaos arm).

    Attributes:
        fault: Judge only faults of this kind (`fs.decoy`); by default every fault pooled.
    """

    fault: str | None = None


class TaskGateSpec(GateSpecBase):
    """A gate on the episodes of one arm: task success, the share handled, or that crashed.

    Attributes:
        arm: `chaos` (default, production conditions) or `clean` (the benchmark).
    """

    arm: Literal["clean", "chaos"] = "chaos"


class GateSetSpec(Strict):
    """Gates by metric; each metric takes one gate or a list of gates.

    Outcome metrics are rates over the faults that fired in the chaos arm (`not_triggered`
    counts in none); `detected_or_recovered` is the share that was detected or recovered.
    `handled` is the share of one arm's episodes that were handled: the task passed, or every
    part of it a fault made impossible was reported and nothing tainted left (in the clean arm,
    task success). `episodes_crashed` is the share of one arm's episodes that crashed (could
    not finish), whether or not a fault fired in them.
    """

    propagated: list[OutcomeGateSpec] = []
    detected: list[OutcomeGateSpec] = []
    recovered: list[OutcomeGateSpec] = []
    silent: list[OutcomeGateSpec] = []
    crashed: list[OutcomeGateSpec] = []
    detected_or_recovered: list[OutcomeGateSpec] = []
    task_success: list[TaskGateSpec] = []
    handled: list[TaskGateSpec] = []
    episodes_crashed: list[TaskGateSpec] = []

    @field_validator("propagated", "detected", "recovered", "silent", "crashed",
                     "detected_or_recovered", "task_success", "handled", "episodes_crashed",
                     mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """One gate or a list of gates: `{max: 0.05}` is `[{max: 0.05}]`."""
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            return [value]
        raise ValueError("a gate is a mapping such as {max: 0.05} or {min: 0.9, confidence: "
                         "strict}, or a list of them")

    def metric_gates(self) -> list[tuple[str, int, GateSpecBase]]:
        """(metric, index in its list, gate) for every gate, in field order."""
        return [(metric, i, gate) for metric in GATE_METRICS
                for i, gate in enumerate(getattr(self, metric))]


class GatesSpec(GateSetSpec):
    """The profile's gates: judged on every model run, plus gates for named models.

    Attributes:
        per_model: Extra gates for one model (by its id as listed in `models`), judged when
            that model runs.
    """

    per_model: dict[str, GateSetSpec] = {}


#: Every metric a gate can name, in the order results list them.
GATE_METRICS = tuple(GateSetSpec.model_fields)
#: The metrics that count episodes of one arm (the others are rates of fault outcomes).
EPISODE_METRICS = ("task_success", "handled", "episodes_crashed")
#: The metrics that are rates of fault outcomes.
OUTCOME_METRICS = tuple(m for m in GATE_METRICS if m not in EPISODE_METRICS)


class Profile(Strict):
    """A fault profile, schema version 1."""

    version: Literal[1]
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=ID_MAX)
    description: str = ""
    seed: int = Field(0, ge=0, le=MAX_SEED)
    episodes: int = Field(20, ge=1, le=MAX_EPISODES)
    world: WorldSpec = WorldSpec()
    chain: ChainSpec
    task: TaskSpec = TaskSpec()
    faults: list[Any] = Field([], max_length=MAX_ITEMS)
    tools: dict[str, UserToolSpec] = Field({}, max_length=MAX_AGENTS)
    models: list[ModelSpec] = Field(min_length=1, max_length=MAX_AGENTS)
    limits: LimitsSpec = LimitsSpec()
    gates: GatesSpec = GatesSpec()

    @field_validator("episodes")
    @classmethod
    def _seeds_fit(cls, value: int, info: ValidationInfo) -> int:
        seed = info.data.get("seed", 0)
        if seed + value - 1 > MAX_SEED:
            raise ValueError(f"seeds {seed}..{seed + value - 1} go past the largest seed, "
                             f"{MAX_SEED} (2**53 - 1); lower 'seed' or 'episodes'")
        return value

    @field_validator("models", mode="before")
    @classmethod
    def _expand_model_ids(cls, value: Any) -> Any:
        return (
            [_model_from_id(v) if isinstance(v, str) else v for v in value]
            if isinstance(value, list)
            else value
        )


def _model_from_id(model_id: str) -> dict[str, Any]:
    provider, _, rest = model_id.partition("/")
    if provider == "scripted":
        return {"provider": "scripted", "policy": rest}
    if provider == "replay":
        return {"provider": "replay", "cassette": rest} if rest else {"provider": "replay"}
    return {"provider": provider, "model": rest} if rest else {"provider": provider}


#: Filled by `chaos.profile._union` with the tagged union of registered fault kinds.
FaultSpec = FaultSpecBase
