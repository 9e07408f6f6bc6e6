"""The README's example block runs as written against a demo server (issue: the first hour).

The block between `readme-example:start` and `:end` is taken from README.md unchanged except for
the port, and run by bash with `set -e` in a folder laid out like the repository's root (`.venv`
and `examples/` linked), after `eldercare demo --no-serve` loaded the sample city there.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import stop_process

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parents[1]


def readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- readme-example:start -->\s*```bash\n(.*?)```\s*<!-- readme-example:end -->",
                      text, re.S)
    assert match, "README.md lost its example block markers"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"serve did not answer /healthz in {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_readme_example_block_runs_as_written(tmp_path: Path) -> None:
    work = tmp_path / "checkout"
    work.mkdir()
    (work / ".venv").symlink_to(VENV)
    (work / "examples").symlink_to(ROOT / "examples")
    # what `./dev.sh demo` writes on first run, here written first so that no other configuration
    # (a developer's own demo beside the source) can be picked up
    (work / "eldercare.toml").write_text('ELDERCARE_VAR_DIR = "var"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ELDERCARE_", "DATABASE_URL", "VIEWS_DATABASE_URL", "KAFKA_"))}
    env["ELDERCARE_LOG_FORMAT"] = "json"
    port = free_port()

    demo = subprocess.run([str(VENV / "bin" / "eldercare"), "demo", "--no-serve", "--facilities", "12"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "var/demo-tokens.json" in demo.stdout or "demo-tokens.json" in demo.stdout

    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(VENV / "bin" / "eldercare"), "serve", "--port", str(port)],
                                  cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(port, server, log)
        block = readme_block().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=work, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        facility = json.loads((ROOT / "examples" / "facility.json").read_text(encoding="utf-8"))
        assert facility["uscc"] in result.stdout  # the command's answer and `facility show`
        assert "imported 3, rejected 0" in result.stdout
        assert '"appended"' in result.stdout  # tick's report
        assert not (work / "rejected.jsonl").read_text(encoding="utf-8").strip()
    finally:
        stop_process(server)
