"""What every answer tells the browser, and what is refused before any view runs: the wall shares an
exhibit Wi-Fi with thousands of phones.

- **Headers.** A page (the wall, a panel, the remote) runs under a Content-Security-Policy of its own
  origin only: scripts from the wall's own files, plus the inline scripts Dash writes (its renderer
  and the clientside callbacks) and those of the server's own templates, each by its hash; no page
  may frame it. Every other answer (JSON, bundles, assets, an empty tick) is inert as a document.
  Nothing is sniffed, no referrer leaves, and no answer names the server software.
- **Bodies** over ``MAX_BODY`` answer 413 with one short line, before any view reads them.
- **Bundles** Dash does not serve (``/_dash-component-suites/`` with ``../``, an unknown package or
  file) answer 404, not Dash's 500 with its list of every registered path.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path

import dash
from dash.exceptions import DependencyException
from flask import Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler

log = logging.getLogger(__name__)

# A tick's body is a few kB (the viewer's held tokens); nothing the wall or the remote sends is near.
MAX_BODY = 1024 * 1024
LIMIT = f"{MAX_BODY / 2**20:g} MB"
TEMPLATES = Path(__file__).parent / "templates"
FILE_FOLDERS = ("/_dash-component-suites", "/assets")  # files only: Dash's bundles, the wall's assets

EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",  # what frame-ancestors 'none' says, for browsers that predate it
}
# JSON, scripts, styles, images, the empty tick: opened as a document, it may load and run nothing.
INERT = "default-src 'none'; frame-ancestors 'none'"

# An inline script element: no src, and no type, or a JavaScript one (JSON data is never run).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?:\s+type=\"(?:text|application)/javascript\")?\s*>(.*?)</script>", re.S
)


def page_policy(script_hashes: list[str]) -> str:
    """The policy the wall and the remote run under."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes]),
        # plotly.js and React write style attributes, plotly its own <style> rules: no hash can name them.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def script_hash(script: str) -> str:
    """A CSP source for one inline script, hashed as the browser hashes it (newlines as parsed)."""
    digest = hashlib.sha256(script.replace("\r\n", "\n").encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def template_hashes(folder: Path = TEMPLATES) -> list[str]:
    """The hashes of every inline script in the server's own page templates (the remote's)."""
    return [
        script_hash(script)
        for template in sorted(folder.glob("*.html"))
        for script in INLINE_SCRIPT.findall(template.read_text(encoding="utf-8"))
    ]


def not_found() -> Response:
    return Response("404 Not Found\n", status=404, mimetype="text/plain")


def _under(path: str, folders: tuple[str, ...]) -> bool:
    return any(path == folder or path.startswith(folder + "/") for folder in folders)


def _is_page(response: Response) -> bool:
    # An error page or a redirect runs nothing of the wall's: it is inert like any other answer.
    return response.mimetype == "text/html" and response.status_code == 200


def register(app: dash.Dash, *others: dash.Dash) -> None:
    """Headers on every answer, the body limit and the bundle 404s, on the app's Flask server
    (and those of ``others``, the phone view, served by the same one)."""
    server = app.server
    apps = (app, *others)
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    policy: list[str] = []  # built at the first page: Dash knows its inline scripts once callbacks are in

    def page() -> str:
        if not policy:
            inline = {found for each in apps for found in each.csp_hashes()}
            policy.append(page_policy(sorted(inline | set(template_hashes()))))
        return policy[0]

    @server.before_request
    def refuse_large_bodies() -> None:
        # A body that says its length is refused before anything reads it. A chunked one is read
        # here, cut at the limit (werkzeug's stream stops there) and kept for the view: reaching
        # the limit means it went on, which would otherwise reach the view as truncated JSON.
        length = request.content_length
        chunked = length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if (length or 0) > MAX_BODY or (chunked and len(request.get_data(cache=True)) >= MAX_BODY):
            raise RequestEntityTooLarge()

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        log.warning(
            "refused a body over %s: %s %.80r from %s",
            LIMIT,
            request.method,
            request.path,
            request.remote_addr,
        )
        return jsonify({"error": f"request body over {LIMIT}"}), 413

    catch_alls = {each.config.routes_pathname_prefix + "<path:path>" for each in apps}
    folders = tuple(
        each.config.routes_pathname_prefix.rstrip("/") + folder for each in apps for folder in FILE_FOLDERS
    )

    @server.before_request
    def no_page_for_files():
        # Dash answers a path it has no route for with the wall's page: only the wall's pages get
        # it (the whole wall, a screen: a screen it does not have gets the wall's own notice);
        # any other path (/metrics on an old wall's address, //etc/passwd, a missing file) is a 404.
        rule = request.url_rule
        page = not _under(request.path, folders) and PAGES.match(request.path)
        if rule is not None and rule.rule in catch_alls and not page:
            return not_found()
        return None

    @server.errorhandler(DependencyException)
    def unknown_bundle(error: DependencyException):
        # Dash's message lists every registered path: none of it leaves, nor reaches the log.
        return not_found()

    @server.after_request
    def headers(response: Response) -> Response:
        response.headers.update(EVERY_ANSWER)
        response.headers["Content-Security-Policy"] = page() if _is_page(response) else INERT
        return response


# The wall's pages under its catch-all route: a screen (/panel/3), the address a bad screen gets
# a notice at (/panel/9). The phone's /m/ has no pages under it.
PAGES = re.compile(r"/panel(/[^/]*)?/?\Z")


def hide_gunicorn() -> None:
    """gunicorn writes its own "Server: gunicorn" line before the app's headers
    (``gunicorn.http.wsgi.Response.default_headers``) and has no setting to leave it out: drop it.
    Called in the master before workers fork, so every worker answers without it."""
    from gunicorn.http.wsgi import Response as GunicornResponse

    named = GunicornResponse.default_headers
    if getattr(named, "unnamed", False):
        return

    def default_headers(self) -> list[str]:
        return [line for line in named(self) if not line.lower().startswith("server:")]

    default_headers.unnamed = True
    GunicornResponse.default_headers = default_headers


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server without its "Server: Werkzeug/… Python/…" header."""

    def send_response(self, code: int, message: str | None = None) -> None:
        # http.server's own, less the Server line.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())
