"""Terminal screenshots of the CLI for the docs:  python docs/screens.py

Each command runs for real in a tmux window 104 columns wide, against an emulator this script serves on loopback
(and `gizwits demo` against its own); the final screen, colours included, is captured and drawn as an SVG into
docs/img/cli/ by rich. Needs tmux and the `cli` extra.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.text import Text

OUT = Path(__file__).resolve().parent / "img" / "cli"
PORT = 18765
WIDTH, HEIGHT = 104, 40
TMUX = "gizwits-screens"

#: (file name, command line, seconds to wait before the capture, keys to send then or None)
SCREENS = [
    ("demo", "gizwits demo", 25.0, None),
    ("login", "gizwits login demo --password demo-password && gizwits whoami", 4.0, None),
    ("devices", "gizwits devices", 4.0, None),
    ("control", "gizwits control $DID switch=true brightness=80 && gizwits latest $DID", 5.0, None),
    ("datapoints", "gizwits datapoints demo-product", 4.0, None),
    ("poll", "gizwits poll $DID $DID2 --interval 1", 6.0, "C-c"),
    ("schedules", "gizwits schedules create $DID switch=false --time 22:30 --repeat mon,fri && gizwits schedules list",
     5.0, None),
    ("watch", "gizwits watch", 6.0, "C-c"),
]


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def _shoot(name: str, command: str, wait: float, keys: str | None, env: dict[str, str]) -> Path:
    _tmux("new-session", "-d", "-s", f"{TMUX}-{name}", "-x", str(WIDTH), "-y", str(HEIGHT),
          *(arg for key, value in env.items() for arg in ("-e", f"{key}={value}")), "bash", "--norc")
    try:
        _tmux("send-keys", "-t", f"{TMUX}-{name}", "clear", "Enter")
        _tmux("send-keys", "-t", f"{TMUX}-{name}", command, "Enter")
        time.sleep(wait)
        if keys:
            _tmux("send-keys", "-t", f"{TMUX}-{name}", keys)
            time.sleep(1.0)
        screen = _tmux("capture-pane", "-t", f"{TMUX}-{name}", "-e", "-p").rstrip("\n")
    finally:
        _tmux("kill-session", "-t", f"{TMUX}-{name}")
    console = Console(record=True, width=WIDTH, file=io.StringIO())
    console.print(Text.from_ansi(screen))
    path = OUT / f"{name}.svg"
    console.save_svg(str(path), title=command.replace("$DID2", "DID2").replace("$DID", "DID"))
    return path


def main() -> int:
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as config:
        env = {"GIZWITS_APPID": "demo-appid", "GIZWITS_BASE_URL": f"http://127.0.0.1:{PORT}",
               "GIZWITS_CONFIG_DIR": config, "PATH": os.environ["PATH"], "TERM": "xterm-256color",
               "COLUMNS": str(WIDTH), "PS1": "$ "}
        server = subprocess.Popen(["gizwits", "emulator", "--port", str(PORT), "--devices", "4", "--drift"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            server.stdout.readline()  # the base URL: it is serving
            subprocess.run(["gizwits", "login", "demo", "--password", "demo-password"], env=env, check=True,
                           capture_output=True)
            listed = subprocess.run(["gizwits", "--json", "devices"], env=env, check=True, capture_output=True,
                                    text=True).stdout
            dids = [row["did"] for row in json.loads(listed)]
            env |= {"DID": dids[0], "DID2": dids[1]}
            for name, command, wait, keys in SCREENS:
                print(_shoot(name, command, wait, keys, env))
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
