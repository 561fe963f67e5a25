"""Next steps and the draft notice to a platform, from the rulebook's ``guidance.yaml`` texts."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from .assessment import Assessment
from .evaluate import Engine
from .render import DISCLAIMER, PARTY_NAMES
from .source import read_documents


@cache
def _texts(directory: str) -> dict[str, Any]:
    [doc] = read_documents((Path(directory) / "guidance.yaml").read_text(encoding="utf-8"))
    data: dict[str, Any] = doc.data
    return data


def _kinds(engine: Engine, assessment: Assessment) -> set[str]:
    return {engine.book.conclusions[c.id].kind for c in assessment.conclusions}


def notice_text(engine: Engine, assessment: Assessment, facts: dict[str, Any], lang: str,
                today: dt.date) -> str:
    """The draft notice (Civil Code 1195) with its fields filled from the answers."""
    texts = _texts(str(engine.book.directory))["notice"][lang]
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
    texts = _texts(str(engine.book.directory))["next_steps"][lang]
    kinds = _kinds(engine, assessment)
    parties = sorted({c.party for c in assessment.conclusions if c.party})
    names = PARTY_NAMES[lang]
    who = ("、" if lang == "zh" else ", ").join(names.get(p, p) for p in parties) or "—"
    lines = [f"{texts['heading']}:", f"  - {texts['evidence']}", f"  - {texts['limitation']}",
             f"  - {texts['address'].format(parties=who)}"]
    if facts.get("platform_hosted") and notice_path:
        lines.append(f"  - {texts['platform'].format(notice_path=notice_path)}")
    if "offence" in kinds:
        lines.append(f"  - {texts['police']}")
    if "regulatory" in kinds:
        lines.append(f"  - {texts['regulator']}")
    return "\n".join(["", *lines, "", DISCLAIMER[lang]]) + "\n"
