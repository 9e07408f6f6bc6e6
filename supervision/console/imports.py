"""Bulk import by upload: the CLI's importer (`infra.importer.import_stream`) run in bounded steps.

The regulator uploads a CSV or JSONL file (the formats of `eldercare import`). The upload is kept as a
*job* in `<var dir>/console-imports/<job id>/`:

| file | shape |
| --- | --- |
| `upload` | the uploaded bytes (deleted when the job is done) |
| `job.json` | the job record (below) |
| `rejects.jsonl` | one `{"line": n, "reason": str, "original": the line as uploaded}` per rejected line |
| `lock` | `flock`ed while a step runs |

Job record: `{"id", "user", "agency", "filename", "format": "csv"/"jsonl", "size": bytes,
"offset": bytes read, "line": next line number, "header": CSV header line or null, "imported",
"rejected", "status": "running"/"done", "created", "finished": epoch seconds or null}`.

No thread and no background process: each POST to the job's step URL runs **one step** — chunks of
at most `CHUNK_LINES` lines through `import_stream` until `STEP_SECONDS` have passed — under an
exclusive `flock` (a second tab, or a second gunicorn worker, only reads the record). The job's page
posts the steps one after another from its own script (static/import.js, CSP `'self'`) and moves its
`<progress>` bar; without the script its 继续导入 button posts one step at a time. A request thread is
held for about `STEP_SECONDS`, never minutes; the import advances while its page is open and resumes
when it is opened again. (No `<meta http-equiv=refresh>`: axe counts a timed refresh as a critical
violation, WCAG 2.2.1.) Every line goes through the dispatcher with the regulator's own context (source
`import`, as the CLI), so role and jurisdiction are checked per line and a refused line is a reject.

A worker that dies in a step after the importer committed a chunk and before `job.json` was written
re-runs that chunk (≤ `CHUNK_LINES` lines) at the next step: facilities are keyed by USCC and imported
commands by their natural keys, so the repeat is refused as a duplicate rather than written twice.

Limits: the upload at most `ELDERCARE_CONSOLE_IMPORT_MAX_BYTES` (default 20 MiB; larger: 413 before
it is read); lines at most `bounds.MAX_IMPORT_LINE_BYTES` (the importer's own limit). A job is seen
only by the user and agency that uploaded it (anyone else: 404); jobs older than `KEEP_DAYS` are
deleted when a new file is uploaded.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.importer import import_stream
from supervision.application import Context
from supervision.commands import bounds
from supervision.console.env import console_env
from supervision.domain.errors import InvalidCommand

#: lines given to the importer at once (a re-run after a crash repeats at most this many)
CHUNK_LINES = 100
#: a step stops starting chunks after this many seconds (the request answers soon after)
STEP_SECONDS = 2.0
#: the upload's size limit unless ELDERCARE_CONSOLE_IMPORT_MAX_BYTES says otherwise
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: the original line kept in the rejects file is cut after this many characters
ORIGINAL_CHARS = 20_000
KEEP_DAYS = 7
FORMATS = ("csv", "jsonl")


def max_bytes(env: dict[str, str] | None = None) -> int:
    """`ELDERCARE_CONSOLE_IMPORT_MAX_BYTES` (1 KiB … 1 GiB), default 20 MiB."""
    raw = (env if env is not None else console_env()).get("ELDERCARE_CONSOLE_IMPORT_MAX_BYTES", "")
    if not raw:
        return DEFAULT_MAX_BYTES
    if not raw.isdigit() or not 1024 <= int(raw) <= 1024**3:
        raise ValueError(f"ELDERCARE_CONSOLE_IMPORT_MAX_BYTES={raw!r}: bytes, 1024 … 1073741824")
    return int(raw)


def jobs_dir(root: Any) -> Path:
    return Path(root.settings.var_dir) / "console-imports"


def _valid_id(job_id: str) -> bool:
    return len(job_id) == 32 and all(c in "0123456789abcdef" for c in job_id)


def _write_job(folder: Path, job: dict[str, Any]) -> None:
    tmp = folder / "job.json.tmp"
    tmp.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / "job.json")


def read(folder: Path) -> dict[str, Any]:
    """The job's record as it stands."""
    return _read_job(folder)


def _read_job(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "job.json").read_text(encoding="utf-8"))


def detect_format(filename: str, chosen: str) -> str:
    if chosen in FORMATS:
        return chosen
    return "csv" if filename.lower().endswith(".csv") else "jsonl"


def create(root: Any, ctx: Context, filename: str, chosen: str, stream: Any) -> dict[str, Any]:
    """Keep the upload as a new job; refuse (422, field `file`) an empty file or an unreadable CSV
    header. `stream` is the uploaded file (already limited in size by the request)."""
    base = jobs_dir(root)
    base.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # var/ is private (infra/files.py)
    base.mkdir(mode=0o700, exist_ok=True)
    _forget_old(base)
    fmt = detect_format(filename, chosen)
    job_id = uuid.uuid4().hex
    folder = base / job_id
    folder.mkdir(mode=0o700)
    upload = folder / "upload"
    with open(upload, "wb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)
    size = upload.stat().st_size
    header = None
    offset = 0
    line = 1
    try:
        if size == 0:
            raise InvalidCommand("空文件", {"file": ["文件为空"]})
        if fmt == "csv":
            with open(upload, "rb") as f:
                raw = f.readline()
            try:
                header = raw.decode("utf-8-sig")
                columns = next(csv.reader([header]))
                if not any(c.strip() for c in columns) or len(raw) > bounds.MAX_IMPORT_LINE_BYTES:
                    raise ValueError("no columns")
            except (UnicodeDecodeError, ValueError, csv.Error, StopIteration):
                raise InvalidCommand("CSV 表头无法读取",
                                     {"file": ["第 1 行应为 UTF-8 编码的 CSV 表头"]}) from None
            offset, line = len(raw), 2
    except InvalidCommand:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    (folder / "rejects.jsonl").touch()
    job = {"id": job_id, "user": ctx.actor.user, "agency": ctx.actor.agency, "filename": filename[:200],
           "format": fmt, "size": size, "offset": offset, "line": line, "header": header,
           "imported": 0, "rejected": 0, "status": "running", "created": int(time.time()), "finished": None}
    _write_job(folder, job)
    return job


def _forget_old(base: Path) -> None:
    limit = time.time() - KEEP_DAYS * 86400
    for folder in base.iterdir():
        try:
            if folder.is_dir() and (folder / "job.json").stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:
            continue


def folder_of(root: Any, ctx: Context, job_id: str) -> Path | None:
    """The job's folder when it exists and belongs to the caller (user and agency), else None."""
    if not _valid_id(job_id):
        return None
    folder = jobs_dir(root) / job_id
    try:
        job = _read_job(folder)
    except (FileNotFoundError, ValueError):
        return None
    if job["user"] != ctx.actor.user or job["agency"] != ctx.actor.agency:
        return None
    return folder


def mine(root: Any, ctx: Context, limit: int = 20) -> list[dict[str, Any]]:
    """The caller's jobs, newest first."""
    base = jobs_dir(root)
    if not base.is_dir():
        return []
    jobs = []
    for folder in base.iterdir():
        try:
            job = _read_job(folder)
        except (FileNotFoundError, NotADirectoryError, ValueError):
            continue
        if job["user"] == ctx.actor.user and job["agency"] == ctx.actor.agency:
            jobs.append(job)
    return sorted(jobs, key=lambda j: j["created"], reverse=True)[:limit]


@contextmanager
def _locked(folder: Path) -> Iterator[bool]:
    """True while this process holds the job's lock; False when another step is running."""
    with open(folder / "lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _chunk(upload: Any, limit: int) -> list[bytes]:
    lines = []
    for raw in upload:
        lines.append(raw)
        if len(lines) >= limit:
            break
    return lines


def _original(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
    return text if len(text) <= ORIGINAL_CHARS else text[:ORIGINAL_CHARS] + "…（已截断）"


def step(root: Any, ctx: Context, folder: Path, seconds: float | None = None) -> dict[str, Any]:
    """Run the job on for about `seconds` (chunks of `CHUNK_LINES` lines through the importer) and
    return its record. Another step holding the lock: the record as it stands."""
    with _locked(folder) as mine_now:
        job = _read_job(folder)
        if not mine_now or job["status"] != "running":
            return job
        started, seconds = time.monotonic(), STEP_SECONDS if seconds is None else seconds
        header = (job["header"] or "").encode("utf-8")
        with open(folder / "upload", "rb") as upload, open(folder / "rejects.jsonl", "a",
                                                           encoding="utf-8") as rejects:
            upload.seek(job["offset"])
            while True:  # at least one chunk a step, then more while time is left
                lines = _chunk(upload, CHUNK_LINES)
                if not lines:
                    break
                # the importer numbers the chunk from 1 (CSV: the header is line 1)
                shift = job["line"] - (2 if job["format"] == "csv" else 1)
                report = import_stream(root, ctx, io.BytesIO(header + b"".join(lines)), job["format"])
                for number, reason in sorted(report.rejections):
                    raw = lines[number + shift - job["line"]] if number + shift >= job["line"] else b""
                    rejects.write(json.dumps({"line": number + shift, "reason": reason,
                                              "original": _original(raw)}, ensure_ascii=False) + "\n")
                rejects.flush()
                job["imported"] += report.imported
                job["rejected"] += report.rejected
                job["offset"] += sum(len(raw) for raw in lines)
                job["line"] += len(lines)
                _write_job(folder, job)
                if time.monotonic() - started >= seconds:
                    break
        if job["offset"] >= job["size"]:
            job["status"], job["finished"] = "done", int(time.time())
            _write_job(folder, job)
            (folder / "upload").unlink(missing_ok=True)
            last = root.app.recorder.max_notification_id()
            if last:
                root.wait_for(last)
        return job
