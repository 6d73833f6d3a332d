"""The ``tripleo-sim`` command's entry point. It imports the CLI (about a second of imports: simpy, jinja2,
ansible-core's plugins, networkx) inside, so that Ctrl-C while it loads exits 130 as Ctrl-C during a run does,
without a traceback."""

from __future__ import annotations

__all__ = ["main"]


def main() -> int:
    try:
        from .cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        return 130
