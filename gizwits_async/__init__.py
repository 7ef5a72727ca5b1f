"""gizwits-async: an asyncio client for the Gizwits (机智云) Open API.

    import gizwits_async as gizwits

    async with gizwits.Session("your-appid") as session:
        await session.login("bob", "secret")
        devices = await session.bindings()
"""

from .auth import LockingTokenStore, MemoryTokenStore, TokenStore
from .automation_models import DeviceSchedule, Group, GroupChange, Scene, SceneStatus, SceneTask
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
    PermissionDeniedError,
    ServerError,
    SessionClosedError,
    ThrottledError,
    TokenError,
    TokenStoreError,
    TransportError,
    UnexpectedError,
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
from .push import (
    AttrsEvent,
    BindingEvent,
    ConnectionEvent,
    OnlineEvent,
    Push,
    PushEvent,
    PushStats,
    RawEvent,
    SubscribeResult,
)
from .redis_limiter import RedisRateLimiter
from .retry import RetryPolicy
from .session import REGIONS, Session
from .sharing_models import QrInvitation, Sharing, SharingStatus
from .stores import FileTokenStore, RedisTokenStore
from .throttling import Pacer, RateLimiter
from .transport import Timeout

__version__ = "0.1.0"

__all__ = [
    "REGIONS",
    "APIError",
    "AppToken",
    "AttrInvalidError",
    "AttrValue",
    "AttrsEvent",
    "AuthenticationError",
    "BindRequest",
    "BindResult",
    "BindingEvent",
    "BulkError",
    "BulkReport",
    "Captcha",
    "Clock",
    "ConnectionEvent",
    "Datapoint",
    "Device",
    "DeviceData",
    "DeviceDisabledError",
    "DeviceNotBoundError",
    "DeviceNotFoundError",
    "DeviceOfflineError",
    "DeviceSchedule",
    "ErrorCode",
    "FileTokenStore",
    "GizwitsError",
    "Group",
    "GroupChange",
    "Guest",
    "LockingTokenStore",
    "MemoryTokenStore",
    "OnlineEvent",
    "Outcome",
    "Pacer",
    "PermissionDeniedError",
    "Product",
    "Progress",
    "Push",
    "PushEvent",
    "PushStats",
    "QrInvitation",
    "RateLimiter",
    "RawEvent",
    "RawRecord",
    "RedisRateLimiter",
    "RedisTokenStore",
    "RetryPolicy",
    "Scene",
    "SceneStatus",
    "SceneTask",
    "Schedule",
    "ScheduleLog",
    "ScheduledCommand",
    "ServerError",
    "Session",
    "SessionClosedError",
    "Sharing",
    "SharingStatus",
    "SubscribeResult",
    "ThrottledError",
    "Timeout",
    "Token",
    "TokenError",
    "TokenStore",
    "TokenStoreError",
    "TransportError",
    "UnexpectedError",
    "User",
    "ValidationError",
    "__version__",
]

