"""The CLI through click's runner and as a real subprocess: exit codes and exact output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from faceright.cli import main

EXAMPLE = "cases/zhang-v-template-app.yaml"


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_assess_json_matches_the_contract(root: Path, engine) -> None:  # type: ignore[no-untyped-def]
    code, out, err = invoke("assess", str(root / EXAMPLE), "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data) == ["format", "case", "law_as_of", "rules_version", "conclusions", "open"]
    assert data["format"] == "faceright/1" and data["case"] == "zhang-v-template-app"
    assert data["law_as_of"] == "2023-06-01"
    assert data["rules_version"] == engine.version
    keys = [(c["id"], c["party"] or "") for c in data["conclusions"]]
    assert keys == sorted(keys)
    ids = {c["id"] for c in data["conclusions"]}
    assert {"portrait_right_infringed", "platform_jointly_liable"} <= ids
    for c in data["conclusions"]:
        assert c["status"] == "holds"
        assert c["provisions"] and all(p in engine.book.catalogue for p in c["provisions"])
        assert c["because"]
    platform = next(c for c in data["conclusions"] if c["id"] == "platform_jointly_liable")
    assert platform["party"] == "platform" and platform["scope"] == "expanded_damage"
    assert platform["policies_used"] == {"platform_timely_hours": 24}
    for item in data["open"]:
        assert set(item) == {"id", "party", "needs", "provisions"} and item["needs"]
        assert (item["id"], item["party"]) not in {(c["id"], c["party"]) for c in data["conclusions"]}


def test_assess_text_cites_article_text_and_ends_with_disclaimer(root: Path) -> None:
    code, out, _ = invoke("assess", str(root / EXAMPLE), "--lang", "en")
    assert code == 0
    assert "Civil Code of the People's Republic of China, art. 1018, art. 1019" in out
    assert "利用信息技术手段伪造" not in out  # statute text is folded …
    assert "  ✔ Portrait right infringed — the maker of the content" in out.splitlines()
    assert out.rstrip().endswith("Assessment aid, not legal advice.")
    code, out, _ = invoke("assess", str(root / EXAMPLE), "--lang", "en", "--law-text")
    assert out.count("利用信息技术手段伪造") == 1  # … and unfolded once
    code, out, _ = invoke("assess", str(root / EXAMPLE))
    assert out.rstrip().endswith("仅为评估辅助，不构成法律意见。")


def test_as_of_overrides_the_law_date(root: Path) -> None:
    code, out, _ = invoke("assess", str(root / EXAMPLE), "--format", "json", "--as-of", "2019-05-01")
    data = json.loads(out)
    assert data["law_as_of"] == "2019-05-01"
    assert all("civil-code-1019" not in c["provisions"] for c in data["conclusions"])
    code, _, err = invoke("assess", str(root / EXAMPLE), "--as-of", "2019-13-01")
    assert code == 2 and "is not a date" in err


def test_stdin_and_several_cases_print_one_json_line_each(root: Path) -> None:
    text = (root / EXAMPLE).read_text(encoding="utf-8")
    second = text.replace("case: zhang-v-template-app", "case: second")
    code, out, _ = invoke("assess", "-", "--format", "json", input=text + "---\n" + second)
    assert code == 0
    assert [json.loads(line)["case"] for line in out.splitlines()] == ["zhang-v-template-app", "second"]


def test_schema_is_the_case_model(root: Path) -> None:
    code, out, _ = invoke("schema")
    schema = json.loads(out)
    assert code == 0
    assert schema["additionalProperties"] is False
    facts = schema["$defs"]["Facts"]["properties"]
    assert "consent" in facts and "platform_response_hours" in facts


def test_provisions_list_and_show(root: Path) -> None:
    code, out, _ = invoke("provisions", "--as-of", "2019-06-01")
    assert code == 0
    assert "gpcl-100" in out and "civil-code-1019 " not in out
    code, out, _ = invoke("provisions", "gpcl-100")
    assert "text not verified — see source" in out and "verified: no" in out
    code, out, _ = invoke("provisions", "civil-code-1019", "--as-of", "2023-01-01")
    assert "in force on 2023-01-01: yes" in out and "source: LawRefBook/Laws" in out
    code, _, err = invoke("provisions", "civil-code-1091")
    assert code == 2 and "did you mean" in err


def test_python_cli_py_runs_from_the_checkout(root: Path) -> None:
    proc = subprocess.run([sys.executable, "cli.py", "assess", EXAMPLE, "--format", "json"],
                          cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["case"] == "zhang-v-template-app"


def test_bad_rules_directory_is_a_usage_error(tmp_path: Path, root: Path) -> None:
    code, _, err = invoke("assess", str(root / EXAMPLE), "--rules", str(tmp_path))
    assert code == 2 and "facts.yaml" in err and "Traceback" not in err


def test_provisions_json_carries_verified_and_source() -> None:
    code, out, _ = invoke("provisions", "gpcl-100", "--format", "json")
    [entry] = json.loads(out)
    assert code == 0 and entry["verified"] is False and entry["text_zh"] is None and entry["source"]
