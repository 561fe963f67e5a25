"""The shapes of the rulebook's YAML files: rules, exceptions, conclusions, policies.

Pydantic checks the structure; :mod:`faceright.rulebook` checks the names and the law.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
ConclusionKind = Literal["right", "exception", "liability", "remedy", "offence", "regulatory",
                         "internal"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Period(_Strict):
    """The period a rule claims (``until`` is its last day). ``continuing`` names the
    transitional provision that extends it to conduct begun earlier and continuing into it;
    ``earlier`` the one that lets it reach earlier conduct the old law did not cover (such
    conclusions are reported as contested: the transitional provision says "may")."""

    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    continuing: str | None = None
    earlier: str | None = None


class Conclude(_Strict):
    """What a rule concludes, for whom; ``party: same`` takes the party of the conclusion
    it builds on."""

    id: str
    party: str | None = None
    scope: Literal["expanded_damage", "all"] | None = None
    contested: bool = False


class Unless(_Strict):
    """An exception that defeats the rule, grounded in its own provision(s); ``text`` and
    ``text_unverified`` as for :class:`RuleSpec`."""

    when: Any
    provisions: list[str] = Field(min_length=1)
    text: str | None = None
    text_unverified: str | None = Field(default=None, pattern=r"\S")
    note: str | None = None


class RuleSpec(_Strict):
    """One rule as written by a lawyer.

    ``text`` is the sentence of statute it formalises, copied from a cited provision's verified
    ``text_zh`` in ``provisions.yaml`` (checked verbatim, whitespace ignored, at load).
    ``text_unverified`` is given instead when none of the cited provisions has verified text
    (``verified: false``): it says why nothing can be quoted. ``rules lint`` reports a rule
    with neither; the loader refuses both at once, and ``text_unverified`` on a rule that cites
    a provision with verified text."""

    id: str = Field(pattern=RULE_ID)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    provisions: list[str] = Field(min_length=1)
    text: str | None = None
    text_unverified: str | None = Field(default=None, pattern=r"\S")
    period: Period | None = None
    when: Any
    unless: list[Unless] = Field(default_factory=list)
    conclude: Conclude
    note: str | None = None


class NotFormalised(_Strict):
    """A clause deliberately left out, and why (Catala's "not formalised")."""

    provisions: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1)


class RuleFile(_Strict):
    """A file of rules on one subject."""

    subject: str
    title_zh: str
    title_en: str
    rules: list[RuleSpec] = Field(default_factory=list)
    not_formalised: list[NotFormalised] = Field(default_factory=list)


class ConclusionSpec(_Strict):
    """A conclusion the rules may reach; internal ones explain but are not reported.

    ``suggests`` (internal conclusions only) names a judgement fact (e.g. serious mental
    distress) that this conclusion, reached from observable facts while the judgement itself is
    unknown, makes *likely*: an open item that would hold were each such (boolean) judgement
    true is marked ``likely``, with the ``indicators`` facts the firing rested on. It never
    decides the fact."""

    kind: ConclusionKind
    zh: str
    en: str
    excludes: list[str] = Field(default_factory=list)
    suggests: str | None = None
    #: the observable facts reported as indicators of ``suggests`` (and asked before it)
    indicators: list[str] = Field(default_factory=list)


class PartyName(_Strict):
    """How a party is named to a reader."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ConclusionsFile(_Strict):
    parties: list[str] = Field(min_length=1)
    #: each party's display name (every party of ``parties``, nothing else: checked at load)
    party_names: dict[str, PartyName]
    conclusions: dict[str, ConclusionSpec]


class Policy(_Strict):
    """A parameter the law leaves open (e.g. how many hours is "in time"): policy, not law."""

    value: int | float
    unit: str = Field(min_length=1)          #: the unit in English (``hours``)
    unit_zh: str = Field(min_length=1)       #: the unit in Chinese (``小时``)
    zh: str
    en: str
    basis: str
    provisions: list[str] = Field(default_factory=list)


class PoliciesFile(_Strict):
    policies: dict[str, Policy]
