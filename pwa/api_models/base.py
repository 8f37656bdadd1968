"""Base classes and field types of the API's models, and the translated message of each refusal."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from pwa import phones
from pwa.i18n import gettext as _


class Body(BaseModel):
    """A JSON request body: strict JSON types, no unknown field, no NaN or infinity."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


class Query(BaseModel):
    """Query or path parameters (all sent as text; `Whole` reads digits as a number); no unknown one."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Headers(BaseModel):
    """Request headers an operation reads (names in lower case); every other header is left alone."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Answer(BaseModel):
    """A response body: exactly the declared fields (an undeclared one is a bug the tests catch)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorDetail(Answer):
    code: str
    message: str
    fields: dict[str, str]


class Error(Answer):
    """Every refusal: `{"error": {"code", "message", "fields"}}`; `fields` names each wrong field."""

    error: ErrorDetail


def problem(message: str) -> PydanticCustomError:
    """A refusal of one value with a translated message (raised inside a validator)."""
    return PydanticCustomError("pwa", "{message}", {"message": message})


_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f"
_CONTROL_BUT_NEWLINES = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
_BAD = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_BUT_NEWLINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Plain:
    """Text without control characters or lone surrogates (`lines`: tabs and newlines allowed) and,
    with `least`, at least that many characters once the spaces around it are trimmed."""

    lines: bool = False
    least: int = 0

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.pattern}

    @property
    def pattern(self) -> str:
        bad = _CONTROL_BUT_NEWLINES if self.lines else _CONTROL
        if self.least <= 0:
            return f"^[^{bad}]*$"
        if self.least == 1:
            return f"^[^{bad}]*[^\\s{bad}][^{bad}]*$"
        edge = f"[^\\S{bad}]*"  # spaces that are not control characters, trimmed by the use case
        return f"^{edge}[^\\s{bad}][^{bad}]{{{self.least - 2},}}[^\\s{bad}]{edge}$"

    def check(self, value: str) -> str:
        if (_BAD_BUT_NEWLINES if self.lines else _BAD).search(value):
            raise problem(_("Có ký tự điều khiển không hợp lệ; hãy gõ lại bằng bàn phím."))
        if not re.fullmatch(self.pattern, value):
            raise problem(
                _("Không được để trống.") if self.least == 1 else _("Nhập ít nhất %(n)d ký tự.") % {"n": self.least}
            )
        return value


# Calendar days of the years 2000–2100 (every date or time the app stores or shows), leap days included,
# and times of day: so that what the pattern admits, Python's `fromisoformat` reads.
_YEAR = "(?:20[0-9]{2}|2100)"
_LEAP_YEAR = "20(?:[02468][048]|[13579][26])"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_DATE = f"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = "T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?"
_OFFSET = "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
_ANY_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"  # the shape, to tell a year out of range from a typing mistake
_YEARS = {"first": 2000, "last": 2100}


def _reads(parse: Callable[[str], Any], value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class IsoDate:
    """A calendar day `YYYY-MM-DD` of the years 2000–2100, kept as the text sent."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "format": "date", "pattern": f"^{_DATE}$", "example": "2026-12-05"}

    def check(self, value: str) -> str:
        if re.fullmatch(_DATE, value):
            return value
        if re.fullmatch(_ANY_DATE, value) and _reads(date.fromisoformat, value):
            raise problem(_("Ngày phải trong khoảng từ năm %(first)d đến năm %(last)d.") % _YEARS)
        raise problem(_("Nhập ngày dạng YYYY-MM-DD (năm 2000–2100), ví dụ 2026-12-05."))


@dataclass(frozen=True)
class IsoTime:
    """A moment in ISO 8601 of the years 2000–2100, kept as the text sent; `zone`: its offset is required
    (without one, the use case reads it in the post office's zone)."""

    zone: bool = True

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        found = {**handler(schema), "pattern": self.pattern, "example": "2026-11-25T14:05:00+07:00"}
        return {**found, "format": "date-time"} if self.zone else found

    @property
    def pattern(self) -> str:
        return f"^{_DATE}{_TIME}{_OFFSET}{'' if self.zone else '?'}$"

    def check(self, value: str) -> str:
        if re.fullmatch(self.pattern, value):
            return value
        if re.match(_ANY_DATE + "T", value) and _reads(datetime.fromisoformat, value):
            raise problem(_("Năm phải từ %(first)d đến %(last)d, ví dụ 2026-11-25T14:05:00+07:00.") % _YEARS)
        if self.zone:
            raise problem(_("Nhập thời điểm dạng ISO 8601 có múi giờ, ví dụ 2026-11-25T14:05:00+07:00."))
        raise problem(_("Nhập thời điểm dạng ISO 8601, ví dụ 2026-11-25T14:05:00+07:00."))


@dataclass(frozen=True)
class Whole:
    """A query parameter's whole number: ASCII digits only (no sign, spaces, `_` or exponent)."""

    digits: int = 9
    message: Callable[[], str] | None = None  # what to say instead of the generic message

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.read, handler(source))

    def read(self, value: Any) -> Any:
        if isinstance(value, str):
            if not (value.isascii() and value.isdigit() and len(value) <= self.digits):
                if self.message is not None:
                    raise problem(self.message())
                raise problem(_("Phải là số nguyên gồm tối đa %(n)d chữ số.") % {"n": self.digits})
            return int(value)
        return value


@dataclass(frozen=True)
class Among:
    """One of `values` (an enum in the schema); `message` says what to choose, in the reader's language."""

    values: tuple[Any, ...]
    message: Callable[[], str]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "enum": list(self.values)}

    def check(self, value: Any) -> Any:
        if value not in self.values:
            raise problem(self.message())
        return value


@dataclass(frozen=True)
class Matches:
    """Text matching `pattern` (an ECMA and Python regular expression, in the schema too); `message` says how."""

    pattern: str
    message: Callable[[], str]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.pattern}

    def check(self, value: str) -> str:
        if not re.search(self.pattern, value):
            raise problem(self.message())
        return value


@dataclass(frozen=True)
class Valid:
    """A value an area's own check accepts: `check` raises `error` with a translated message otherwise
    (the value is kept as sent; the use case reads it again)."""

    check: Callable[[Any], Any]
    error: type[Exception] = ValueError

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.run, handler(source))

    def run(self, value: Any) -> Any:
        try:
            self.check(value)
        except self.error as exc:
            raise problem(str(exc)) from exc
        return value


PHONE = (
    Field(
        max_length=32,
        json_schema_extra={
            "pattern": phones.pattern(),
            "example": "0912345678",
            "description": "a Vietnamese mobile or landline; spaces, dots or dashes between digits are taken too",
        },
    ),
    Valid(phones.normalise, phones.PhoneError),
)
