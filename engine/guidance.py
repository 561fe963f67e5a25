"""Next steps and the draft notice to a platform, from the rulebook's ``guidance.yaml`` texts
(validated when the rulebook is loaded: :func:`load_guidance`)."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from .assessment import Assessment
from .errors import RuleFileError
from .evaluate import Engine
from .render import DISCLAIMER

LANGS = ("zh", "en")


class NextSteps(BaseModel):
    """The next-steps texts of one language."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    heading: str
    evidence: str
    limitation: str
    address: str
    platform: str
    police: str
    regulator: str


class Guidance(BaseModel):
    """``guidance.yaml``: ``next_steps`` and ``notice`` (the draft notice), each in zh and en."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    next_steps: dict[str, NextSteps]
    notice: dict[str, str]


#: the placeholders each text may use (every other text takes none)
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "address": frozenset({"parties"}), "platform": frozenset({"notice_path"}),
    "notice": frozenset({"platform", "found", "evidence", "today"})}


def _placeholder_problem(text: str, allowed: frozenset[str]) -> str | None:
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text)
                  if name is not None]
    except ValueError as exc:
        return f"not a valid template ({exc}; write {{{{ and }}}} for literal braces)"
    for name, spec, conv in fields:
        if name not in allowed or spec or conv:
            shown = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            choices = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
            return f"unknown placeholder {shown} (allowed here: {choices})"
    return None


def load_guidance(path: Path, doc: Any) -> Guidance:
    """Validate the document of ``guidance.yaml`` (a :class:`~faceright.source.Document`):
    the shape, both languages, and every ``{placeholder}``. Raises :class:`RuleFileError` with
    the file, line and key."""
    from .rulebook import _model
    guidance = _model(Guidance, doc, path)
    for section in ("next_steps", "notice"):
        texts: dict[str, Any] = getattr(guidance, section)
        for lang in texts:
            if lang not in LANGS:
                raise RuleFileError(str(path), doc.line_of((section, lang)), None, f"{section}.{lang}",
                                    f"unknown language (expected {' and '.join(LANGS)})")
        for lang in LANGS:
            if lang not in texts:
                raise RuleFileError(str(path), doc.line_of((section,)), None, f"{section}.{lang}",
                                    "missing")
            items = ([("notice", texts[lang])] if section == "notice"
                     else list(texts[lang].model_dump().items()))
            for key, text in items:
                problem = _placeholder_problem(text, PLACEHOLDERS.get(key, frozenset()))
                if problem:
                    loc = (section, lang) if section == "notice" else (section, lang, key)
                    raise RuleFileError(str(path), doc.line_of(loc), None, ".".join(loc), problem)
    return guidance


def _texts(engine: Engine) -> Guidance:
    guidance: Guidance = engine.book.guidance
    return guidance


def _kinds(engine: Engine, assessment: Assessment) -> set[str]:
    return {engine.book.conclusions[c.id].kind for c in assessment.conclusions}


def notice_text(engine: Engine, assessment: Assessment, facts: dict[str, Any], lang: str,
                today: dt.date) -> str:
    """The draft notice (Civil Code 1195) with its fields filled from the answers."""
    texts = _texts(engine).notice[lang]
    rights = [c for c in assessment.conclusions if engine.book.conclusions[c.id].kind == "right"]
    lines = []
    for c in rights:
        spec = engine.book.conclusions[c.id]
        title = spec.zh if lang == "zh" else spec.en
        cites = engine.book.catalogue.cite(c.provisions, lang)
        lines.append(f"   - {title}（{cites}）" if lang == "zh" else f"   - {title} ({cites})")
        lines.append("     " + "; ".join(c.because))
    evidence = "\n".join(lines) or ("   - [请填写]" if lang == "zh" else "   - [fill in]")
    platform = "[平台名称]" if lang == "zh" else "[platform name]"
    found = str(facts.get("notice_date") or ("[请填写]" if lang == "zh" else "[fill in]"))
    return str(texts.format(platform=platform, found=found, evidence=evidence,
                            today=today.isoformat()))


def next_steps(engine: Engine, assessment: Assessment, facts: dict[str, Any], lang: str,
               notice_path: str | None) -> str:
    """What to do now: evidence, time limits, whom to address, the platform, police, regulator."""
    texts = _texts(engine).next_steps[lang].model_dump()
    kinds = _kinds(engine, assessment)
    parties = sorted({c.party for c in assessment.conclusions if c.party})
    who = ("、" if lang == "zh" else ", ").join(engine.book.party_name(p, lang) for p in parties) or "—"
    lines = [f"{texts['heading']}:", f"  - {texts['evidence']}", f"  - {texts['limitation']}",
             f"  - {texts['address'].format(parties=who)}"]
    if facts.get("platform_hosted") and notice_path:
        lines.append(f"  - {texts['platform'].format(notice_path=notice_path)}")
    if "offence" in kinds:
        lines.append(f"  - {texts['police']}")
    if "regulatory" in kinds:
        lines.append(f"  - {texts['regulator']}")
    return "\n".join(["", *lines, "", DISCLAIMER[lang]]) + "\n"
