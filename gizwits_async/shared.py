"""`Shared`: everything a session shares with the `for_user` sessions made from it, written down in one class."""

from __future__ import annotations

import asyncio

import attrs

from .auth import AppTokenCache
from .clock import Clock
from .errors import GizwitsError
from .products import Product
from .retry import RetryPolicy
from .throttling import Pacer, Slots
from .transport import Timeout, Transport

__all__ = ["Shared"]


@attrs.define(eq=False)
class Shared:
    """What a session and every `for_user` session made from it share; each of them keeps only its user's token
    (its `TokenManager`) and its own open/closed state.

    This is the home of anything all of them must share: settings, the transport and its pool slots, the
    application's credentials and app token, the clock, the event loop, and caches that are the same for every
    user of the application (a product-schema cache belongs here). An attribute added here is shared; one
    added to the session is not.
    """

    appid: str
    #: The user's language, sent with sign-ins and user creation (None: not sent).
    lang: str | None
    base_url: str
    timeout: Timeout
    retry: RetryPolicy
    max_concurrency: int
    login_backoff: float
    clock: Clock
    transport: Transport
    #: Only the signature is kept: the app secret itself is never sent, stored or shown.
    app_signature: str | None
    #: The headers of a call that carries no token.
    base_headers: dict[str, str]
    #: Paces every request of all the sessions that share this, retries included (None: no pacing).
    rate_limiter: Pacer | None = None
    #: The application token (POST /app/request_token), fetched once for every session that shares this.
    app_tokens: AppTokenCache = attrs.field(init=False)
    #: One slot per pooled connection: every request holds one while it is sent, so none waits for a connection
    #: inside its timer. A call reads its token once it holds its slot, so calls queued behind a renewal send
    #: the new token, not the rejected one; a call whose token must be fetched or renewed first gives its slot
    #: back meanwhile, so the sign-in that renews it always finds one.
    slots: Slots = attrs.field(init=False)
    #: Product key -> datapoint schema, fetched once for all the sessions that share this.
    products: dict[str, Product] = attrs.field(init=False, factory=dict)
    #: Did -> product key, from the device records any of them read.
    device_products: dict[str, str] = attrs.field(init=False, factory=dict)
    #: Group id -> the product key of its devices, from the groups any of them read.
    group_products: dict[str, str] = attrs.field(init=False, factory=dict)
    #: The event loop the sessions run in, from their first request on (the pool cannot move to another).
    loop: asyncio.AbstractEventLoop | None = attrs.field(init=False, default=None)

    def __attrs_post_init__(self) -> None:
        self.slots = Slots(self.max_concurrency)

    def enter_loop(self) -> None:
        """Bind to the running event loop on first use; raise `GizwitsError` from any other loop."""
        running = asyncio.get_running_loop()
        if self.loop is None:
            self.loop = running
        elif self.loop is not running:
            raise GizwitsError(
                "this Session was first used in another event loop (a Session, like its connection pool, "
                "belongs to one loop: create one per asyncio.run())"
            )
