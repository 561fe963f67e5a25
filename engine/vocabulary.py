"""The fact vocabulary (``rules/facts.yaml``) and the pydantic case model built from it.

The vocabulary is data so that lawyers can extend it and the questionnaire can read its
questions; the case model is generated from it, strictly typed, with every fact optional
(missing = unknown).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer,
                      SerializationInfo, WithJsonSchema, create_model, model_validator)
from pydantic_core import PydanticCustomError

from .dates import DATE_PATTERN, FORMS, DateFormError, canonical, parse_date

FactType = Literal["bool", "int", "number", "enum", "list", "date"]
MAX_AMOUNT = 10**15
#: decimal places kept of a non-whole amount: finer than any legal threshold (a hundredth of
#: a fen, a third of a second), and coarse enough that no value needs an exponent, which
#: durable_rules' JSON reader rejects (``1e-07``).
AMOUNT_DECIMALS = 4
#: the date a case's law is chosen by; a top-level key of the case file, usable in rules.
INCIDENT_DATE = "incident_date"


class FactSpec(BaseModel):
    """One fact of the vocabulary: its type, allowed values and its question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: FactType
    values: tuple[str, ...] = ()
    #: what each value is called on screen (the value itself is what case files hold)
    choices_zh: dict[str, str] = Field(default_factory=dict)
    choices_en: dict[str, str] = Field(default_factory=dict)
    #: other words people type for a value (``骗钱的`` → ``fraud``, ``video call`` → ``call``),
    #: read by the questionnaire besides the value, its number and its label
    answers_zh: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    answers_en: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    help_zh: str = Field(min_length=1)
    help_en: str = Field(min_length=1)
    #: date facts: the words meaning "until today" (e.g. ``still_online``, ``仍在网上``); the
    #: first is the canonical one
    now_words: tuple[str, ...] = ()
    #: list facts: a single value may also be written alone, not in a list (``purpose: fraud``
    #: means ``purpose: [fraud]``), and a one-value list is written back that way — the form
    #: of a fact that took one value before it took several
    one_alone: bool = False
    #: a date fact: the last day the conduct went on (e.g. online until); a rule whose period
    #: has a ``continuing`` transitional provision reaches earlier conduct lasting into it
    continues: bool = False

    @model_validator(mode="after")
    def _choices_match_values(self) -> FactSpec:
        for name in ("choices_zh", "choices_en"):
            labels = getattr(self, name)
            if self.type in ("enum", "list") and set(labels) != set(self.values):
                missing = sorted(set(self.values) - set(labels))
                extra = sorted(set(labels) - set(self.values))
                raise ValueError(f"{name} must name every value and no other"
                                 + (f"; missing {', '.join(missing)}" if missing else "")
                                 + (f"; not a value: {', '.join(extra)}" if extra else ""))
            if self.type not in ("enum", "list") and labels:
                raise ValueError(f"{name} is only for enum and list facts")
        for name in ("answers_zh", "answers_en"):
            extra = sorted(set(getattr(self, name)) - set(self.values))
            if extra:
                raise ValueError(f"{name} names a value the fact does not have: {', '.join(extra)}")
        if self.now_words and self.type != "date":
            raise ValueError("now_words is only for date facts")
        if self.one_alone and self.type != "list":
            raise ValueError("one_alone is only for list facts")
        if self.continues and self.type != "date":
            raise ValueError("continues is only for date facts")
        return self

    def choice(self, value: str, lang: str) -> str:
        """The on-screen name of one of the values."""
        return (self.choices_zh if lang == "zh" else self.choices_en)[value]

    def typed_words(self, value: str) -> tuple[str, ...]:
        """The other words people type for ``value`` (``answers_zh`` and ``answers_en``)."""
        return (*self.answers_zh.get(value, ()), *self.answers_en.get(value, ()))

    def value_named(self, text: str) -> str | None:
        """The value (of an enum or list fact) that ``text`` names: the value itself, its label
        in either language or a word people type for it (``在世`` → ``living``, ``no consent``
        → ``none``), compared loosely (:func:`loosely`: case, width, spaces and underscores);
        None when it names none."""
        want = loosely(text)
        for value in self.values:
            if want in {loosely(w) for w in (value, self.choices_zh.get(value, value),
                                             self.choices_en.get(value, value),
                                             *self.typed_words(value))}:
                return value
        return None


def loosely(text: str) -> str:
    """Text as written words are compared: NFKC (full-width letters, digits), case folded,
    trimmed of closing punctuation and quotes, runs of spaces, hyphens and underscores as one
    underscore (``Paid service`` → ``paid_service``)."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip().strip("。.!！\"'“”").strip()
    return re.sub(r"[\s_\-]+", "_", folded)


class GlossaryEntry(BaseModel):
    """A legal or technical term (as written in zh and en) and its one-sentence explanation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    explain_zh: str = Field(min_length=1)
    explain_en: str = Field(min_length=1)

    def term(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def explain(self, lang: str) -> str:
        return self.explain_zh if lang == "zh" else self.explain_en


class Vocabulary(BaseModel):
    """All facts a case may state, keyed by name, and the glossary of the terms questions use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    facts: dict[str, FactSpec]
    glossary: dict[str, GlossaryEntry] = Field(default_factory=dict)

    def explanations(self, text: str, lang: str) -> list[str]:
        """The glossary explanations of the terms ``text`` uses (in ``lang``), in glossary order;
        English terms match case-insensitively."""
        low = text.lower()
        return [g.explain(lang) for g in self.glossary.values()
                if (g.term(lang) in text if lang == "zh" else g.term(lang).lower() in low)]

    def spec(self, name: str) -> FactSpec:
        """The spec of a fact usable in rules (``incident_date`` included)."""
        if name == INCIDENT_DATE:
            return _INCIDENT_SPEC
        return self.facts[name]

    def names(self) -> list[str]:
        """Every fact name usable in a rule condition."""
        return sorted([*self.facts, INCIDENT_DATE])

    @property
    def continuing(self) -> str | None:
        """The date fact marked ``continues`` (the last day of the conduct), if any."""
        return next((n for n, s in self.facts.items() if s.continues), None)

    @model_validator(mode="after")
    def _one_continuing(self) -> Vocabulary:
        marked = [n for n, s in self.facts.items() if s.continues]
        if len(marked) > 1:
            raise ValueError(f"only one fact may be marked continues: {', '.join(marked)}")
        return self

    def as_written(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Facts as a case file writes them: a one-value list of a ``one_alone`` fact as that
        value alone (``[fraud]`` → ``fraud``), everything else unchanged."""
        return {k: _alone(v) if k in self.facts and self.facts[k].one_alone else v
                for k, v in facts.items()}


def _alone(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) and len(value) == 1 else value


_INCIDENT_SPEC = FactSpec(type="date", zh="事件发生在哪天？", en="When did the conduct happen?",
                          help_zh="决定适用哪一时期的法律。记不清可以只写年份或年月，如 2023、2023年6月、2021年以前。",
                          help_en="Decides which law applies. If unsure, a year or month will do, "
                                  "e.g. 2023, 2023-06, before 2021.")


def _iso_date(value: Any) -> Any:
    """Accept a date or an ISO ``YYYY-MM-DD`` string (JSON has no date type), nothing else."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("expected a date written YYYY-MM-DD")


def _amount(value: Any) -> int | float:
    """A non-negative finite number, whole numbers kept exact and others rounded to
    :data:`AMOUNT_DECIMALS` places; one clear message per way of being wrong."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("amount", "expected a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("amount", "must be a finite number")
    if value < 0:
        raise PydanticCustomError("amount", "must not be negative")
    if value > MAX_AMOUNT:
        raise PydanticCustomError("amount", "is implausibly large")
    return value if isinstance(value, int) else round(value, AMOUNT_DECIMALS) + 0.0  # -0.0 → 0.0


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def date_value(now_words: tuple[str, ...] = ()) -> Any:
    """The type of a date fact (and ``incident_date``): an exact day, or a range of possible
    days as :func:`faceright.dates.parse_date` reads it (``2023``, ``2023-06``,
    ``2023-01..2024-06``, ``before 2021``, ``now_words`` …); JSON: its canonical form."""

    def read(value: Any) -> Any:
        try:
            return parse_date(value, now_words=now_words)
        except DateFormError as exc:
            raise PydanticCustomError("date_form", str(exc)) from None

    def write(value: Any, info: SerializationInfo) -> Any:
        return canonical(value) if info.mode == "json" else value

    forms = ", ".join([*FORMS[:-1], *now_words[:1]])
    schema: dict[str, Any] = {"anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "pattern": DATE_PATTERN},
        {"type": "integer", "minimum": 1000, "maximum": 9999},
        *([{"enum": list(now_words)}] if now_words else [])],
        "description": f"a day (YYYY-MM-DD) or the days it may have been: {forms} "
                       "(ranges inclusive; zh: 2023年6月, 2021年以前)"}
    return Annotated[Any, BeforeValidator(read), PlainSerializer(write),
                     WithJsonSchema(schema)]
#: money, hours and other quantities: the JSON Schema says "number", validation is ours.
Amount = Annotated[int | float, BeforeValidator(_amount),
                   Field(json_schema_extra={"minimum": 0, "maximum": MAX_AMOUNT})]
Count = Annotated[int, Field(ge=0, le=MAX_AMOUNT, strict=True)]


def _annotation(spec: FactSpec) -> Any:
    if spec.type == "bool":
        return Annotated[bool, Field(strict=True)]
    if spec.type == "int":
        return Count
    if spec.type == "number":
        return Amount
    if spec.type == "date":
        return date_value(spec.now_words)
    choice: Any = Literal.__getitem__(spec.values)
    if spec.type == "enum":
        return choice
    listed = Annotated[list[choice], Field(min_length=1, max_length=len(spec.values),
                                           json_schema_extra={"uniqueItems": True}),
                       AfterValidator(_as_set(spec.values))]
    if not spec.one_alone:
        return listed
    schema = {"anyOf": [{"enum": list(spec.values), "type": "string"},
                        {"type": "array", "items": {"enum": list(spec.values), "type": "string"},
                         "minItems": 1, "maxItems": len(spec.values), "uniqueItems": True}],
              "description": "one value, or a list of values (a set: order carries no meaning)"}
    return Annotated[listed, BeforeValidator(_one_as_list), PlainSerializer(_one_written),
                     WithJsonSchema(schema)]


def _one_as_list(value: Any) -> Any:
    """A ``one_alone`` fact's value written alone (``fraud``) as the list of it."""
    return [value] if isinstance(value, str) else value


def _one_written(value: list[str], info: SerializationInfo) -> Any:
    """JSON: a one-value list of a ``one_alone`` fact written alone, as before it took several."""
    return _alone(value) if info.mode == "json" else value


def _as_set(values: tuple[str, ...]) -> Any:
    """The validator making a list fact a set: each value at most once (a repeated value is an
    error), kept in the vocabulary's order, so the order a case lists them in never changes the
    assessment, its ``because`` lists or a receipt's input hash."""
    rank = {value: i for i, value in enumerate(values)}

    def normalise(items: list[str]) -> list[str]:
        seen: set[str] = set()
        for item in items:
            if item in seen:
                raise PydanticCustomError("list_repeated", "lists '{value}' more than once",
                                          {"value": item})
            seen.add(item)
        return sorted(items, key=rank.__getitem__)

    return normalise


def may_be_unknown(schema: dict[str, Any]) -> None:
    """JSON Schema of an optional fact: its value may also be written ``unknown`` (read as if the
    key were left out), so the case files and API bodies the contract allows are schema-valid."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        options.append({"const": "unknown"})


def build_facts_model(vocabulary: Vocabulary) -> type[BaseModel]:
    """The strict model of a case's ``facts`` mapping: every fact optional, no extra keys."""
    fields: dict[str, Any] = {
        name: (_annotation(spec) | None, Field(default=None, description=spec.en,
                                               json_schema_extra=may_be_unknown))
        for name, spec in sorted(vocabulary.facts.items())
    }
    model: type[BaseModel] = create_model(
        "Facts", __config__=ConfigDict(extra="forbid", frozen=True), **fields)
    return model
