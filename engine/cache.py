"""A per-user cache of the loaded rulebook, so that a one-case command starts fast.

What is cached is whatever :func:`cached` is given to build (the validated :class:`Rulebook`
and its compiled JSON ruleset, see :func:`faceright.evaluate.load_engine`) — never the
durable_rules runtime. It is stored in ``$FACERIGHT_CACHE_DIR``, else
``$XDG_CACHE_HOME/faceright``, else ``~/.cache/faceright``; ``FACERIGHT_NO_CACHE=1`` turns it
off.

A cached value is **never trusted without the key check**. The key is recomputed on every
start (about a millisecond) from the bytes of every ``*.yaml`` file of the rules directory, the
directory's path, the faceright version, the bytes of faceright's own modules (so a code change
invalidates it, released or not), the Python and pydantic versions. A cache file is
``MAGIC``, the key, the SHA-256 of the payload, then the pickled payload; it is unpickled only
when its key is the expected one and its payload hashes to the recorded digest, so a corrupt,
truncated, stale or foreign file is a miss (rebuilt and rewritten), never a crash. Files are
written atomically (a temporary file renamed into place); one file per rules directory, and
at most :data:`MAX_FILES` are kept.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeGuard, TypeVar

from . import __version__

MAGIC = b"faceright-rulebook-cache/1\n"
MAX_FILES = 16
T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where cache files go, or ``None`` when caching is off (``FACERIGHT_NO_CACHE=1``)."""
    if os.environ.get("FACERIGHT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("FACERIGHT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "faceright"
    try:
        return Path.home() / ".cache" / "faceright"
    except (KeyError, RuntimeError):  # no home directory to be found
        return None


def _code_digest() -> bytes:
    """SHA-256 of faceright's own modules (their names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def key_for(directory: Path) -> str:
    """The cache key (64 hex digits) of a rules directory, as its files are now.

    Raises ``OSError`` when a file cannot be read (the caller then loads without the cache)."""
    import pydantic
    import pydantic_core
    digest = hashlib.sha256(MAGIC)
    for part in (__version__, sys.version, sys.implementation.cache_tag or "",
                 pydantic.VERSION, pydantic_core.__version__, str(directory)):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(_code_digest())
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file_for(root: Path, directory: Path) -> Path:
    name = hashlib.sha256(str(directory).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return root / f"rulebook-{name}.cache"


def read(path: Path, key: str) -> object | None:
    """The value stored in ``path`` under ``key``; ``None`` (a miss) for a missing, corrupt,
    truncated, stale or foreign file."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = MAGIC + key.encode() + b"\n"
    if not raw.startswith(head):
        return None
    digest, newline, payload = raw[len(head):].partition(b"\n")
    if not newline or digest != hashlib.sha256(payload).hexdigest().encode():
        return None
    try:
        value: object = pickle.loads(payload)  # noqa: S301 - verified above as written for this key
        return value
    except Exception:  # noqa: BLE001 - e.g. a class that no longer exists: a miss
        return None


def write(path: Path, key: str, value: object) -> None:
    """Store ``value`` under ``key`` atomically; failures (read-only disk…) are ignored."""
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".cache")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(MAGIC + key.encode() + b"\n"
                          + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(path.parent)
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        pass


def _prune(root: Path) -> None:
    """Keep the :data:`MAX_FILES` most recently written cache files."""
    files = sorted(root.glob("rulebook-*.cache"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[MAX_FILES:]:
        old.unlink(missing_ok=True)


def cached(directory: Path, build: Callable[[], T], valid: Callable[[object], TypeGuard[T]]) -> T:
    """``build()``'s value for the rules in ``directory`` (an absolute path), from the cache
    when an entry for the files as they are now exists and passes ``valid``; otherwise built
    and stored. Errors of ``build`` propagate and are never cached."""
    root = cache_dir()
    if root is None:
        return build()
    try:
        key = key_for(directory)
    except OSError:
        return build()
    path = _file_for(root, directory)
    hit = read(path, key)
    if hit is not None and valid(hit):
        return hit
    value = build()
    write(path, key, value)
    return value
