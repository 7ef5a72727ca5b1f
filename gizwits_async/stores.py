"""Token stores shared by many processes: a file on one host (`FileTokenStore`), or a Redis key (`RedisTokenStore`).

Both have a ``lock()``, so sessions in different processes renew the shared token once between them: the
first takes the lock and signs in, the others wait, then adopt the token it saved. Neither ever holds the
password: only the token, its uid and its expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TokenStoreError
from .models import Token
from .redis_common import outage_errors, redis_key
from .validation import check_number

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["FileTokenStore", "RedisTokenStore", "decode_token", "encode_token"]

logger = logging.getLogger("gizwits_async")

#: A token file is a few hundred bytes; anything far larger is not one (and is not read whole).
MAX_TOKEN_FILE = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LOCK_POLL = (0.005, 0.1)  # first and longest pause between two tries of a busy lock, seconds


def encode_token(token: Token) -> bytes:
    """The stored form of ``token``: JSON with uid, token and expiry (never a password).

    A token or uid with control characters (CR, LF, NUL...) could not be sent in a header: it is refused.
    """
    if _CONTROL.search(token.token) or _CONTROL.search(token.uid):
        raise TokenStoreError("refusing to store a token or uid that contains control characters")
    return json.dumps({"uid": token.uid, "token": token.token, "expire_at": token.expire_at.isoformat()}).encode()


def decode_token(data: bytes | str) -> Token:
    """A `Token` from its stored form; `ValueError` when ``data`` is not one (corrupt, or edited by hand)."""
    try:
        body = json.loads(data)
        token = Token(body["uid"], body["token"], dt.datetime.fromisoformat(body["expire_at"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{type(exc).__name__}") from None
    if not isinstance(token.uid, str) or not isinstance(token.token, str) or token.expire_at.tzinfo is None:
        raise ValueError("wrong field types")
    if _CONTROL.search(token.token) or _CONTROL.search(token.uid) or not token.token:
        raise ValueError("control characters or an empty token")
    return token


def _kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a device file"


class FileTokenStore:
    """A token shared by the processes of one host: a JSON file, mode 0600, in a private directory.

    The directory is created with mode 0700; an existing one must belong to this user (else `TokenStoreError`)
    and is made private (0700) if others could write to it. Every save writes a new temporary file (created
    exclusively, never through a symbolic link) and renames it over the token file, so concurrent saves from
    threads and processes all succeed and a reader always sees one whole token. ``lock()`` is an exclusive
    ``flock`` on a lock file beside it, released by the kernel if its holder dies. Anything at the token path
    that is not a regular file is refused with a one-line `TokenStoreError`, without ever blocking on it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.name or self.path.name in (".", ".."):
            raise TokenStoreError(f"token path {str(path)!r} names no file")

    # -- the TokenStore protocol -------------------------------------------------------------------------

    async def load(self) -> Token | None:
        """The saved token; None when there is none, or the file does not hold one (a warning says so)."""
        return await asyncio.to_thread(self._read)

    async def save(self, token: Token) -> None:
        """Replace the saved token (atomically)."""
        data = encode_token(token)
        await asyncio.to_thread(self._write, data)

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        """Hold the store's lock (across processes) for the block; waits, cancellably, while another holds it."""
        import fcntl  # POSIX only: imported here so that the package still imports everywhere

        fd = await asyncio.to_thread(self._open_lock_file)
        try:
            pause, longest = _LOCK_POLL
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, longest)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    async def clear(self) -> bool:
        """Forget the token; whether there was one."""
        return await asyncio.to_thread(self._remove)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    # -- the file system ---------------------------------------------------------------------------------

    def _remove(self) -> bool:
        with self._directory() as directory:
            self._check_target(directory)
            try:
                os.unlink(self.path.name, dir_fd=directory)
            except FileNotFoundError:
                return False
            except OSError as exc:
                raise self._error("cannot remove", exc) from None
        return True

    def _error(self, doing: str, exc: OSError, path: Path | None = None) -> TokenStoreError:
        reason = exc.strerror or type(exc).__name__
        return TokenStoreError(f"{doing} {path or self.path}: {reason}")

    @contextlib.contextmanager
    def _directory(self) -> Iterator[int]:
        """A descriptor of the token's directory, created private, checked to be ours and private."""
        parent = self.path.parent
        try:
            parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            directory = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            raise self._error("cannot use token directory", exc, parent) from None
        try:
            self._check_directory(directory, parent)
            yield directory
        finally:
            os.close(directory)

    def _check_directory(self, directory: int, parent: Path) -> None:
        info = os.fstat(directory)
        if info.st_uid != os.geteuid():
            raise TokenStoreError(f"token directory {parent} belongs to another user: refusing to use it")
        if info.st_mode & 0o022:  # others could swap the token file: make the directory ours alone
            try:
                os.fchmod(directory, 0o700)
            except OSError as exc:
                raise self._error("cannot make token directory private", exc, parent) from None
            logger.warning("token directory %s was writable by others: its mode is now 0700", parent)

    def _check_target(self, directory: int) -> None:
        """Refuse anything at the token path that is not a regular file (a directory, a FIFO, a link...)."""
        try:
            info = os.stat(self.path.name, dir_fd=directory, follow_symlinks=False)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise self._error("cannot inspect", exc) from None
        if not stat.S_ISREG(info.st_mode):
            raise TokenStoreError(f"{self.path} is {_kind(info.st_mode)}, not a token file: remove it")

    def _read(self) -> Token | None:
        with self._directory() as directory:
            try:
                # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: never read through a link.
                fd = os.open(self.path.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                             dir_fd=directory)
            except FileNotFoundError:
                return None
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise TokenStoreError(f"{self.path} is a symbolic link, not a token file: remove it") from None
                raise self._error("cannot read", exc) from None
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                os.close(fd)
                raise TokenStoreError(f"{self.path} is {_kind(mode)}, not a token file: remove it")
            with open(fd, "rb") as file:
                try:
                    data = file.read(MAX_TOKEN_FILE + 1)
                except OSError as exc:
                    raise self._error("cannot read", exc) from None
        try:
            if len(data) > MAX_TOKEN_FILE:
                raise ValueError("too large")
            return decode_token(data)
        except ValueError as exc:
            logger.warning("%s does not hold a token (%s): ignored, the next login replaces it", self.path, exc)
            return None

    def _write(self, data: bytes) -> None:
        with self._directory() as directory:
            self._check_target(directory)
            temporary = f".{self.path.name}.{secrets.token_hex(8)}.tmp"
            try:
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                             dir_fd=directory)
            except OSError as exc:
                raise self._error("cannot write a token file in", exc, self.path.parent) from None
            try:
                with open(fd, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(fd)
                os.replace(temporary, self.path.name, src_dir_fd=directory, dst_dir_fd=directory)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=directory)
                raise self._error("cannot write", exc) from None

    def _open_lock_file(self) -> int:
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._directory() as directory:
            try:
                fd = os.open(lock_path.name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                             0o600, dir_fd=directory)
            except OSError as exc:
                raise self._error("cannot open lock file", exc, lock_path) from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise TokenStoreError(f"{lock_path} is {_kind(mode)}, not a lock file: remove it")
        return fd


#: Releases the lock only if it is still ours (it may have expired and been taken by another process).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisTokenStore:
    """A token shared by every process that reaches one Redis (or Valkey): a key holding it until it expires.

    ``redis`` is your ``redis.asyncio.Redis``. The key's ``{appid}`` and ``{username}`` fields are filled
    from ``appid=`` and ``username=`` (or pass a key without them). The value is the token, its uid and
    expiry (never the password), set to expire with the token.

    ``lock()`` is a lock with an owner token and an expiry (``lock_timeout`` seconds): only its owner releases
    it, and a holder that died frees it within ``lock_timeout``. Each Redis command is bounded by
    ``timeout`` seconds. A Redis outage never stops the application: the store is then used as if it were
    empty and unlocked (each process signs in by itself), with a warning in the ``gizwits_async`` log.
    """

    def __init__(
        self,
        redis: Redis,
        key: str = "gizwits:token:{appid}:{username}",
        *,
        appid: str | None = None,
        username: str | None = None,
        lock_timeout: float = 30.0,
        timeout: float = 2.0,
    ) -> None:
        self.redis = redis
        self.key = redis_key(key, appid=appid, username=username)
        self.lock_key = self.key + ":lock"
        self.lock_timeout = check_number(lock_timeout, "lock_timeout (seconds)")
        self.timeout = check_number(timeout, "timeout (seconds)")
        self._outage = outage_errors()
        self._release = redis.register_script(_RELEASE)

    async def load(self) -> Token | None:
        """The saved token, or None (none saved, not a token, or Redis unreachable)."""
        raw = await self._command("load the token", self.redis.get(self.key))
        if raw is None:
            return None
        try:
            return decode_token(raw)
        except ValueError as exc:
            logger.warning("Redis key %s does not hold a token (%s): ignored", self.key, exc)
            return None

    async def save(self, token: Token) -> None:
        """Replace the saved token; the key expires with it."""
        data = encode_token(token)
        lifetime_ms = max(1000, int(token.expires_in() * 1000))
        await self._command("save the token", self.redis.set(self.key, data, px=lifetime_ms))

    @contextlib.asynccontextmanager
    async def lock(self) -> AsyncIterator[None]:
        """Hold the lock shared by every process for the block.

        Waits while another holds it (at most about twice ``lock_timeout``: by then a dead holder's lock has
        expired); after that, or when Redis is unreachable, the block runs without the lock (logged).
        """
        owner = secrets.token_hex(16)
        held = await self._acquire(owner)
        try:
            yield
        finally:
            if held:
                await self._command("release the lock", self._release(keys=[self.lock_key], args=[owner]))

    def __repr__(self) -> str:
        return f"RedisTokenStore(key={self.key!r})"

    async def _acquire(self, owner: str) -> bool:
        expiry_ms = int(self.lock_timeout * 1000)
        deadline = time.monotonic() + 2 * self.lock_timeout
        pause, longest = _LOCK_POLL
        while True:
            taken = await self._command(
                "take the lock", self.redis.set(self.lock_key, owner, nx=True, px=expiry_ms), failed=_FAILED
            )
            if taken is _FAILED:
                return False
            if taken:
                return True
            if time.monotonic() > deadline:
                logger.warning("Redis lock %s still taken after %.0f s: going on without it", self.lock_key,
                               2 * self.lock_timeout)
                return False
            await asyncio.sleep(pause)
            pause = min(pause * 2, longest)

    async def _command(self, doing: str, command: Any, failed: Any = None) -> Any:
        """Await a Redis command within ``timeout``; on an outage, log a warning and return ``failed``."""
        try:
            async with asyncio.timeout(self.timeout):
                return await command
        except self._outage as exc:
            logger.warning("Redis unavailable, cannot %s (%s: %s): going on without it", doing,
                           type(exc).__name__, exc)
            return failed


_FAILED = object()
