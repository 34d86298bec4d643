"""Shared harness for the ledger's robustness benches (soak, ``kill -9`` loops).

Used by ``bench/soak.py``, ``bench/kill9.py`` and ``bench/kill9_backup.py``
(backup, restore, migration: its author may use everything here). Import it as
``import harness``: a script run as ``python bench/x.py`` has ``bench/`` on
``sys.path`` (``bench/`` is no package); tests run the bench scripts as
subprocesses.

What it holds, so no bench writes its own:

- :func:`tool_env` / :func:`exe`: the environment and console scripts of this
  venv for a given ``TOKENPRINT_HOME`` (a team URL in the caller's environment is
  dropped, so a bench never touches a server);
- :func:`run_ok`: run a command to completion, exit with its stderr if it failed;
- :func:`kill_at_random` / :func:`spawn`: start a real process and ``kill -9``
  its process group at a given or random instant (:class:`Kill` says when, and
  whether it had already finished);
- :func:`integrity_check`: ``PRAGMA integrity_check`` on a read-only connection
  (``"ok"`` or the problems, one per line);
- :func:`totals` / :func:`diff_totals` / :func:`event_count`: the ledger's totals
  per (UTC day, model, bucket) and a readable difference between two of them;
- :func:`claude_corpus`: a generated Claude Code config dir of a given size
  (``bench/gen_claude_corpus.py``), made once per size and seed and reused;
- :func:`percentile` and :func:`ms`.

Standard library only (plus the corpus generator next to it).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
           "reasoning_tokens", "requests")

Totals = dict[tuple[str, str, str], int]


def exe(name: str) -> str:
    """The console script ``name`` of the running interpreter's venv."""
    p = BIN / name
    return str(p) if p.exists() else name


def tool_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for tokenprint commands on the ledger in ``home``."""
    env = dict(os.environ)
    env.pop("TOKENPRINT_DATABASE_URL", None)
    env["TOKENPRINT_HOME"] = str(home)
    pp = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + pp if pp else "")
    env.update(extra)
    return env


def run_ok(args: list[str], env: dict[str, str], stdin: bytes = b"",
           timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
    """Run ``args`` to the end; exit with its stderr when it fails."""
    proc = subprocess.run(args, input=stdin, capture_output=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-2000:]}")
    return proc


def spawn(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> subprocess.Popen[bytes]:
    """Start ``args`` in its own process group (so a kill reaches its children too).

    ``stdin`` is written and closed at once (a hook payload); output is discarded.
    """
    proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    if stdin is not None and proc.stdin is not None:
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        proc.stdin = None  # written and closed: communicate() must not flush it
    return proc


@dataclass
class Kill:
    """One ``kill -9`` attempt: planned instant, whether the process was still running."""

    at_ms: float  # planned, from the start of the process
    killed: bool  # False: it had finished before (then ``returncode``/``stderr`` are its own)
    returncode: int
    stderr: str
    elapsed_ms: float  # from start to the end of the process (kill included)


def kill_at(args: list[str], env: dict[str, str], at_ms: float, stdin: bytes | None = None) -> Kill:
    """Run ``args`` and ``kill -9`` its process group ``at_ms`` after it started."""
    t0 = time.perf_counter()
    proc = spawn(args, env, stdin)
    deadline = t0 + at_ms / 1000
    while True:
        left = deadline - time.perf_counter()
        if left <= 0 or proc.poll() is not None:
            break
        time.sleep(min(left, 0.002))
    killed = proc.poll() is None
    if killed:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            killed = False
    _out, err = proc.communicate()
    if proc.returncode != -signal.SIGKILL:
        killed = False
    return Kill(at_ms, killed, proc.returncode, (err or b"").decode(errors="replace"),
                (time.perf_counter() - t0) * 1000)


def kill_at_random(args: list[str], env: dict[str, str], window_ms: float, rng: random.Random,
                   stdin: bytes | None = None) -> Kill:
    """:func:`kill_at` a uniformly random instant of ``[0, window_ms)``."""
    return kill_at(args, env, rng.uniform(0, window_ms), stdin)


def timed_run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Run ``args`` to the end (it must succeed); its wall time in ms and the result."""
    t0 = time.perf_counter()
    proc = run_ok(args, env, stdin)
    return (time.perf_counter() - t0) * 1000, proc


def integrity_check(db: Path) -> str:
    """``PRAGMA integrity_check`` of ``db``: ``"ok"``, or its messages (one per line).

    A read-only connection (never creates nor repairs anything); a missing file or
    one SQLite cannot open is reported as such.
    """
    if not Path(db).exists():
        return f"{db}: no such file"
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"{type(exc).__name__}: {exc}"
    return "\n".join(str(r[0]) for r in rows)


def totals(db: Path, client: str | None = None) -> Totals:
    """The ledger's totals per (UTC day, model, bucket), plus ``events`` per (day, model);
    empty for a ledger killed before its first migration made the events table."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone() is None:
            return {}
        where, params = ("WHERE client = ?", (client,)) if client else ("", ())
        sums = ", ".join(f"SUM({b})" for b in BUCKETS)
        rows = con.execute(
            f"SELECT date(ts / 1000, 'unixepoch') AS day, model, COUNT(*), {sums} FROM events {where} "
            "GROUP BY day, model", params).fetchall()
    finally:
        con.close()
    out: Totals = {}
    for day, model, n, *vals in rows:
        out[(day, model, "events")] = int(n)
        for b, v in zip(BUCKETS, vals, strict=True):
            out[(day, model, b)] = int(v or 0)
    return out


def event_count(db: Path) -> int:
    """How many events ``db`` holds (0 when it has no events table yet)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return int(con.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def diff_totals(got: Totals, want: Totals, limit: int = 5) -> list[str]:
    """The (day, model, bucket) cells that differ, as ``day model bucket: got X, want Y``."""
    out = []
    for key in sorted(set(got) | set(want)):
        g, w = got.get(key, 0), want.get(key, 0)
        if g != w:
            out.append(f"{' '.join(key)}: got {g}, want {w}")
    return out[:limit] + ([f"... and {len(out) - limit} more"] if len(out) > limit else [])


def claude_corpus(mb: float, seed: int = 1, where: Path | None = None) -> Path:
    """A generated Claude Code config dir of about ``mb`` MB (made once, reused)."""
    import tempfile

    sys.path.insert(0, str(BENCH))
    import gen_claude_corpus

    root = (where or Path(tempfile.gettempdir()) / "tokenprint-bench") / f"claude-corpus-{mb:g}mb-s{seed}"
    if not (root / "expected.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        gen_claude_corpus.generate(root, mb, seed)
    return root


#: Each client's corpus generator in bench/ and what ``tokenprint import`` is given.
GENERATORS: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "claude-code": ("gen_claude_corpus", lambda root: root),
    "codex": ("gen_codex_corpus", lambda root: root),
    "gemini-cli": ("gen_gemini_corpus", lambda root: root / ".gemini"),
    "opencode": ("gen_opencode_corpus", lambda root: root / "opencode"),
}


def client_corpus(client: str, mb: float, seed: int = 1, where: Path | None = None) -> tuple[Path, Path]:
    """A generated corpus of ``client`` of about ``mb`` MB (made once, reused): its
    root (with ``expected.json``) and the path to import."""
    import importlib
    import tempfile

    if client == "claude-code":
        root = claude_corpus(mb, seed, where)
        return root, root
    module, path = GENERATORS[client]
    sys.path.insert(0, str(BENCH))
    gen = importlib.import_module(module)
    root = (where or Path(tempfile.gettempdir()) / "tokenprint-bench") / f"{client}-corpus-{mb:g}mb-s{seed}"
    if not (root / "expected.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        gen.generate(root, mb, seed)
    return root, path(root)


def percentile(xs: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``xs``, nearest rank (0 for no data)."""
    if not xs:
        return 0.0
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
