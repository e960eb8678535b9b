"""The Dockerfile checked statically against the project (no Docker engine runs here)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from bot.settings import HttpSettings

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    """Arguments of every `NAME ...` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+)$", joined, re.M)]


def final_stage() -> str:
    return DOCKERFILE.split("\nFROM ")[-1]


def test_multi_stage_build_with_the_locked_dependencies() -> None:
    stages = instructions("FROM")
    assert len(stages) >= 2
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = python.removeprefix(">=")
    assert all(f"python:{minimum}" in s for s in stages)
    assert any("uv sync --frozen --no-dev" in r for r in instructions("RUN"))
    assert "COPY pyproject.toml uv.lock" in DOCKERFILE


def test_every_package_the_entry_point_needs_is_copied_into_the_runtime_image() -> None:
    runtime = final_stage()
    for package in ("bot", "handlers", "services", "storage", "locales"):
        assert (ROOT / package).is_dir()
        assert re.search(rf"^COPY --from=\w+ /app/{package} \./{package}$", runtime, re.M), package
    assert "COPY --from=build /app/.venv /app/.venv" in runtime


def test_entry_point_runs_the_bot_module() -> None:
    assert json.loads(instructions("ENTRYPOINT")[-1]) == ["python", "-m", "bot"]
    assert json.loads(instructions("CMD")[-1]) == ["run"]
    assert (ROOT / "bot" / "__main__.py").is_file()


def test_runs_as_a_non_root_user_with_the_data_volume() -> None:
    user = instructions("USER")[-1]
    assert user not in ("root", "0")
    assert re.search(rf"useradd .*\b{user}\b", final_stage())
    assert json.loads(instructions("VOLUME")[-1]) == ["/app/data"]
    env = " ".join(instructions("ENV"))
    assert "DATA_DIR=/app/data" in env
    assert f"chown -R {user}:{user} /app/data" in final_stage()


def test_port_and_healthcheck_match_the_http_settings() -> None:
    env = " ".join(instructions("ENV"))
    port = re.search(r"HTTP__PORT=(\d+)", env).group(1)
    assert "HTTP__HOST=0.0.0.0" in env
    assert instructions("EXPOSE")[-1] == port
    assert HttpSettings().port == int(port)  # same default outside Docker
    check = instructions("HEALTHCHECK")[-1]
    assert f"http://127.0.0.1:{port}/health" in check
    assert "--interval=" in check and "--timeout=" in check
    assert instructions("STOPSIGNAL")[-1] == "SIGTERM"


def test_secrets_and_local_state_stay_out_of_the_build_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", "data", ".venv", ".git"):
        assert entry in ignored
