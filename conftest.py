"""Collects every case file with an ``expect`` block as a pytest item (OpenFisca-style YAML tests)."""

from faceright.pytest_plugin import pytest_collect_file  # noqa: F401
