"""Abuse of the CLI's token store: planted links, a world-writable or foreign directory, concurrent saves from
threads and processes, a token with CR/LF/NUL, a directory or a FIFO at the token path, an unwritable config
directory. Each ends in a one-line error or a clean success, never a traceback, a hang or a redirected write.

The ``gizwits`` commands run as real subprocesses (a FIFO must not hang them), against the emulator on loopback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from gizwits_async.cli.context import Settings
from gizwits_async.cli.output import Output
from gizwits_async.emulator import Emulator, FakeClock
from gizwits_async.models import Token

APPID = "demo-appid"
SAVES = 25


def token_path(config: Path, base_url: str) -> Path:
    """Where the CLI keeps the token of APPID on ``base_url`` (the documented layout)."""
    key = hashlib.sha256(f"{APPID}\n{base_url}".encode()).hexdigest()[:16]
    return config / "tokens" / f"{key}.json"


async def gizwits(config: Path, base_url: str, *args: str, limit: float = 30.0) -> tuple[int, str]:
    """Run ``gizwits ARGS`` in a subprocess; (exit code, stderr). Fails if it has not ended within ``limit``."""
    env = {**os.environ, "GIZWITS_CONFIG_DIR": str(config), "GIZWITS_APPID": APPID, "GIZWITS_BASE_URL": base_url}
    env.pop("GIZWITS_LOG", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from gizwits_async.cli import main; main()", *args,
        env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(limit):
            _, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"gizwits {' '.join(args)} hung for {limit} s") from None
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def one_line_error(result: tuple[int, str], *fragments: str) -> None:
    """Exit 1, no traceback, and the error on one line naming ``fragments`` (a warning line may precede it)."""
    code, stderr = result
    assert code == 1, stderr
    assert "Traceback" not in stderr
    error = stderr.strip().splitlines()[-1]
    assert error.startswith("Error: "), stderr
    for fragment in fragments:
        assert fragment in error, stderr


async def login(config: Path, base_url: str) -> tuple[int, str]:
    return await gizwits(config, base_url, "login", "demo", "--password", "demo-password")


async def test_a_link_planted_at_a_temporary_path_does_not_redirect_the_write(base_url: str, tmp_path: Path) -> None:
    config, victim = tmp_path / "config", tmp_path / "victim.txt"
    victim.write_text("precious")
    path = token_path(config, base_url)
    path.parent.mkdir(parents=True, mode=0o700)
    for name in (path.with_suffix(".tmp").name, f".{path.name}.tmp", f"{path.name}.tmp"):
        (path.parent / name).symlink_to(victim)
    code, stderr = await login(config, base_url)
    assert code == 0, stderr
    assert victim.read_text() == "precious"
    assert path.is_file() and not path.is_symlink() and json.loads(path.read_text())["uid"]


async def test_a_link_at_the_token_path_is_refused(base_url: str, tmp_path: Path) -> None:
    config, victim = tmp_path / "config", tmp_path / "victim.txt"
    victim.write_text("precious")
    path = token_path(config, base_url)
    path.parent.mkdir(parents=True, mode=0o700)
    path.symlink_to(victim)
    one_line_error(await login(config, base_url), "symbolic link")
    assert victim.read_text() == "precious"


async def test_a_world_writable_token_directory_is_made_private(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    directory = token_path(config, base_url).parent
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    code, stderr = await login(config, base_url)
    assert code == 0, stderr
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(token_path(config, base_url).stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
async def test_a_token_directory_of_another_user_is_refused(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    directory = token_path(config, base_url).parent
    directory.mkdir(parents=True, mode=0o700)
    os.chown(directory, 65534, 65534)
    one_line_error(await login(config, base_url), "belongs to another user")
    assert list(directory.iterdir()) == []


def _save_many(config: str, base_url: str, tag: str) -> None:
    """SAVES saves of distinct tokens through the CLI's store (run in threads and in processes)."""
    os.environ["GIZWITS_CONFIG_DIR"] = config
    store = Settings(APPID, "cn", base_url, Output()).store()
    for index in range(SAVES):
        token = Token(f"uid-{tag}", f"token-{tag}-{index}", dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        asyncio.run(store.save(token))


def test_concurrent_saves_from_threads_and_processes_all_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIZWITS_CONFIG_DIR", str(tmp_path))
    base_url = "http://127.0.0.1:9"
    errors: list[BaseException] = []

    def thread(tag: str) -> None:
        try:
            _save_many(str(tmp_path), base_url, tag)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=thread, args=(f"t{n}",)) for n in range(12)]
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_save_many, args=(str(tmp_path), base_url, f"p{n}")) for n in range(4)]
    for worker in (*threads, *processes):
        worker.start()
    for thread_ in threads:
        thread_.join(60)
    for process in processes:
        process.join(60)
    assert errors == [] and [p.exitcode for p in processes] == [0] * 4
    path = token_path(tmp_path, base_url)
    assert json.loads(path.read_text())["token"].endswith(f"-{SAVES - 1}")  # one whole token: the last of a saver
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "a\x00b"])
async def test_a_token_with_control_characters_is_not_used(
    base_url: str, tmp_path: Path, emulator: Emulator[FakeClock], bad: str
) -> None:
    config = tmp_path / "config"
    path = token_path(config, base_url)
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text(json.dumps({"uid": "u", "token": bad, "expire_at": "2030-01-01T00:00:00+00:00"}))
    for command in ("devices", "whoami"):
        one_line_error(await gizwits(config, base_url, command), "not logged in")
    assert sum(emulator.stats.requests.values()) == 0


@pytest.mark.parametrize("kind", ["directory", "fifo"])
async def test_a_directory_or_fifo_at_the_token_path_is_a_one_line_error(
    base_url: str, tmp_path: Path, kind: str
) -> None:
    config = tmp_path / "config"
    path = token_path(config, base_url)
    path.parent.mkdir(parents=True, mode=0o700)
    if kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)
    name = "a directory" if kind == "directory" else "a FIFO"
    for command in (("whoami",), ("devices",), ("logout",), ("login", "demo", "--password", "demo-password")):
        one_line_error(await gizwits(config, base_url, *command), name, "not a token file")


async def test_an_unusable_config_directory_is_a_one_line_error(base_url: str, tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the config directory should be")
    for command in (("whoami",), ("login", "demo", "--password", "demo-password")):
        one_line_error(await gizwits(blocker, base_url, *command), "cannot use token directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
async def test_a_read_only_config_directory_is_a_one_line_error(base_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o500)
    try:
        one_line_error(await login(config, base_url), "Permission denied")
    finally:
        config.chmod(0o700)
