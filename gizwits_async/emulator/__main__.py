"""`python -m gizwits_async.emulator`: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import os
import sys

from ..log import LEVELS, configure
from .config import EmulatorConfig
from .core import run_server
from .faults import Faults


def build_parser(prog: str = "python -m gizwits_async.emulator") -> argparse.ArgumentParser:
    """The command line's options; ``prog`` is the name shown in help and usage errors."""
    parser = argparse.ArgumentParser(prog=prog, description="Serve an emulated Gizwits Open API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--devices", type=int, default=EmulatorConfig.devices, help="devices of the demo user")
    parser.add_argument("--seed", type=int, default=0, help="seed of dids, passcodes, tokens and faults")
    parser.add_argument("--token-ttl", type=float, default=EmulatorConfig.token_ttl, help="token lifetime, s")
    parser.add_argument("--drift", action="store_true", help="read-only readings change over time")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every response")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="uniform random extra latency")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests/s per token, then 9041/429")
    parser.add_argument("--error-rate", type=float, default=0.0, help="probability of an HTML 502/503")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="probability of a dropped connection")
    parser.add_argument("--malformed-rate", type=float, default=0.0, help="probability of truncated JSON")
    from_env = os.environ.get("GIZWITS_LOG", "").lower()
    parser.add_argument("--log-level", choices=LEVELS, default=from_env if from_env in LEVELS else None,
                        help="print the emulator's log lines at this level on stderr (env GIZWITS_LOG)")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m gizwits_async.emulator") -> int:
    """Parse `argv`, print the base URL as the first line of stdout, serve until SIGINT/SIGTERM."""
    args = build_parser(prog).parse_args(argv)
    if args.log_level:
        configure(args.log_level)
    config = EmulatorConfig(devices=args.devices, seed=args.seed, token_ttl=args.token_ttl, drift=args.drift)
    faults = Faults(
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
        rate_limit=args.rate_limit,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        malformed_rate=args.malformed_rate,
        seed=args.seed,
    )

    def announce(base_url: str) -> None:
        print(
            f"Gizwits emulator serving on {base_url} (appid {config.appid}, user {config.username}/{config.password})",
            flush=True,
        )

    run_server(config, args.host, args.port, faults=faults, on_ready=announce)
    return 0


if __name__ == "__main__":
    sys.exit(main())
