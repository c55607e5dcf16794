"""The `monitor` command line: `app` is the entry point; common.py holds what the command modules share."""

from monitor.cli.app import app

__all__ = ["app"]
