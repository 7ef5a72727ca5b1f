"""The aiohttp pool (``transport="aiohttp"``, and the fast transport's stand-in behind a proxy): a session-owned
aiohttp connection pool, driven directly.

Besides what `AiohttpSender` saves per request, it skips the cookie jar on every answer and the httpx layer's URL
merging, header merging and stream wrappers; aiohttp's pool also keeps up with hundreds of connections where
httpx 0.28's pool scans every connection on every event. Like httpx, it takes its proxy from the environment
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) once, when it opens.
"""

from __future__ import annotations

import ssl
import urllib.request

import aiohttp
from yarl import URL

from ..errors import ValidationError
from .aiohttp_base import DEFAULT_MAX_ANSWER, AiohttpSender, send_once
from .base import Timeout, pool_closed

__all__ = ["AiohttpTransport", "Verify", "ssl_setting"]

#: TLS verification: True (the system's CAs), False (none), a CA bundle's path, or an `ssl.SSLContext`.
Verify = bool | str | ssl.SSLContext


def ssl_setting(verify: Verify) -> bool | ssl.SSLContext:
    """aiohttp's ``ssl`` argument for ``verify``; a CA bundle path is loaded here, so a bad one fails early."""
    if isinstance(verify, bool | ssl.SSLContext):
        return verify
    if isinstance(verify, str) and verify:
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise ValidationError(f"verify: cannot load the CA bundle {verify!r}: {exc}") from None
    raise ValidationError(f"verify must be a bool, a CA bundle path or an ssl.SSLContext, got {verify!r}")


def env_proxy(url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for ``url`` (None when none applies or NO_PROXY excludes its host).

    Read once per pool: aiohttp's own ``trust_env`` reads the environment again on every request.
    """
    proxies = urllib.request.getproxies_environment()
    host = url.host or ""
    if not proxies or urllib.request.proxy_bypass(host):
        return None, None
    address = proxies.get(url.scheme) or proxies.get("all")
    if not address:
        return None, None
    proxy = URL(address if "://" in address else f"http://{address}")
    auth = aiohttp.BasicAuth.from_url(proxy) if proxy.user is not None else None
    return proxy.with_user(None), auth


class AiohttpTransport(AiohttpSender):
    """A session-owned aiohttp connection pool, sized to the session's concurrency, with no cookie jar."""

    def __init__(
        self, *, base_url: str, timeout: Timeout, pool_size: int, verify: Verify = True, trust_env: bool = True,
        max_answer: int = DEFAULT_MAX_ANSWER,
    ) -> None:
        super().__init__(base_url=base_url, timeout=timeout, max_answer=max_answer)
        self._pool_size = pool_size
        self._ssl = ssl_setting(verify)
        self._trust_env = trust_env
        self._session: aiohttp.ClientSession | None = None  # created on first use, inside the event loop

    def _client(self) -> aiohttp.ClientSession:
        return self._session or self._open()

    def _open(self) -> aiohttp.ClientSession:
        if self._closing:
            raise pool_closed()
        connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0, ssl=self._ssl, ttl_dns_cache=300)
        # The request timeout bounds each whole request (one timer, where sock_read re-arms one per chunk
        # read); the connect timeout bounds opening a connection.
        timeout = aiohttp.ClientTimeout(total=self.timeout.request, sock_connect=self.timeout.connect_or_request)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(), raise_for_status=False,
            auto_decompress=True,
        )
        proxy, auth = env_proxy(URL(self._base_url)) if self._trust_env else (None, None)
        if proxy is not None:
            self._options.update(proxy=proxy, proxy_auth=auth)
        self._once_options = {**self._options, "middlewares": (send_once,)}
        return self._session

    async def aclose(self) -> None:
        """Close the pool and its connections."""
        self._closing = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    @property
    def closed(self) -> bool:
        """Whether `aclose` was called."""
        return self._closing
