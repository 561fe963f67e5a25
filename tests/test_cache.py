"""The per-user rulebook cache: a hit gives the same assessment, any change or damage is a miss."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from faceright import cache
from faceright.evaluate import _build, _is_built

ROOT = Path(__file__).resolve().parent.parent
CASE = str(ROOT / "cases" / "zhang-v-template-app.yaml")


@pytest.fixture()
def rules(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    return copy.resolve()


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("FACERIGHT_CACHE_DIR", str(root))
    monkeypatch.delenv("FACERIGHT_NO_CACHE", raising=False)
    return root


class Counting:
    """A build function for the rules directory that counts its calls."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return _build(self.directory)


def load(rules: Path, build: Counting) -> object:
    return cache.cached(rules, build, _is_built)


def only_file(store: Path) -> Path:
    [path] = store.glob("rulebook-*.cache")
    return path


def test_a_second_load_is_a_hit(rules: Path, store: Path) -> None:
    build = Counting(rules)
    first = load(rules, build)
    second = load(rules, build)
    assert build.calls == 1
    assert _is_built(second) and _is_built(first)
    assert second[0].version == first[0].version
    assert second[1].ruleset == first[1].ruleset
    assert [r.id for r in second[0].rules] == [r.id for r in first[0].rules]


def test_changing_a_rule_file_is_a_miss(rules: Path, store: Path) -> None:
    build = Counting(rules)
    before = load(rules, build)
    path = rules / "portrait.yaml"
    title = "An image by which no one can be identified is not a portrait"
    path.write_text(path.read_text(encoding="utf-8").replace(title, title + " (edited)"),
                    encoding="utf-8")
    after = load(rules, build)
    assert build.calls == 2
    assert _is_built(before) and _is_built(after)
    [rule] = [r for r in after[0].rules if r.id == "portrait.not_a_portrait"]
    assert rule.spec.title_en == title + " (edited)"
    assert after[0].version != before[0].version
    load(rules, build)
    assert build.calls == 2  # and the new build is what is cached now


def test_adding_a_rule_file_is_a_miss(rules: Path, store: Path) -> None:
    build = Counting(rules)
    load(rules, build)
    (rules / "extra.yaml").write_text("subject: extra\ntitle_zh: 额外\ntitle_en: Extra\nrules: []\n",
                                      encoding="utf-8")
    load(rules, build)
    assert build.calls == 2


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "other-key", "wrong-type"])
def test_a_damaged_or_foreign_cache_file_is_a_miss(rules: Path, store: Path, damage: str) -> None:
    build = Counting(rules)
    load(rules, build)
    path = only_file(store)
    raw = path.read_bytes()
    key = cache.key_for(rules)
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        path.write_bytes(raw[:-100] + bytes([raw[-100] ^ 0xFF]) + raw[-99:])
    elif damage == "garbage":
        path.write_bytes(b"\x80\x04K\x01." * 1000)
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other-key":
        cache.write(path, "0" * 64, pickle.loads(raw[raw.index(b"\n", len(cache.MAGIC) + 65) + 1:]))
    else:
        cache.write(path, key, ("not", "a rulebook"))
    value = load(rules, build)
    assert build.calls == 2 and _is_built(value)
    assert cache.read(only_file(store), key) is not None  # rewritten whole


def test_a_payload_is_never_unpickled_unless_its_digest_matches(rules: Path, store: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    build = Counting(rules)
    load(rules, build)
    path = only_file(store)
    raw = path.read_bytes()
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))

    def refuse(_: bytes) -> object:
        raise AssertionError("unpickled an unverified payload")

    monkeypatch.setattr(cache.pickle, "loads", refuse)
    assert cache.read(path, cache.key_for(rules)) is None


def test_no_cache_writes_nothing(rules: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACERIGHT_NO_CACHE", "1")
    build = Counting(rules)
    load(rules, build)
    load(rules, build)
    assert build.calls == 2 and not store.exists()


def test_the_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACERIGHT_NO_CACHE", raising=False)
    monkeypatch.delenv("FACERIGHT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "faceright"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "faceright"
    monkeypatch.setenv("FACERIGHT_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("FACERIGHT_NO_CACHE", "1")
    assert cache.cache_dir() is None


def test_an_unwritable_cache_folder_is_not_an_error(rules: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv("FACERIGHT_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("FACERIGHT_NO_CACHE", raising=False)
    build = Counting(rules)
    assert _is_built(load(rules, build))


def test_old_files_are_pruned(rules: Path, store: Path) -> None:
    for i in range(cache.MAX_FILES + 5):
        cache.write(store / f"rulebook-{i:04}.cache", "0" * 64, i)
    assert len(list(store.glob("rulebook-*.cache"))) == cache.MAX_FILES
    assert not list(store.glob(".tmp-*"))


def _assess(rules: Path, env: dict[str, str]) -> bytes:
    done = subprocess.run([sys.executable, "-c", "from faceright.cli import run; run()", "assess",
                           CASE, "--format", "json", "--rules", str(rules)],
                          env=env, capture_output=True, check=True)
    return done.stdout


def test_a_hit_prints_the_same_assessment_bytes(rules: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACERIGHT_")}
    env["FACERIGHT_CACHE_DIR"] = str(tmp_path / "cache")
    cold = _assess(rules, env)
    path = only_file(tmp_path / "cache")
    written = path.stat()
    warm = _assess(rules, env)
    again = path.stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)  # a hit
    uncached = _assess(rules, {**env, "FACERIGHT_NO_CACHE": "1"})
    assert cold == warm == uncached
    assert b'"case": "zhang-v-template-app"' in warm
