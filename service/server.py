"""Run the API under uvicorn: `serve(settings)`, what `render serve` calls.

The socket is bound here, before uvicorn starts, so that `--port 0` can print the
port it got (the tests start a server that way). uvicorn turns SIGINT and SIGTERM
into a graceful shutdown: it stops taking connections, finishes the requests in
flight, and ends the app's lifespan, which stops the workers (SIGTERM, SIGKILL
after their grace) and puts their jobs back in the queue — no orphans, no partial
files, and the next start resumes them.
"""
from __future__ import annotations

import socket
import sys
from typing import Callable

from .settings import ServiceSettings, is_loopback

__all__ = ["bind", "serve"]


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # 50 clients submitting at once queue here, not in refused connections
    sock.set_inheritable(True)
    return sock


def serve(settings: ServiceSettings, echo: Callable[[str], None] | None = None, access_log: bool = True) -> None:
    import uvicorn

    from .app import create_app

    echo = echo or (lambda text: print(text, file=sys.stderr, flush=True))
    if settings.tokens is None and not is_loopback(settings.host):
        echo(f"warning: listening on {settings.host} without --tokens: anyone who can reach this machine can "
             f"submit renders and read every job; give a token file")
    app = create_app(settings)
    service = app.app.app.state.service  # _CountRequests -> BodyLimit -> Starlette
    sock = bind(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(app, log_level="info" if access_log else "warning", access_log=access_log,
                            lifespan="on", timeout_graceful_shutdown=10, server_header=False)
    server = uvicorn.Server(config)
    echo(f"render serve: listening on http://{shown}:{port} (jobs in {service.jobs_dir}; "
         f"{'token file ' + str(settings.tokens) if settings.tokens else 'no tokens'}; "
         f"webhook secret in {settings.secret_path})")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
