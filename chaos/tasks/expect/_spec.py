"""What a profile writes under `task.expect`: one model per expectation part, all keys checked.

Values (`to`, `contains`, fields...) are value expressions (see `_values`); their paths and
columns are checked against the world when it is built (`world_problems`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from chaos.errors import PointedValueError
from chaos.tasks.expect._values import check_expression

__all__ = ["AnswerSpec", "CsvSpec", "ExpectParams", "Expectation", "FileRef", "Find",
           "MailSpec", "MustNotSpec", "SmsSpec", "UploadSpec", "WriteSpec"]

#: Most expectations in a task (each is judged for every row of its table).
MAX_EXPECTATIONS = 200
#: Most files one mail or upload names.
MAX_FILES = 100


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _abs_path(value: str) -> str:
    if not value.startswith("/") or "\x00" in value or ".." in value.split("/"):
        raise ValueError(f"'{value}' is no absolute path; write one such as "
                         "/clinic/reports/{patient_id}.pdf")
    return value


def _expression(value: Any) -> Any:
    problem = check_expression(value)
    if problem:
        raise PointedValueError(problem, getattr(problem, "at", ()))
    return value


#: A literal, a `{column}` template, or a computed value (`{sum: "PATH#column"}`...).
Value = Annotated[Any, AfterValidator(_expression)]


class Find(_Strict):
    """How a person would look for a file (a hint for calibration agents).

    Attributes:
        glob: Where to look (`**` spans folders; `{col}` is the row's value).
        pick: Which of the matches: `first`, `newest` (by content and mtime) or `only`.
        type: The MIME type the file must really be (sniffed).
        contains: Text the file must hold (e.g. `SIGNED`).
        tag_not: Skip files carrying this tag.
        name_not: Skip files whose name holds this text.
        checksums: A glob of SHA256SUMS files to verify the pick against.
    """

    glob: str = Field(min_length=2)
    pick: Literal["first", "newest", "only"] = "only"
    type: str | None = None
    contains: str | None = None
    tag_not: str | None = None
    name_not: str | None = None
    checksums: str | None = None

    _glob = field_validator("glob")(classmethod(lambda cls, v: _abs_path(v)))


class FileRef(_Strict):
    """A world file by reference: its bytes as the seed generated them.

    Attributes:
        file: The world file's path (`{col}` is the row's value).
        type: The MIME type the file must be declared as (and sniffed as) where it arrives.
    """

    file: str
    type: str | None = None

    _file = field_validator("file")(classmethod(lambda cls, v: _abs_path(v)))


class MailSpec(_Strict):
    """Mail the real SMTP server must have received.

    Attributes:
        to: The envelope recipient.
        count: Exactly this many messages to `to` (default 1, unless at_most/at_least).
        at_most: At most this many.
        at_least: At least this many.
        attachments: Files one of the messages must carry, byte for byte.
        subject_contains: Text the subject must hold.
        body_contains: Text the body must hold.
    """

    to: Value
    count: int | None = Field(None, ge=0, le=1000)
    at_most: int | None = Field(None, ge=0, le=1000)
    at_least: int | None = Field(None, ge=0, le=1000)
    attachments: list[FileRef] = Field([], max_length=MAX_FILES)
    subject_contains: Value = None
    body_contains: Value = None

    @model_validator(mode="after")
    def _one_count(self) -> MailSpec:
        given = [k for k in ("count", "at_most", "at_least") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of count, at_most, at_least (got {', '.join(given)})")
        return self

    def bounds(self) -> tuple[int, int | None]:
        """(least, most) messages to `to`; most None: no upper bound."""
        if self.at_most is not None:
            return 0, self.at_most
        if self.at_least is not None:
            return self.at_least, None
        n = 1 if self.count is None else self.count
        return n, n


class UploadSpec(_Strict):
    """Files that must have been uploaded (published) to a platform.

    Attributes:
        platform: Where (`shop`, `youtube`...).
        files: The world files whose bytes must be among the uploads there.
        exactly: Nothing else may be uploaded to that platform.
    """

    platform: Value
    files: list[FileRef] = Field(min_length=1, max_length=MAX_FILES)
    exactly: bool = False


class SmsSpec(_Strict):
    """A text message that must have been sent.

    Attributes:
        to: The phone number (E.164).
        contains: Text the message must hold.
    """

    to: Value
    contains: Value = None


class CsvSpec(_Strict):
    """What a written CSV file must hold.

    Attributes:
        rows: How many data rows (a value expression, e.g. {count: /shop/prices.csv}).
        columns: Column names it must have.
    """

    rows: Value = None
    columns: list[str] = []


class WriteSpec(_Strict):
    """A file the chain must write.

    Attributes:
        path: Where.
        json: Fields (dotted paths) the JSON file must hold, with their values.
        csv: Rows and columns the CSV file must hold.
        text_contains: Text the file must hold.
        same_as: The file must hold these bytes ({file: PATH}).
        tolerance: Relative tolerance of numbers (default 0.005).
    """

    path: str
    json_: dict[str, Value] | None = Field(None, alias="json")
    csv: CsvSpec | None = None
    text_contains: Value = None
    same_as: Value = None
    tolerance: float = Field(0.005, ge=0, le=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              serialize_by_alias=True)
    _path = field_validator("path")(classmethod(lambda cls, v: _abs_path(v)))


class AnswerSpec(_Strict):
    """What the final answer must be.

    Attributes:
        schema: A JSON Schema the answer must satisfy.
        fields: Fields (dotted paths) of the answer and their values.
        tolerance: Relative tolerance of numbers (default 0.005).
    """

    schema_: dict[str, Any] | None = Field(None, alias="schema")
    fields: dict[str, Value] = {}
    tolerance: float = Field(0.005, ge=0, le=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              serialize_by_alias=True)

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            import jsonschema

            try:
                jsonschema.validators.validator_for(value).check_schema(value)
            except jsonschema.SchemaError as exc:
                raise ValueError(f"is no valid JSON Schema: {exc.message}") from None
        return value


class MustNotSpec(_Strict):
    """What must not happen.

    Attributes:
        mail_to_others: Mail to anyone no mail expectation names.
        duplicate_delivery: Any recipient getting more messages than expected.
        overwrite: Globs of world files whose bytes must not change.
        upload_other: Uploaded bytes no upload expectation names.
    """

    mail_to_others: bool = False
    duplicate_delivery: bool = False
    overwrite: list[str] = []
    upload_other: bool = False

    _globs = field_validator("overwrite")(
        classmethod(lambda cls, v: [_abs_path(g) for g in v]))


def _listed(value: Any) -> Any:
    """One find or a list of them (one per attachment or file)."""
    return [value] if isinstance(value, dict) else value


#: The parts an expectation may have; exactly one of them.
PARTS = ("mail", "upload", "write", "answer", "sms", "must_not")


class Expectation(_Strict):
    """One part of the expected end state.

    Attributes:
        id: Unique; evidence names it.
        for_each: A world table (CSV, or JSON list of objects): the expectation holds for
            each row, with `{column}` bound to the row's values.
        mail: Mail the server must have received.
        upload: Files that must have been uploaded.
        write: A file the chain must write.
        answer: What the final answer must be.
        sms: A text that must have been sent.
        must_not: What must not happen.
        hints: How a person would find each file (calibration agents read them): per
            attachment or file (`attachments: [...]`, `files: [...]`) or per field name.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=128)
    for_each: str | None = None
    mail: MailSpec | None = None
    upload: UploadSpec | None = None
    write: WriteSpec | None = None
    answer: AnswerSpec | None = None
    sms: SmsSpec | None = None
    must_not: MustNotSpec | None = None
    hints: dict[str, Annotated[list[Find], BeforeValidator(
        _listed, json_schema_input_type=Find | list[Find])]] = {}

    _for_each = field_validator("for_each")(
        classmethod(lambda cls, v: v if v is None else _abs_path(v)))

    @model_validator(mode="after")
    def _one_part(self) -> Expectation:
        given = [p for p in PARTS if getattr(self, p) is not None]
        if len(given) != 1:
            raise ValueError(f"expectation '{self.id}' needs exactly one of "
                             f"{', '.join(PARTS)} (got {', '.join(given) or 'none'})")
        if self.must_not is not None and self.for_each is not None:
            raise ValueError("must_not holds for the whole episode: remove for_each")
        return self

    @property
    def part(self) -> str:
        """Which part it is: `mail`, `upload`, `write`, `answer`, `sms` or `must_not`."""
        return next(p for p in PARTS if getattr(self, p) is not None)


class ExpectParams(_Strict):
    """The `expect` task: the prompt and the expected end state.

    Attributes:
        prompt: The entry agent's brief; `{placeholders}` are filled from the world.
        expect: The expectations.
        params: Not used by `expect` (declare the outcome under task.expect).
    """

    prompt: str = ""
    expect: list[Expectation] = Field(min_length=1, max_length=MAX_EXPECTATIONS)
    params: dict[str, Any] = {}

    @field_validator("params")
    @classmethod
    def _no_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        if value:
            raise ValueError("task kind expect takes no params; declare the outcome under "
                             "task.expect")
        return value

    @field_validator("expect")
    @classmethod
    def _unique_ids(cls, value: list[Expectation]) -> list[Expectation]:
        seen: set[str] = set()
        for item in value:
            if item.id in seen:
                raise ValueError(f"expectation id '{item.id}' is used twice; give each its own")
            seen.add(item.id)
        return value


def item_values(item: Expectation) -> list[tuple[tuple[Any, ...], Any]]:
    """Every value expression of an expectation, with its place under the expectation."""
    part = item.part
    spec = getattr(item, part)
    found: list[tuple[tuple[Any, ...], Any]] = []
    if part in ("mail", "sms"):
        for key in ("to", "subject_contains", "body_contains", "contains"):
            if getattr(spec, key, None) is not None:
                found.append(((part, key), getattr(spec, key)))
    elif part == "upload":
        found.append(((part, "platform"), spec.platform))
    elif part == "write":
        for key, value in (spec.json_ or {}).items():
            found.append(((part, "json", key), value))
        if spec.csv is not None and spec.csv.rows is not None:
            found.append(((part, "csv", "rows"), spec.csv.rows))
        for key in ("text_contains", "same_as"):
            if getattr(spec, key) is not None:
                found.append(((part, key), getattr(spec, key)))
    elif part == "answer":
        for key, value in spec.fields.items():
            found.append(((part, "fields", key), value))
    return found
