#!/usr/bin/env bash
# ./dev.sh demo  — install, start on embedded defaults (SQLite + local broker), load a sample city, serve
# ./dev.sh test  — install everything, start PostgreSQL if it is down, run ruff and the whole test suite
# ./dev.sh bench — run the benchmarks at full size and print their figures
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}

step() { printf '==> %s\n' "$*" >&2; }

setup() {
  local started=$SECONDS
  if [ ! -x .venv/bin/python ]; then
    step "creating .venv (first run: installing takes a minute or two)"
    "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  fi
  local stamp
  stamp=$(sha256sum pyproject.toml | cut -c1-16)
  if [ "$(cat .venv/.installed 2>/dev/null)" = "$stamp" ]; then
    return 0  # pyproject.toml unchanged since the last install
  fi
  step "installing eldercare-supervision and its dependencies into .venv (one line per package)"
  local rc
  set +e
  .venv/bin/python -m pip install --disable-pip-version-check -e '.[dev]' 2>&1 | tee .venv/install.log \
    | grep --line-buffered -E '^(Collecting|Successfully)' | sed -u 's/^/    /' >&2
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    tail -n 30 .venv/install.log >&2
    step "pip install failed (exit $rc); the whole log is in .venv/install.log"
    exit 1
  fi
  echo "$stamp" > .venv/.installed
  step "installed in $((SECONDS - started)) s"
}

# Byte-compile the project's own modules (pip did the dependencies'): with PYTHONDONTWRITEBYTECODE
# set, as on this machine kind, every process would otherwise compile ~130 modules from source again,
# 0.3 s of CPU for each CLI call, server worker and spawned process (the suite starts hundreds).
# Python still reads the .pyc files that exist; only changed files are compiled again.
compile_sources() {
  .venv/bin/python -m compileall -q -j 0 supervision projections consumers infra tests >/dev/null
}

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL is down; starting it" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  demo)
    setup
    compile_sources
    step "starting the demo (SQLite in ./var, a local broker, a sample city)"
    exec .venv/bin/eldercare demo "$@"
    ;;
  test)
    setup
    ensure_postgres
    if ! { [ -x /usr/bin/chromium ] && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }; then
      step "installing Debian's chromium and a CJK font for the browser tests (Playwright drives them)"
      { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } \
        || echo "no chromium: the site's browser test is skipped" >&2
    fi
    compile_sources
    step "ruff"
    .venv/bin/ruff check .
    # two processes (pytest-xdist), a test file per process at a time: most tests wait on servers,
    # brokers and databases, so two share the 2-core machine well; ELDERCARE_TEST_JOBS=0 runs in one
    jobs=${ELDERCARE_TEST_JOBS:-2}
    step "pytest (SQLite, PostgreSQL, the real broker; $jobs processes)"
    set +e
    if [ "$jobs" = "0" ]; then
      .venv/bin/python -m pytest "$@"
    else
      .venv/bin/python -m pytest -n "$jobs" --dist loadfile --durations=15 "$@"
    fi
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then
      echo "pytest collected no tests: failing on purpose" >&2
      exit 1
    fi
    exit "$rc"
    ;;
  bench)
    setup
    ensure_postgres
    ELDERCARE_BENCH_FULL=1 exec .venv/bin/python -m pytest tests/benchmarks -s -p no:randomly --timeout=0 "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo | test [pytest args] | bench" >&2
    exit 2
    ;;
esac
