"""Rules about the rule base and its shipped cases (the legal rule base's "done" criteria)."""

from __future__ import annotations

import datetime as dt

import re
from pathlib import Path

import pytest

from faceright.casefile import read_cases
from faceright.evaluate import Engine
from faceright.explain import explain_case, flips

#: The contract's headline conclusion ids (shared/spec/case-file.md): never renamed or dropped.
HEADLINE = """portrait_right_infringed voice_interest_infringed reputation_right_infringed
name_right_infringed personal_information_infringed deceased_personality_protected reasonable_use
not_a_portrait platform_jointly_liable labeling_violation advertising_violation consent_check_violation
remedy.cease_infringement remedy.eliminate_effects remedy.apology remedy.compensate_property_loss
remedy.compensate_mental_distress remedy.reasonable_expenses remedy.injunction offence.fraud
offence.obscene_for_profit offence.obscene_dissemination offence.defamation offence.personal_information
offence.false_information administrative_penalty""".split()


def shipped(engine: Engine, root: Path) -> list:  # type: ignore[type-arg]
    out = []
    for path in sorted((root / "cases").rglob("*.yaml")):
        for loaded in read_cases(engine.reader, str(path)):
            assert loaded.error is None, str(loaded.error)
            out.append(loaded.case)
    return out


def test_every_headline_conclusion_has_a_rule(engine: Engine) -> None:
    concluded = {r.concl for r in engine.book.rules}
    assert not [c for c in HEADLINE if c not in concluded]
    assert not [c for c in HEADLINE if engine.book.conclusions[c].kind == "internal"]


def test_every_headline_conclusion_is_produced_by_a_shipped_case(engine: Engine, root: Path) -> None:
    produced = {c.id for case in shipped(engine, root) for c in engine.assess(case).conclusions}
    assert not [c for c in HEADLINE if c not in produced]


def test_every_shipped_case_has_expectations_and_a_basis(engine: Engine, root: Path) -> None:
    """Personas (``cases/personas``) state only what a person can tell and carry no
    expectations by design: their tests (``tests/test_interview.py``) compare the interview
    with what ``assess`` gives for the same facts."""
    personas = {loaded.case.case for path in (root / "cases" / "personas").glob("*.yaml")
                for loaded in read_cases(engine.reader, str(path))}
    for case in shipped(engine, root):
        if case.case in personas:
            continue
        assert case.expect is not None, case.case
        assert case.expect.conclusions or case.expect.absent or case.expect.open, case.case
        assert case.basis, case.case


def test_decided_cases_name_their_source(engine: Engine, root: Path) -> None:
    decided = [c for c in shipped(engine, root) if c.case in {
        p.stem for p in (root / "cases" / "decided").glob("*.yaml")}]
    assert len(decided) >= 12
    for case in decided:
        assert case.source, case.case


def test_explain_and_flips_work_for_every_shipped_case(engine: Engine, root: Path) -> None:
    for case in shipped(engine, root):
        report = explain_case(engine, case, None, None, None, False)
        assessment = engine.assess(case)
        for c in assessment.conclusions:
            label = c.id if c.party is None else f"{c.id}@{c.party}"
            assert report.why[label], (case.case, label)
            assert report.why[label][0].provisions
        expect = case.expect
        if expect is None:  # a persona: no expectations by design (see above)
            continue
        main = (expect.conclusions or expect.absent or expect.open)[0].partition("@")[0]
        assert flips(engine, case, [main], limit=1), f"{case.case}: no flip for {main}"


def test_every_conclusion_cites_provisions_in_force_or_bridged(engine: Engine, root: Path) -> None:
    """Every provision a conclusion cites is in force on the case's law date, or the
    conclusion also cites the transitional provision that made its rule applicable. For a date
    given as a range: in force on some day of it (the property tests check each day)."""
    bridges = {"spc-civil-code-temporal-1", "spc-civil-code-temporal-3"}
    for case in shipped(engine, root):
        assessment = engine.assess(case)
        period = assessment.incident_period
        first, last = ((dt.date.fromisoformat(period["from"]), dt.date.fromisoformat(period["to"]))
                       if period else (case.incident_date, case.incident_date))

        def in_force(pid: str) -> bool:
            prov = engine.book.catalogue.get(pid)
            return prov.effective_from <= last and (prov.effective_to is None or prov.effective_to >= first)

        for c in assessment.conclusions:
            late = [p for p in c.provisions if p not in bridges and not in_force(p)]
            if late:
                assert bridges & set(c.provisions), (case.case, c.id, late)


# --- every rule quotes its statute text, or says why it cannot -------------------------------

def test_a_law_named_inside_a_title_takes_single_angle_brackets(engine: Engine) -> None:
    # a citation wraps the law's name in 《》, so a law named inside it takes 〈〉
    # (《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》): nested 《《》》 is a typo a lawyer sees
    catalogue = engine.book.catalogue
    wrong = sorted({catalogue.get(p).law for p in catalogue.ids() if "《" in catalogue.get(p).law})
    assert wrong == []
    cited = catalogue.cite(["spc-civil-procedure-interpretation-25"], "zh")
    assert cited == "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第二十五条"


def test_every_rule_quotes_verified_text_or_says_why_it_cannot(engine: Engine) -> None:
    book = engine.book
    for rule in book.rules:
        spec = rule.spec
        texts = {p: book.catalogue.get(p).text_zh for p in spec.provisions}
        assert (spec.text is None) != (spec.text_unverified is None), rule.id
        if spec.text_unverified is not None:
            # the reason is true: no cited provision has verified text in the catalogue
            assert not any(texts.values()), rule.id
            assert all(not book.catalogue.get(p).verified for p in spec.provisions), rule.id
            assert any(p in spec.text_unverified for p in spec.provisions), rule.id
        else:
            assert spec.text and any(spec.text.replace(" ", "") in (t or "").replace("\n", "")
                                     for t in texts.values()), rule.id


QUOTED_RULE = """\
subject: test
title_zh: 测试
title_en: Test
rules:
  - id: test.rule
    title_zh: 测试规则
    title_en: Test rule
    provisions: [PROVISION]
FIELDS
    when: {fact: identifiable, is: true}
    conclude: {id: portrait_right_infringed, party: creator}
"""


def _rule(provision: str, fields: str) -> str:
    return QUOTED_RULE.replace("PROVISION", provision).replace("FIELDS\n", fields)


@pytest.mark.parametrize("provision,fields,expected", [
    ("civil-code-1019", "    text: 未经肖像权人同意\n    text_unverified: no text\n",
     "test.yaml:10: rule 'test.rule': text_unverified: give either 'text' (a verbatim quote) or "
     "'text_unverified' (why no text can be quoted), not both"),
    ("civil-code-1019", "    text_unverified: gpcl-100 is not verified\n",
     "test.yaml:9: rule 'test.rule': text_unverified: provision 'civil-code-1019' has verified text "
     "in the catalogue: quote it in 'text' instead"),
    ("gpcl-100", "    text_unverified: '  '\n",
     "test.yaml:9: rule 'test.rule': rules.0.text_unverified"),
])
def test_text_unverified_is_refused_where_a_quote_is_possible(tmp_path: Path, root: Path, provision: str,
                                                              fields: str, expected: str) -> None:
    from test_rulebook_errors import error_of
    assert error_of(tmp_path, root, _rule(provision, fields)).startswith(expected)


def test_lint_reports_a_rule_with_neither_quote_nor_reason(tmp_path: Path, root: Path) -> None:
    from test_rulebook_errors import book_with

    from faceright.lint import lint
    from faceright.rulebook import load_rulebook
    bare = [str(f) for f in lint(load_rulebook(book_with(tmp_path / "a", root, _rule("gpcl-100", ""))))
            if "test.rule" in str(f)]
    assert any("no statute text quoted and no 'text_unverified' reason (none of gpcl-100 has verified "
               "text: say so)" in f for f in bare), bare
    said = [str(f) for f in lint(load_rulebook(book_with(
        tmp_path / "b", root, _rule("gpcl-100", "    text_unverified: gpcl-100 is not verified\n"))))
        if "test.rule" in str(f) and "statute text" in str(f)]
    assert said == []


# --- PROVISIONS.md states computed facts ------------------------------------------------------

def _table(markdown: str, heading: str) -> list[list[str]]:
    """The rows of the first table after ``heading`` (cells stripped, header and rule skipped)."""
    body = markdown.split(heading, 1)[1]
    rows = []
    for line in body.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows[2:]


def test_provisions_md_counts_are_the_catalogues(engine: Engine, root: Path) -> None:
    book = engine.book
    doc = (root / "rules" / "PROVISIONS.md").read_text(encoding="utf-8")
    ids = book.catalogue.ids()
    unverified = {p for p in ids if not book.catalogue.get(p).verified}
    exceptions = [u for r in book.rules for u in r.spec.unless]
    actual = {
        "catalogue entries": len(ids),
        "verified": len(ids) - len(unverified),
        "not verified": len(unverified),
        "rules": len(book.rules),
        "rules quoting their statute text": sum(1 for r in book.rules if r.spec.text),
        "rules citing only not-verified provisions": sum(1 for r in book.rules if r.spec.text_unverified),
        "exceptions": len(exceptions),
        "exceptions quoting statute text": sum(1 for u in exceptions if u.text),
        "exceptions citing only not-verified provisions": sum(1 for u in exceptions if u.text_unverified),
    }
    stated = {re.sub(r" \(.*", "", what): int(n) for what, n in _table(doc, "## Counts")}
    assert stated == actual
    # the instrument table adds up to the catalogue, and so do its not-verified rows
    coverage = _table(doc, "## Coverage")
    assert sum(int(row[1].split()[0]) for row in coverage) == len(ids)
    assert sum(int(row[1].split()[0]) for row in coverage if "not verified" in row[1]) == len(unverified)
    # the not-verified table names exactly the catalogue's not-verified entries
    named = [p for row in _table(doc, "## Not verified") for p in row[0].split(", ")]
    assert sorted(named) == sorted(unverified)


# --- what domain knowledge engine/ still holds (README: "engine/ is domain-free, except …") --

#: Every string constant in engine/*.py that names something of the rule base (a fact, a
#: conclusion, a party, a policy, a provision), by file. The README states this list; a new
#: domain name in engine/ fails here until it is moved to rules/ data or documented.
ENGINE_DOMAIN_NAMES = {
    "casefile.py": {"incident_date"},     # the case file's top-level date (the contract)
    "vocabulary.py": {"incident_date"},
}


def test_engine_names_only_the_documented_domain_words(engine: Engine, root: Path) -> None:
    import ast
    book = engine.book
    domain = (set(book.vocabulary.names()) | set(book.conclusions) | set(book.parties)
              | set(book.policies) | set(book.catalogue.ids()) | {"incident_date"})
    found: dict[str, set[str]] = {}
    for path in sorted((root / "engine").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        words = {node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in domain}
        if words:
            found[path.name] = words
    assert found == ENGINE_DOMAIN_NAMES
