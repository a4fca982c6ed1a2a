"""The city wall: `make run` serves it with gunicorn (`app:server`); `python app.py` is the dev server.

Composes the program: the core from dashboard/, the page from layouts/, the callbacks from
callbacks/. Settings come from environment variables (see README) and are printed at start.
"""

from __future__ import annotations

import logging
import os
import sys

import callbacks
from dashboard import cli, core, logs, security, settings
from dashboard.settings import Settings, SettingsError
from layouts import phone as phone_layout
from layouts import wall as wall_layout

log = logging.getLogger("citywall")


def create_wall(config: Settings | None = None, source=None) -> core.Wall:
    """Build the wall: core, page and callbacks. Polling starts with ``start_polling``."""
    config = config or settings.load()
    wall = core.build(config, source=source)
    callbacks.register(wall)

    def page():
        """The page comes with every part drawn in the language and on the district its address
        asked for, so it paints at once, and as asked."""
        lang, district = core.opening("wall")
        first, held = wall.builds.first(wall.read.view(lang, district or None, None))
        return wall_layout.layout(
            config.wall_tick,
            first,
            held,
            lang,
            district or None,
            bezel=config.wall_bezel,
            history=wall.history is not None,
            attract_idle=config.wall_attract_idle,
            attract_dwell=config.wall_attract_dwell,
        )

    wall.app.layout = page

    def phone_page():
        """The phone view, drawn in the language and on the district its address asked for."""
        lang, district = core.opening("phone")
        first, held = wall.phone_builds.first(wall.read.view(lang, district or None, None))
        return phone_layout.layout(config.wall_tick, first, held, lang, district or None)

    wall.phone.layout = phone_page

    # gunicorn and other WSGI servers never call main(): the first request starts polling.
    @wall.server.before_request
    def _start_polling() -> None:
        wall.start_polling()

    return wall


def main() -> int:
    """Flask's development server, for development only: `make run` serves with gunicorn."""
    try:
        config = cli.load_settings()
        # The reloader's child serves on the socket its parent bound: HOST:PORT is taken, by us.
        cli.check_start(config, serves=os.environ.get("WERKZEUG_RUN_MAIN") != "true")
        wall = create_wall(config)
    except SettingsError as exc:
        print(f"city wall: {exc}", file=sys.stderr)
        return 2
    # DASH_DEBUG (Dash's own setting) turns on dev tools and the reloader, whose parent only watches.
    debug = config.dash_debug
    wall.start_polling(reloader=debug)
    logs.say(f"city wall: http://{config.host}:{config.port}/  (health: /healthz)", config.log_format, log)
    try:
        wall.app.run(
            host=config.host,
            port=config.port,
            debug=debug,
            # The dev tools would ask plotly.com for a newer Dash: the wall's policy refuses any other host.
            dev_tools_disable_version_check=True,
            request_handler=security.QuietRequestHandler,
        )
    finally:  # also when the server stops on Ctrl-C or cannot take the port (werkzeug says why)
        wall.poller.stop()
    return 0


def __getattr__(name: str):
    # `server` for gunicorn (app:server), built on first access so importing app.py stays cheap;
    # a worker that polls starts at once, not at its first request.
    if name == "server":
        global server
        try:
            wall = create_wall()
        except SettingsError as exc:
            # How gunicorn is told that an app cannot load: it prints the line and stops (exit 4)
            # instead of booting worker after worker. `python -m dashboard run` exits 2 on it.
            from gunicorn.errors import AppImportError

            raise AppImportError(f"city wall: {exc}") from None
        if not cli.SAID:  # a bare gunicorn or another WSGI server: nothing has shown them yet
            logs.announce("city wall settings", wall.settings, log)
        wall.start_polling()
        server = wall.server
        return server
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
