"""The web server's static files and its content security policies.

Two scripts of our own (``static/app.js``, the pages' optional history helper; ``static/docs.js``,
which starts Swagger UI) and Swagger UI's own files as the ``fastapi-offline`` package ships
them (Swagger UI is Apache-2.0), so ``/docs`` needs nothing from another server. Each page's
policy allows exactly what it loads: the questionnaire's pages one same-origin script and
inline styles; ``/docs`` same-origin scripts and styles (Swagger UI's), inline styles and
``data:`` images (its icons), and fetches to this server (the OpenAPI document, "try it out").
"""

from __future__ import annotations

import functools
from importlib.resources import files

from .render import esc

_COMMON = "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
#: the questionnaire's pages (and every other response): our one script, inline styles
PAGE_CSP = f"default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; {_COMMON}"
#: ``/docs``: Swagger UI served from here
DOCS_CSP = (f"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; connect-src 'self'; {_COMMON}")
#: the files served under ``/static/``: name → (package, file in it, media type)
FILES = {
    "app.js": ("faceright", "static/app.js", "text/javascript"),
    "docs.js": ("faceright", "static/docs.js", "text/javascript"),
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css", "text/css"),
}
#: static files change only with the installed version: a day in any cache is fine
STATIC_CACHE = "public, max-age=86400"


@functools.cache
def static_file(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of ``/static/NAME``, or ``None`` when there is no such file
    (one of :data:`FILES` only: no path from a request ever reaches the file system)."""
    entry = FILES.get(name)
    if entry is None:
        return None
    package, path, media_type = entry
    return files(package).joinpath(path).read_bytes(), media_type


def docs_page(title: str, openapi_url: str) -> str:
    """The ``/docs`` page: Swagger UI on ``openapi_url``, every file from this server."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} — API</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="stylesheet" href="/static/swagger-ui.css"></head><body>'
            f'<main id="swagger-ui" data-url="{esc(openapi_url)}"></main>'
            '<script src="/static/swagger-ui-bundle.js"></script><script src="/static/docs.js"></script>'
            "</body></html>")
