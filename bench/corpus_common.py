"""What the corpus generators for Codex, Gemini CLI and opencode share.

``bench/gen_codex_corpus.py``, ``bench/gen_gemini_corpus.py`` and
``bench/gen_opencode_corpus.py`` each write a client's files and an
``expected.json`` beside them: the ledger's buckets per (UTC day, model), known by
construction (independent of the code under test), plus ``traps``: for each
counting trap of ``../shared/reference/clients.md`` the tokens it holds, so a
bench can say which trap a peer's difference comes from.

Standard library only; deterministic from the seed.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
           "reasoning_tokens", "requests")
WORDS = ("the quick brown fox jumps over a lazy dog while tokens flow through caches and "
         "models compute answers for users in many projects src main test build fix error "
         "def return import class self value none true false").split()
Buckets = dict[str, int]


def iso(dt: datetime) -> str:
    """``2026-09-17T08:23:10.512Z`` (what the three clients write)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def day(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d")


def zero() -> Buckets:
    return dict.fromkeys(BUCKETS, 0)


class Ledger:
    """Expected buckets per (day, model) and the tokens behind each trap."""

    def __init__(self) -> None:
        self.days: dict[tuple[str, str], Buckets] = {}
        self.traps: dict[str, Buckets] = {}
        self.counts: dict[str, int] = {}

    def add(self, when: datetime, model: str, b: Buckets) -> None:
        cell = self.days.setdefault((day(when), model), zero())
        for k, v in b.items():
            cell[k] += v
        cell["requests"] += 1

    def trap(self, name: str, b: Buckets | None = None, n: int = 1) -> None:
        """Note one occurrence of trap ``name`` holding the buckets ``b``."""
        self.counts[name] = self.counts.get(name, 0) + n
        if b is not None:
            cell = self.traps.setdefault(name, zero())
            for k, v in b.items():
                cell[k] += v
            cell["requests"] += 1

    def write(self, root: Path, nbytes: int, seed: int, **extra: Any) -> dict[str, Any]:
        out = {
            "bytes": nbytes,
            "seed": seed,
            **extra,
            "days": {f"{d}|{m}": v for (d, m), v in sorted(self.days.items())},
            "traps": dict(sorted(self.traps.items())),
            "trap_counts": dict(sorted(self.counts.items())),
        }
        (root / "expected.json").write_text(json.dumps(out, indent=1))
        return out


class Text:
    """Filler text sliced from one random blob (fast: no per-call generation)."""

    def __init__(self, r: random.Random, size: int = 400_000) -> None:
        self.r = r
        words = [r.choice(WORDS) for _ in range(size // 5)]
        self.blob = " ".join(words)

    def __call__(self, n: int) -> str:
        n = max(1, n)
        if n >= len(self.blob):
            return (self.blob * (n // len(self.blob) + 1))[:n]
        start = self.r.randrange(0, len(self.blob) - n)
        return self.blob[start : start + n]

    def big(self, mu: float = 8.0, sigma: float = 1.4, cap: int = 400_000) -> str:
        """A tool output: log-normal size (median ~3 KB, sometimes hundreds of KB)."""
        return self(int(min(self.r.lognormvariate(mu, sigma), cap)))


def uuid4(r: random.Random) -> str:
    h = f"{r.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def uuid7(r: random.Random, when: datetime) -> str:
    """A UUIDv7 whose first 48 bits are ``when`` in ms (Codex thread and turn ids)."""
    ms = int(when.timestamp() * 1000)
    h = f"{ms:012x}" + f"{r.getrandbits(80):020x}"
    return f"{h[:8]}-{h[8:12]}-7{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def pick(r: random.Random, weighted: list[tuple[str, float]]) -> str:
    x = r.random()
    for name, p in weighted:
        x -= p
        if x <= 0:
            return name
    return weighted[0][0]


def load_expected(corpus: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus / "expected.json").read_text())
    return data
