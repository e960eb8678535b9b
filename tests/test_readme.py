"""The README's command table and command-line list keep up with the code: every command
in the registry and every `python -m bot` sub-command is documented."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import build_parser
from handlers.commands import COMMANDS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_telegram_command_is_in_the_readme_table() -> None:
    table = [line for line in README.splitlines() if line.startswith("| `/")]
    documented = {name for line in table for name in re.findall(r"`/(\w+)", line.split("|")[1])}
    documented |= {name for line in table for name in re.findall(r", `/(\w+)", line)}
    missing = sorted(c.name for c in COMMANDS if c.menu and c.name not in documented)
    assert missing == [], f"README 'Using it in Telegram' lacks: {missing}"


def test_every_command_line_sub_command_is_in_the_readme() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = sorted(sub.choices)  # type: ignore[arg-type]
    assert "validate" in names
    missing = [n for n in names if f"python -m bot {n}" not in README
               and not re.search(rf"`{n}\b", README)]
    assert missing == [], f"README lacks python -m bot {missing}"
