"""Where the API's links point: never where a request's `Host` header says.

Every absolute URL the API writes (`Location`, `links.self`, Werkzeug's redirects) is built
from the WSGI environment's scheme, host and script name, and a `Host` header is whatever the
client sent: `Host: evil.example` would make every link point there. So before the app sees a
request, this middleware sets them from configuration:

- PUBLIC_BASE_URL (e.g. `https://lab.example.org` or `https://example.org/lab`): the scheme,
  host and path prefix of every link;
- else, TRUSTED_PROXIES = n > 0: Werkzeug's ProxyFix takes the scheme, host, port, prefix and
  client address from the `X-Forwarded-*` headers the last n proxies set (and those proxies
  must set X-Forwarded-Host, or pass a Host they checked);
- else the address the connection came in on (the server's own socket; the bound address
  under a server that does not say), whatever the `Host` header says.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from werkzeug.middleware.proxy_fix import ProxyFix

from worker.settings import Settings


def public_url(app: Any, settings: Settings) -> Any:
    """`app` (a WSGI app) wrapped so that its links come from `settings`."""
    if settings.public_base_url:
        return _Fixed(app, settings.public_base_url)
    if settings.trusted_proxies > 0:
        n = settings.trusted_proxies
        return ProxyFix(app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
    return _OwnAddress(app)


class _Fixed:
    def __init__(self, app: Any, base: str):
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(
                f"PUBLIC_BASE_URL must be http(s)://host[:port][/prefix], not {base!r}"
            )
        self.app, self.scheme, self.host = app, parts.scheme, parts.netloc
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ: dict, start_response: Any) -> Any:
        environ.update(
            {
                "wsgi.url_scheme": self.scheme,
                "HTTP_HOST": self.host,
                "SCRIPT_NAME": self.prefix + environ.get("SCRIPT_NAME", ""),
            }
        )
        return self.app(environ, start_response)


class _OwnAddress:
    def __init__(self, app: Any):
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        environ["HTTP_HOST"] = own_address(environ)
        return self.app(environ, start_response)


def own_address(environ: dict) -> str:
    """host:port of the socket the request came in on (gunicorn gives it), else the server's
    bound SERVER_NAME and SERVER_PORT (Werkzeug's server sets them from its own address);
    `localhost` where neither is an address (a Unix socket)."""
    connection = environ.get("gunicorn.socket")
    address: Any = None
    if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
        address = connection.getsockname()[:2]
    elif environ.get("SERVER_PORT", "").isdigit() and environ.get("SERVER_NAME"):
        address = (environ["SERVER_NAME"], environ["SERVER_PORT"])
    if address is None:
        return "localhost"
    host, port = address
    host = f"[{host}]" if ":" in host else host
    default = {"http": "80", "https": "443"}.get(environ.get("wsgi.url_scheme", "http"))
    return host if str(port) == default else f"{host}:{port}"
