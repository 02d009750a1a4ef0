"""`serve`: build, then serve the published site on localhost for a look in the browser."""

from __future__ import annotations

import functools
import http.server

from generators.commands import build
from generators.config.settings import Settings


def run(settings: Settings, port: int) -> None:
    build.run(settings)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(settings.site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"在浏览器中打开 http://127.0.0.1:{port}/ （Ctrl+C 停止）")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
