"""Pin every shipped case's whole result in its ``expect`` block.

``python scripts/pin_cases.py [--check] [PATHS…]`` (default ``cases/``) assesses each case file
and rewrites its ``expect:`` block to ``exact: true``, ``exact_open: true``, every conclusion
that holds (``id@party``, or ``id`` for a conclusion without a party), every open item (and,
under ``likely``, those marked likely), and the
``absent`` and ``accepted`` entries the file already had. Everything else in the file (comments,
``basis``, ``notes``) is kept byte for byte. It prints, per file, the conclusions and open items
that the old expectation did not name, for a lawyer to review before committing. ``--check``
changes nothing and exits 1 when some file is not pinned (as CI could run it).

One case per file (the shipped layout); a file holding several documents is refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faceright.casefile import read_cases  # noqa: E402
from faceright.evaluate import load_engine  # noqa: E402


def _label(cid: str, party: str | None) -> str:
    return f"{cid}@{party}" if party else cid


def _yaml_list(key: str, items: list[str], width: int = 100) -> list[str]:
    """``  key: [a, b, …]`` as a flow sequence wrapped at ``width`` columns."""
    lines = [f"  {key}: ["]
    for i, item in enumerate(items):
        piece = item + (", " if i < len(items) - 1 else "")
        if len(lines[-1]) + len(piece.rstrip()) > width and not lines[-1].endswith("["):
            lines[-1] = lines[-1].rstrip()
            lines.append("    ")
        lines[-1] += piece
    lines[-1] += "]"
    return lines


def block(expect: object, holds: list[str], open_: list[str], likely: list[str] | None = None) -> list[str]:
    """The new ``expect:`` block's lines (``likely``: the open items marked likely)."""
    absent = list(getattr(expect, "absent", []))
    accepted = list(getattr(expect, "accepted", []))
    lines = ["expect:", "  exact: true", "  exact_open: true"]
    if likely:
        lines += _yaml_list("likely", likely)
    lines += _yaml_list("conclusions", holds)
    lines += _yaml_list("open", open_)
    lines += _yaml_list("absent", absent)
    if accepted:
        lines.append("  accepted:")
        for a in accepted:
            lines += [f"    - conclusion: {a.conclusion}", f"      reason: {json.dumps(a.reason, ensure_ascii=False)}"]
    return lines


def pin(path: Path, engine: object, check: bool) -> bool:
    """Pin one file; True when it changed (or, with ``check``, would change)."""
    loaded = list(read_cases(engine.reader, str(path)))  # type: ignore[attr-defined]
    if len(loaded) != 1 or loaded[0].case is None:
        raise SystemExit(f"{path}: expected exactly one valid case")
    case = loaded[0].case
    result = engine.assess(case)  # type: ignore[attr-defined]
    old = case.expect
    accepted = {a.conclusion for a in old.accepted} if old else set()
    holds = sorted({_label(c.id, c.party) for c in result.conclusions} - accepted)
    open_ = sorted({_label(o.id, o.party) for o in result.open} - accepted)
    likely = sorted({_label(o.id, o.party) for o in result.open if o.likely} - accepted)
    new_likely = [x for x in likely if old is None or x not in old.likely]
    named = set(old.conclusions) | set(old.open) if old else set()
    new_items = [h for h in holds if h not in named and h.partition("@")[0] not in named]
    new_open = [o for o in open_ if o not in named and o.partition("@")[0] not in named]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line == "expect:" or line.startswith("expect: ")), None)
    if start is None:
        start = len(lines) - 1 if lines[-1] == "" else len(lines)
        end = start
    else:
        end = start + 1
        while end < len(lines) and (lines[end].startswith((" ", "#")) or lines[end] == ""):
            end += 1
        while end > start + 1 and lines[end - 1] == "":
            end -= 1
    new = lines[:start] + block(old, holds, open_, likely) + lines[end:]
    changed = new != lines
    if changed and not check:
        path.write_text("\n".join(new), encoding="utf-8")
    if new_items or new_open or new_likely:
        print(f"{path}: newly pinned: holds {new_items} open {new_open} likely {new_likely}")
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "cases")])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    engine = load_engine(ROOT / "rules")
    files = sorted({f for p in map(Path, args.paths)
                    for f in ([p] if p.is_file() else p.rglob("*.yaml"))})
    changed = [f for f in files if pin(f, engine, args.check)]
    print(f"{len(changed)} of {len(files)} file(s) {'not pinned' if args.check else 'pinned'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
