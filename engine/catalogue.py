"""The provision catalogue: statute text with its source, looked up by id and by date in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import RuleFileError, did_you_mean
from .source import SourceError, read_documents

NOT_VERIFIED = "text not verified — see source"


class Provision(BaseModel):
    """One article (or paragraph) of a law, as published, with where its text was read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    law: str
    law_en: str
    article: int | str
    article_sub: int | str | None = None
    paragraph: int | str | None = None
    title_zh: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    text_zh: str | None
    summary_en: str
    source: str = Field(min_length=1)
    verified: bool
    notes: str | None = None
    cross_checked_against: str | None = None

    def in_force(self, day: dt.date) -> bool:
        """Whether the provision was in force on ``day`` (``effective_to`` is the last day)."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def text(self) -> str:
        """The Chinese text, or the not-verified notice where the catalogue has none."""
        return self.text_zh if self.text_zh else NOT_VERIFIED

    def label(self) -> str:
        """A short human label, e.g. ``中华人民共和国民法典 第一千零一十九条``."""
        return f"{self.law} {self.title_zh}"

    def article_label(self, lang: str) -> str:
        """The article within its law: ``第二百九十一条之一第二款`` or ``art. 291-1 para 2``."""
        if lang == "zh":
            return self.title_zh
        sub = f"-{self.article_sub}" if self.article_sub is not None else ""
        para = f" para {self.paragraph}" if self.paragraph is not None else ""
        return f"art. {self.article}{sub}{para}"


class Catalogue:
    """All provisions, by id."""

    def __init__(self, provisions: Iterable[Provision]) -> None:
        self._by_id = {p.id: p for p in provisions}

    def cite(self, pids: Iterable[str], lang: str) -> str:
        """Provisions as a letter cites them, grouped by law: ``《中华人民共和国民法典》第一千一百六十八条、
        第一千一百六十九条`` or ``Civil Code of the People's Republic of China, art. 1168, art. 1169``."""
        by_law: dict[str, list[str]] = {}
        for pid in pids:
            prov = self.get(pid)
            by_law.setdefault(prov.law if lang == "zh" else prov.law_en, []).append(prov.article_label(lang))
        if lang == "zh":
            return "；".join(f"《{law}》{'、'.join(arts)}" for law, arts in by_law.items())
        return "; ".join(f"{law}, {', '.join(arts)}" for law, arts in by_law.items())

    def __contains__(self, pid: object) -> bool:
        return pid in self._by_id

    def get(self, pid: str) -> Provision:
        """The provision ``pid``; ``KeyError`` carries a did-you-mean."""
        try:
            return self._by_id[pid]
        except KeyError:
            raise KeyError(f"no provision '{pid}' in the catalogue"
                           + did_you_mean(pid, self._by_id)) from None

    def ids(self) -> list[str]:
        """Every id, sorted."""
        return sorted(self._by_id)

    def all(self, as_of: dt.date | None = None) -> list[Provision]:
        """Every provision (in force on ``as_of`` when given), sorted by id."""
        return [p for _, p in sorted(self._by_id.items()) if as_of is None or p.in_force(as_of)]


def load_catalogue(path: Path) -> Catalogue:
    """Read ``provisions.yaml``; duplicate ids and bad entries are :class:`RuleFileError`."""
    name = str(path)
    try:
        docs = list(read_documents(path.read_text(encoding="utf-8")))
    except SourceError as exc:
        raise RuleFileError(name, exc.line, None, exc.key, exc.message) from None
    if len(docs) != 1 or not isinstance(docs[0].data, list):
        raise RuleFileError(name, 1, None, None, "the catalogue must be one list of provisions")
    doc = docs[0]
    provisions: list[Provision] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc.data):
        try:
            provision = Provision.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = (i, *err["loc"])
            raise RuleFileError(name, doc.line_of(loc), None, ".".join(map(str, err["loc"])),
                                err["msg"]) from None
        if provision.id in seen:
            raise RuleFileError(name, doc.line_of((i,)), None, "id",
                                f"duplicate provision id '{provision.id}'")
        seen.add(provision.id)
        provisions.append(provision)
    return Catalogue(provisions)
