"""gizwits-async: an asyncio client for the Gizwits (机智云) Open API.

    import gizwits_async as gizwits

    async with gizwits.Session("your-appid") as session:
        await session.login("bob", "secret")
        devices = await session.bindings()
"""

from .auth import MemoryTokenStore, TokenStore
from .clock import Clock
from .errors import (
    APIError,
    AttrInvalidError,
    AuthenticationError,
    DeviceDisabledError,
    DeviceNotBoundError,
    DeviceNotFoundError,
    DeviceOfflineError,
    ErrorCode,
    GizwitsError,
    ServerError,
    SessionClosedError,
    ThrottledError,
    TokenError,
    TransportError,
    ValidationError,
)
from .fanout import BulkError, BulkReport, Outcome, Progress
from .models import (
    AppToken,
    AttrValue,
    BindRequest,
    BindResult,
    Captcha,
    Device,
    DeviceData,
    Guest,
    RawRecord,
    Schedule,
    ScheduledCommand,
    ScheduleLog,
    Token,
    User,
)
from .products import Datapoint, Product
from .retry import RetryPolicy
from .session import REGIONS, Session
from .throttling import Pacer, RateLimiter
from .transport import Timeout

__version__ = "0.1.0"

__all__ = [
    "REGIONS",
    "APIError",
    "AppToken",
    "AttrInvalidError",
    "AttrValue",
    "AuthenticationError",
    "BindRequest",
    "BindResult",
    "BulkError",
    "BulkReport",
    "Captcha",
    "Clock",
    "Datapoint",
    "Device",
    "DeviceData",
    "DeviceDisabledError",
    "DeviceNotBoundError",
    "DeviceNotFoundError",
    "DeviceOfflineError",
    "ErrorCode",
    "GizwitsError",
    "Guest",
    "MemoryTokenStore",
    "Outcome",
    "Pacer",
    "Product",
    "Progress",
    "RateLimiter",
    "RawRecord",
    "RetryPolicy",
    "Schedule",
    "ScheduleLog",
    "ScheduledCommand",
    "ServerError",
    "Session",
    "SessionClosedError",
    "ThrottledError",
    "Timeout",
    "Token",
    "TokenError",
    "TokenStore",
    "TransportError",
    "User",
    "ValidationError",
    "__version__",
]

