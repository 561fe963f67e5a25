"""The parts of a document assembled from a case (``documents.yaml``): the account of what
happened in sentences, the defendants (a company in several roles named once, a party whose
liability awaits a court's finding named with it), the numbered claims of a statement of claims
and the demands of a letter, the reasons and the legal basis.

Everything said here is rule data: sentences per fact (``narrative``), claims per remedy or
liability (``claims``), who is one entity (``same_entity``), what a pleading asserts for a
judgement only a court makes (``findings``); nothing here names a fact, conclusion or party.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .dates import DateRange, date_words
from .guidance import Account, Bilingual, NarrativeItem, PartyWords, Pleading, Pleadings, Situation
from .kleene import NOTHING, TRUE, UNKNOWN
from .vocabulary import INCIDENT_DATE

if TYPE_CHECKING:
    from .report import _Builder

#: Chinese numerals, numbering the defendants of a Chinese document
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Defendant:
    """One person or company to claim against: the parties it is (rule party names), its
    label (``pleading.defendant`` with its number, or ``sole_defendant``), its roles in words, and for a party whose
    liability awaits a finding only a court makes, those findings (judgement facts)."""

    parties: tuple[str, ...]
    label: str
    roles: str
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pleaded:
    """The pleading parts of one case in one language."""

    defendants: list[str]     #: one line per defendant, with its roles
    claims: list[str]         #: numbered claims, costs last
    demands: list[str]        #: numbered demands of a letter to the first defendant
    reasons: list[str]        #: the rights infringed and each defendant's liability
    basis: list[str]          #: the provisions the claims rest on (ids, cited by the caller)
    letter_basis: list[str]   #: those of the claims against the first defendant (a letter's)
    blanks: list[str]         #: blanks the claims left (amounts only the person knows)
    they: str = ""            #: all the defendants in a word (the only one's label)
    liability: str = ""       #: the heading of the reasons (one defendant or several)


def _text(texts: Bilingual, lang: str) -> str:
    return str(getattr(texts, lang))


def _sentence(text: str, lang: str) -> str:
    return text[:1].upper() + text[1:] if lang == "en" else text


class Assembler:
    """The pleading parts of the case a report builder holds (:class:`faceright.report._Builder`)."""

    def __init__(self, builder: _Builder, situation: Situation) -> None:
        self.b = builder
        self.lang = builder.lang
        self.data: Pleadings = builder.guidance.pleadings
        self.possible = builder.possible()
        civil = ("right", "liability", "remedy")
        #: what is someone else's (the person deceived's claim back): not the person shown's
        self.others = self.data.others
        held = {(c.id, c.party) for c in builder.assessment.conclusions
                if builder.kind(c.id) in civil and c.id not in self.others}
        #: the civil conclusions against a party that hold, or would on a court's finding (a
        #: possible respondent): rights, liabilities and remedies, not offences or breaches
        self.against = held | {k for k in self.possible if k[0] not in self.others}
        # claims rest on what holds (or would on a court's finding), not on what the
        # authorities might establish: an open conclusion is unknown here
        holds = {(c.id, c.party) for c in builder.assessment.conclusions}
        status = {key: (value if key in holds or value[0] is not TRUE else (UNKNOWN, NOTHING))
                  for key, value in situation.status.items()}
        for key in self.possible:
            status[key] = (TRUE, NOTHING)
        self.situation = Situation(situation.facts, status)

    # --- the account -----------------------------------------------------------------------

    def people(self, own: Bilingual | None) -> tuple[str, str]:
        """What the account calls the person shown (a conditional word that applies, else the
        document's own, else the default) and the one who sends it (the document's own word,
        else the default)."""
        default = next((word for cond, word in self.data.person if cond is None), None)
        holder = own or default
        person = next((word for cond, word in self.data.person
                       if cond is not None and self.situation.applies(cond)), holder)
        return (_text(person, self.lang) if person else "", _text(holder, self.lang) if holder else "")

    def account(self) -> Account | None:
        """The respondent's own account (``documents.yaml`` ``perspectives``) when the report's
        perspective has one, else None (the default narrative)."""
        perspective = self.b.perspective
        return self.data.accounts.get(perspective.id) if perspective is not None else None

    def blanks(self, facts: str) -> list[str]:
        """The blanks the respondent's own account left in ``facts`` (its told sentences)."""
        account = self.account()
        return [b for b in account.blanks.get(self.lang, ()) if b in facts] if account else []

    def facts(self, own: Bilingual | None) -> str:
        """The answered facts told as sentences: in the order of the vocabulary, or as the
        respondent's own account tells them (:meth:`account`); ``own``: what the document
        calls the one who sends it."""
        person, holder = self.people(own)
        from .report import answer_text
        engine, known = self.b.engine, self.b.known
        account = self.account()
        if account is not None:
            told: list[tuple[str, NarrativeItem]] = [(i.fact, i) for i in account.narrative]
            conds = account.told_when
        else:
            told = [(f, self.data.narrative[f]) for f in [INCIDENT_DATE, *engine.book.vocabulary.facts]
                    if f in self.data.narrative]
            conds = self.data.told_when
        out = []
        for fact, item in told:
            if fact not in known:
                continue
            told_when = conds.get(fact)
            if told_when is not None and not self.situation.applies(told_when):
                continue
            value = known[fact]
            if isinstance(value, bool):
                texts = item.yes if value else item.no
            elif item.values is not None and isinstance(value, list):  # each value its sentence
                for v in value:
                    if item.values.get(str(v)) is not None:
                        out.append(_sentence(_text(item.values[str(v)], self.lang).format(person=person, holder=holder), self.lang))
                continue
            elif isinstance(value, (int, float)) and value == 0:
                continue  # nothing lost, viewed or counted: not an event to tell
            elif item.values is not None:  # a choice, or a date's "now" word (still online)
                texts = item.values.get(str(value), item.text)
            else:
                texts = item.text
            if texts is None:
                continue
            when = ""
            if isinstance(value, (dt.date, DateRange)):
                shown, when = date_words(value, self.lang), date_words(value, self.lang, at=True)
            else:
                shown = answer_text(engine, fact, value, self.lang)
            if isinstance(value, list) and self.lang == "en" and ", " in shown:  # "face and voice"
                head, _, last = shown.rpartition(", ")
                shown = f"{head} and {last}"
            out.append(_sentence(_text(texts, self.lang).format(value=shown, when=when, person=person, holder=holder),
                                 self.lang))
        return ("" if self.lang == "zh" else " ").join(out)

    # --- defendants and claims ---------------------------------------------------------------

    def defendants(self, labels: Pleading | PartyWords | None = None) -> list[Defendant]:
        """The parties claims lie against, those one entity is merged (``same_entity``), in
        the rulebook's party order; ``labels``: what the document calls them (default: the
        pleading's defendants)."""
        parties = sorted({p for _, p in self.against if p},
                         key=lambda p: self.b.party_order.get(p, len(self.b.party_order)))
        group = {p: {p} for p in parties}
        for cond, together in self.data.same_entity:
            if self.situation.applies(cond):
                present = [p for p in together if p in group]
                if not present:
                    continue
                # the roles of one entity are one entity: a role it holds without liability
                # (a maker that is also the platform) is still named among its roles
                merged = set().union(*(group[p] for p in present)) | set(together)
                for p in merged:
                    group[p] = merged
        seen: list[frozenset[str]] = []
        for p in parties:
            members = frozenset(group[p])
            if members not in seen:
                seen.append(members)
        pleading = self.data.words
        assert pleading is not None
        words = labels or pleading
        out = []
        for i, members in enumerate(seen, 1):
            ordered = tuple(sorted(members, key=lambda p: self.b.party_order.get(p, len(self.b.party_order))))
            label = (_text(words.sole_defendant, self.lang) if len(seen) == 1 else
                     _text(words.defendant, self.lang).format(n=_NUMERALS[i - 1] if self.lang == "zh" and i <= 10 else i))
            roles = ("；" if self.lang == "zh" else "; ").join(_text(pleading.roles[p], self.lang) for p in ordered)
            held = {(c, p) for c, p in self.against if p in members} - set(self.possible)
            findings: list[str] = []
            if not held:  # liable only on a court's finding
                for key, facts in self.possible.items():
                    if key[1] in members:
                        findings += [f for f in facts if f not in findings]
            out.append(Defendant(ordered, label, roles, tuple(findings)))
        return out

    def together(self, defendants: list[Defendant], labels: Pleading | PartyWords | None = None) -> str:
        """All the defendants in a word: the only one's label, else ``all_defendants``."""
        words = labels or self.data.words
        assert words is not None
        return defendants[0].label if len(defendants) == 1 else _text(words.all_defendants, self.lang)

    def claims(self, defendants: list[Defendant]) -> tuple[list[str], list[str], list[str]]:
        """The numbered claims (each naming the defendants it lies against), the numbered
        demands to the first defendant, and the blanks the amounts left."""
        words = self.data.words
        assert words is not None
        sep = "、" if self.lang == "zh" else " and "
        claims: list[str] = []
        demands: list[str] = []
        blanks: list[str] = []
        for entry in self.data.claims:
            who = [d for d in defendants if any((entry.concl, p) in self.against for p in d.parties)]
            if not who or not self.situation.applies(entry.cond):
                continue
            amount = self.amount(entry.amount)
            if amount == _text(words.amount_blank, self.lang) and amount not in blanks:
                blanks.append(amount)
            names = sep.join(d.label for d in who)
            claim = _text(entry.claim, self.lang).format(defendants=names, amount=amount)
            if claim not in claims:
                claims.append(claim)
            if who[0] is defendants[0]:
                demand = _text(entry.demand, self.lang).format(amount=amount)
                if demand not in demands:
                    demands.append(demand)
        if claims:
            claims.append(_text(words.costs, self.lang).format(defendants=self.together(defendants)))
        end = "。" if self.lang == "zh" else "."
        return ([f"{i}. {c}{end}" for i, c in enumerate(claims, 1)],
                [f"{i}. {d}{end}" for i, d in enumerate(demands, 1)], blanks)

    def amount(self, fact: str | None) -> str:
        """A sum in yuan known from the facts, or the blank only the person can fill."""
        from .report import answer_text
        value = self.b.known.get(fact) if fact else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return answer_text(self.b.engine, fact or "", value, self.lang)
        words = self.data.words
        assert words is not None
        return _text(words.amount_blank, self.lang)

    def reasons(self, defendants: list[Defendant]) -> list[str]:
        """What each defendant is liable for (with its provisions) and, for one liable only on
        a court's finding, what the pleading asserts for it."""
        b = self.b
        catalogue = b.book.catalogue
        out: list[str] = []
        for d in defendants:
            lines = []
            for c in sorted(b.assessment.conclusions, key=lambda c: b.sort_key(c.id, c.party)):
                if c.party in d.parties and b.kind(c.id) == "liability" and c.id not in self.others:
                    lines.append(f"{b.title(c.id)}（{catalogue.cite(latest(c), self.lang)}）" if self.lang == "zh"
                                 else f"{b.title(c.id)} ({catalogue.cite(latest(c), self.lang)})")
            for fact in d.findings:
                found = self.data.findings.get(fact)
                if found is not None and self.situation.applies(found[0]):
                    lines.append(_text(found[1], self.lang))
            if d.findings and not any(self.data.findings.get(f) and self.situation.applies(self.data.findings[f][0])
                                      for f in d.findings):
                words = self.data.words
                assert words is not None
                lines.append(f"{_text(words.possible, self.lang)}：{b.court_condition(list(d.findings))}" if self.lang == "zh"
                             else f"{_text(words.possible, self.lang)}: {b.court_condition(list(d.findings))}")
            out += [f"{d.label}：{line}" if self.lang == "zh" else f"{_sentence(d.label, 'en')}: {line}" for line in lines]
        return out

    def basis(self, parties: tuple[str, ...] | None = None) -> list[str]:
        """The provisions of what holds and is claimed or founds a claim (a remedy that is not
        a claim, such as an injunction applied for apart, left out), and of a possible
        respondent's liability; with ``parties``, only what concerns them (or no party)."""
        b = self.b
        claimed = {e.concl for e in self.data.claims}
        pids: list[str] = []
        for c in sorted(b.assessment.conclusions, key=lambda c: b.sort_key(c.id, c.party)):
            if b.kind(c.id) in ("remedy", "liability") and c.id not in claimed:
                continue
            if b.kind(c.id) in ("offence", "regulatory") or c.id in self.others:
                continue
            if parties is not None and c.party and c.party not in parties:
                continue
            pids += latest(c)
        for o in b.assessment.open:
            if (o.id, o.party) in self.possible and o.id not in self.others and (parties is None or o.party in parties):
                pids += o.provisions
        return list(dict.fromkeys(pids))

    def lines(self, defendants: list[Defendant]) -> list[str]:
        """One line per defendant: the blank for its name, its roles, and for a party not yet
        known, how it is to be found (``pleading.unknown_identity``)."""
        blank = self.b.guidance.party_blank[self.lang]
        out = []
        for d in defendants:
            notes = [_text(words, self.lang) for cond, parties, words in self.data.unknown
                     if set(parties) & set(d.parties) and self.situation.applies(cond)]
            note = "".join(f"（{n}）" if self.lang == "zh" else f" ({n})" for n in dict.fromkeys(notes))
            out.append(f"{d.label}：{blank}（{d.roles}）{note}" if self.lang == "zh"
                       else f"{_sentence(d.label, 'en')}: {blank} ({d.roles}){note}")
        return out

    def party_lines(self, labels: PartyWords) -> tuple[list[str], str]:
        """The defendants' lines and all of them in a word, as a document with its own
        word for them (``labels``) calls them."""
        defendants = self.defendants(labels)
        return self.lines(defendants), (self.together(defendants, labels) if defendants else "")

    def assemble(self) -> Pleaded:
        """The defendants, claims, demands, reasons and basis; the account of the facts is
        :meth:`facts`, per document."""
        defendants = self.defendants()
        claims, demands, blanks = self.claims(defendants)
        words = self.data.words
        assert words is not None
        heading = _text(words.sole_liability if len(defendants) == 1 else words.liability, self.lang)
        return Pleaded(self.lines(defendants), claims, demands, self.reasons(defendants), self.basis(),
                       self.basis(defendants[0].parties if defendants else ()), blanks,
                       self.together(defendants) if defendants else "", heading)


def assembler(builder: Any, situation: Situation) -> Assembler:
    """The :class:`Assembler` of a report builder's case."""
    return Assembler(builder, situation)


def latest(conclusion: Any) -> list[str]:
    """The provisions a held conclusion rests on under the latest law its possible dates reach
    (its last ``periods`` entry when they differ between parts of an inexact date; else all):
    what a person writing now invokes — not an older rule, whose own conditions (the General
    Principles' profit element …) might read against them."""
    periods = conclusion.periods
    return list(periods[-1]["provisions"]) if periods else list(conclusion.provisions)
