"""What each install gives, checked on the built wheel: the base install runs the in-process emulator and the
pytest plugin; `gizwits` without the ``cli`` extra prints one line naming the extra; serving on a socket is what
needs uvicorn. "Installed without the extras" is this environment's packages minus the extras' (and minus the
editable install of this checkout), plus the unpacked wheel, in an interpreter started without ``site``."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from gizwits_async.cli import MISSING_EXTRA
from gizwits_async.emulator.core import SERVER_EXTRA

ROOT = Path(__file__).resolve().parents[2]
#: The modules of the ``cli`` and ``emulator`` extras: none may be needed by the base install.
EXTRA_MODULES = frozenset({"click", "rich", "uvicorn", "uvloop"})


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's wheel, built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=120)
    return next(out.glob("gizwits_async-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site directory: the unpacked wheel, and links to every installed distribution but the extras'."""
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    hidden = EXTRA_MODULES | {"gizwits_async", "_gizwits_async", "__editable__"}
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        top = entry.name.split("-")[0].split(".")[0].lower()
        if top not in hidden and not entry.name.endswith(".pth") and not (target / entry.name).exists():
            (target / entry.name).symlink_to(entry)
    return target


def run_without_extras(site: Path, code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose only packages are those of ``site``."""
    prelude = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(site)!r})
        import gizwits_async
        assert gizwits_async.__file__.startswith({str(site)!r}), gizwits_async.__file__
    """)
    return subprocess.run([sys.executable, "-S", "-c", prelude + textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, cwd=cwd)


def _requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode())
    return metadata.get_all("Requires-Dist") or []


def test_wheel_metadata_keeps_the_extras_optional(wheel: Path) -> None:
    requirements = _requirements(wheel)
    assert requirements
    base = [r for r in requirements if "extra ==" not in r]
    assert {r.split(">")[0].split(";")[0].strip() for r in base} >= {"httpx", "attrs", "anyio", "aiohttp", "httptools"}
    for module in EXTRA_MODULES:
        assert not [r for r in base if r.startswith(module)], f"{module} is in the base install"
    for module, extra in (("click", "cli"), ("rich", "cli"), ("uvicorn", "emulator")):
        assert any(r.startswith(module) and f"extra == '{extra}'" in r.replace('"', "'") for r in requirements), module


def test_wheel_ships_the_license_and_the_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert any(n.endswith("LICENSE") for n in names)
    assert "gizwits = gizwits_async.cli:main" in entry_points


def test_gizwits_without_the_cli_extra_prints_one_line(installed: Path, tmp_path: Path) -> None:
    result = run_without_extras(installed, "from gizwits_async.cli import main\nmain()\n", tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", MISSING_EXTRA + "\n")
    assert "'cli' extra" in MISSING_EXTRA and "gizwits-async[cli]" in MISSING_EXTRA


def test_in_process_emulator_needs_no_extra(installed: Path, tmp_path: Path) -> None:
    code = """
        import asyncio
        import httpx
        import gizwits_async as gizwits
        from gizwits_async.emulator import Emulator, FakeClock

        async def main() -> None:
            emu = Emulator(clock=FakeClock())
            did = next(iter(emu.state.user("demo").bindings))
            async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator") as client, \\
                    gizwits.Session("demo-appid", base_url="http://emulator", client=client) as session:
                await session.login("demo", "demo-password")
                await session.control(did, {"switch": True})
            assert emu.state.devices[did].attrs["switch"] is True
            try:
                async with emu.serve():
                    pass
            except ModuleNotFoundError as exc:
                print(exc)

        asyncio.run(main())
    """
    result = run_without_extras(installed, code, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, SERVER_EXTRA + "\n", "")


def test_pytest_plugin_needs_no_extra(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["gizwits_async.emulator.pytest_plugin"]\n')
    (tmp_path / "test_app.py").write_text(textwrap.dedent("""
        def test_in_process(gizwits_emulator):
            assert gizwits_emulator.state.user("demo").bindings

        async def test_on_a_socket(gizwits_emulator_url):
            pass
    """))
    code = """
        import pytest
        sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-o", "asyncio_mode=auto",
                              "-o", "asyncio_default_fixture_loop_scope=function", "."]))
    """
    result = run_without_extras(installed, code, tmp_path)
    assert "1 passed, 1 error" in result.stdout, result.stdout + result.stderr
    assert SERVER_EXTRA in result.stdout  # the socket fixture says what it needs
