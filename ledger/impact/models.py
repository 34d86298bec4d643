"""The model table: resolve any id a client reports to a row, never failing.

Standard library only. ``resolve_model("claude-sonnet-4-5-20250929")`` finds the
row by id or alias after normalising the spelling (routing prefixes, Bedrock
and Vertex forms, dates, Ollama tags); an id not in the table falls to a family
rule, then to a size class, each with a warning. A model id that names a local
runtime (Ollama, llama.cpp, LM Studio, MLX) runs on host ``local``: the user's
own machine and grid.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from ledger.impact import loading
from ledger.impact.ranges import Range

#: Prefixes that say the model runs on the user's machine.
LOCAL_PREFIXES: tuple[str, ...] = (
    "ollama/", "ollama_chat/", "ollama:", "llamacpp/", "llama.cpp/", "llama-cpp/",
    "lmstudio/", "lm_studio/", "lm-studio/", "local/", "mlx/", "mlx-community/", "gguf/",
)
#: Clients whose models are always the provider's hosted ones.
HOSTED_ONLY_CLIENTS = frozenset({"chatgpt-export", "claude-export"})
#: Where an open-weights maker trains, for the training line (factors.toml hosts).
TRAINING_HOST = {"meta": "cloud", "qwen": "alibaba"}

_OLLAMA_TAG = re.compile(r"^([a-z0-9][\w.\-]*):([\w.\-]+)$")
_SIZE_TAG = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)b(?![a-z])")
_MOE_TAG = re.compile(r"(\d+(?:\.\d+)?)b-a(\d+(?:\.\d+)?)b")
_SUFFIXES = (
    r"-\d{8}$", r"-\d{4}-\d{2}-\d{2}$", r"-latest$", r"-preview(?:-\d{2}-\d{2})?$",
    r"-instruct$", r"-it$", r"-exp$", r"-thinking$", r"-(?:low|medium|high|xhigh|minimal)$",
    r"-turbo$", r"-chat$", r"-\d+bit$", r"-q\d\w*$", r"-(?:fp|bf)\d+$", r"-gguf$", r"-awq$", r"-mlx$",
)


@dataclass(frozen=True)
class ModelEntry:
    """A row of the model table as used for one client's model id."""

    id: str
    provider: str
    family: str
    host: str
    arch: str
    params_total: Range
    params_active: Range
    params_source: str
    reasoning: bool = False
    open_weights: bool = False
    price: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
    #: "table" (id or alias), "tag" (open weights sized from its tag), "rule"
    #: (family rule) or "size-class".
    match: str = "table"
    requested: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def local(self) -> bool:
        return self.host == "local"

    @property
    def prices(self) -> dict[str, Any] | None:
        """List prices, USD per million tokens per bucket, with date and source (or None)."""
        return self.price

    @property
    def params(self) -> dict[str, Range]:
        return {"total": self.params_total, "active": self.params_active}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (``estimate --json``'s ``model_resolved``)."""
        return {
            "id": self.id,
            "provider": self.provider,
            "family": self.family,
            "host": self.host,
            "arch": self.arch,
            "params_total_b": self.params_total.as_dict(),
            "params_active_b": self.params_active.as_dict(),
            "params_source": self.params_source,
            "reasoning": self.reasoning,
            "match": self.match,
            "requested": self.requested,
        }


def _params(spec: dict[str, Any], where: str) -> tuple[str, Range, Range]:
    try:
        total = Range.of(spec["total"])
        active = Range.of(spec["active"]) if "active" in spec else total
    except (KeyError, TypeError, ValueError) as exc:
        raise loading.DataError(f"models.toml {where}: bad params ({exc})") from None
    return ("moe" if "active" in spec else "dense"), total, active


def _entry(row: dict[str, Any], **extra: Any) -> ModelEntry:
    arch, total, active = _params(row["params"], row.get("id", row.get("pattern", "?")))
    provider = row["provider"]
    return ModelEntry(
        id=row.get("id", row.get("family", "unknown")),
        provider=provider,
        family=row.get("family", provider),
        host=row.get("host", provider),
        arch=arch,
        params_total=total,
        params_active=active,
        params_source=row["params"].get("source", ""),
        reasoning=bool(row.get("reasoning", False)),
        open_weights=bool(row.get("open_weights", False)),
        price=row.get("price"),
        training=row.get("training"),
        **extra,
    )


@functools.cache
def _index() -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for row in loading.models()["model"]:
        for key in (row["id"], *row.get("aliases", ())):
            k = key.lower()
            if k in index and index[k] is not row:
                raise loading.DataError(f"models.toml: {key!r} names two rows")
            index[k] = row
    return index


def rows() -> list[dict[str, Any]]:
    """The table's rows as in the data file."""
    return list(loading.models()["model"])


def is_local(model_id: str, client: str | None = None) -> bool:
    """Whether ``model_id`` (as ``client`` reported it) runs on the user's machine."""
    s = model_id.strip().lower()
    if client in HOSTED_ONLY_CLIENTS:
        return False
    if s.startswith(LOCAL_PREFIXES) or s.endswith(".gguf") or "/gguf" in s:
        return True
    base = s.rsplit("/", 1)[-1]
    if re.search(r"-v\d+:\d+$", base):  # Bedrock: anthropic.claude-...-v2:0
        return False
    return bool(_OLLAMA_TAG.match(base))


def candidates(model_id: str) -> list[str]:
    """Spellings of ``model_id`` to look up, most specific first."""
    out: list[str] = []

    def add(x: str) -> None:
        x = x.strip()
        if x and x not in out:
            out.append(x)

    s = model_id.strip().lower()
    add(s)
    parts = s.split("/")
    for i in range(1, len(parts)):
        add("/".join(parts[i:]))
    base = parts[-1]
    base = re.sub(r"^(?:[a-z]{2}\.)?(?:anthropic|meta|mistral|amazon|cohere|deepseek|openai|qwen)\.", "", base)
    base = re.sub(r"-v\d+(?::\d+)?$", "", base)
    base = base.replace("@", "-")
    if base.endswith(".gguf"):
        base = base[: -len(".gguf")]
    add(base)
    m = _OLLAMA_TAG.match(base)
    if m:
        name, tag = m.groups()
        if tag == "latest":
            add(name)
            default = loading.models().get("ollama_default_tag", {}).get(name)
            if default:
                add(f"{name}:{default}")
        else:
            sized = re.match(r"(\d+(?:\.\d+)?b|\d+x\d+b)", tag)
            if sized:
                add(f"{name}:{sized.group(1)}")
    i = 0
    while i < len(out):  # strip suffixes repeatedly, on every spelling so far
        for pat in _SUFFIXES:
            stripped = re.sub(pat, "", out[i])
            if stripped != out[i]:
                add(stripped)
        i += 1
    for c in list(out):
        add(re.sub(r"(\d)\.(\d)", r"\1-\2", c))  # claude-sonnet-4.5 -> claude-sonnet-4-5
        add(re.sub(r"(\d)-(\d)(?!\d{3})", r"\1.\2", c))  # gpt-5-1 -> gpt-5.1
    return out


def _from_tag(model_id: str, cands: list[str]) -> ModelEntry | None:
    """An open-weights model not in the table, sized from its tag (``foo:14b``, ``-30b-a3b``)."""
    for c in sorted(cands, key=len):
        moe = _MOE_TAG.search(c)
        size = _SIZE_TAG.search(c)
        if not (moe or size):
            continue
        if moe:
            total = float(moe.group(1))
            active = float(moe.group(2))
            params: dict[str, Any] = {"total": [total * 0.95, total, total * 1.05],
                                      "active": [active * 0.9, active, active * 1.1]}
        else:
            assert size is not None
            total = float(size.group(1))
            params = {"total": [total * 0.9, total, total * 1.1]}
        name = re.split(r"[:\-]", c.rsplit("/", 1)[-1])[0]
        provider = _guess_provider(name)
        params["source"] = f"size read from the id {model_id!r}"
        row = {"id": c, "provider": provider, "family": name, "host": "cloud",
               "open_weights": True, "params": params}
        return _entry(row, match="tag", requested=model_id,
                      warnings=[f"model {model_id!r} is not in the table: sized from its name ({total:g} B parameters)"])
    return None


def _guess_provider(name: str) -> str:
    for key, provider in (("llama", "meta"), ("qwen", "qwen"), ("gemma", "google"),
                          ("mistral", "mistral"), ("mixtral", "mistral"), ("deepseek", "deepseek"),
                          ("phi", "microsoft"), ("gpt-oss", "openai"), ("granite", "ibm")):
        if key in name:
            return provider
    return "unknown"


def _by_rule(model_id: str, cands: list[str]) -> ModelEntry | None:
    for rule in loading.models().get("rule", []):
        pat = re.compile(rule["pattern"])
        for c in cands:
            if pat.search(c.rsplit("/", 1)[-1]):
                arch, total, active = _params(rule["params"], rule["pattern"])
                return _entry(
                    {**rule, "id": c.rsplit("/", 1)[-1]},
                    match="rule",
                    requested=model_id,
                    warnings=[
                        f"model {model_id!r} is not in the table: sized as the {rule['family']} family "
                        f"({active.low:g}-{active.high:g} B active parameters)"
                    ],
                )
    return None


def _by_size_class(model_id: str) -> ModelEntry:
    classes = loading.models()["size_class"]
    low = model_id.lower()
    chosen = "unknown"
    for name, spec in classes.items():
        if any(k in low for k in spec.get("keywords", ())):
            chosen = name
            break
    spec = classes[chosen]
    arch, total, active = _params(spec["params"], f"size_class.{chosen}")
    row = {"id": f"unknown-{chosen}", "provider": "unknown", "family": f"size class {chosen}",
           "host": "cloud", "params": spec["params"]}
    return _entry(
        row,
        match="size-class",
        requested=model_id,
        warnings=[
            f"unknown model {model_id!r}: sized by the {chosen!r} size class "
            f"({active.low:g}-{active.high:g} B active parameters); impacts are rough"
        ],
    )


@functools.lru_cache(maxsize=4096)
def resolve_model(model_id: str, client: str | None = None) -> ModelEntry:
    """The table entry for ``model_id`` as ``client`` reported it; never raises.

    Order: exact id or alias (after normalising the spelling), a family rule,
    a size read from the id (``-7b``, ``:14b``, ``30b-a3b``; first for local
    runtimes), a size class. Local runtimes get host ``local``.
    The returned entry is shared (cached): do not mutate it.
    """
    raw = (model_id or "").strip()
    local = bool(raw) and is_local(raw, client)
    cands = candidates(raw) if raw else []
    index = _index()
    entry: ModelEntry | None = None
    for c in cands:
        row = index.get(c)
        if row is not None:
            entry = _entry(row, requested=raw)
            break
    tag_first = local or any(":" in c for c in cands)
    if entry is None and cands and tag_first:
        entry = _from_tag(raw, cands)
    if entry is None and cands:
        entry = _by_rule(raw, cands)
    if entry is None and cands and not tag_first:
        entry = _from_tag(raw, cands)
    if entry is None:
        entry = _by_size_class(raw or "unknown")
        if not raw:
            entry = _replace(entry, warnings=["no model id: sized as an unknown model; impacts are rough"])
    if local:
        extra = [] if entry.open_weights or entry.match != "table" else [
            f"{entry.id} is not an open-weights model; counted as running on your machine as reported"
        ]
        entry = _replace(entry, host="local", warnings=[*entry.warnings, *extra])
    return entry


def _replace(entry: ModelEntry, **changes: Any) -> ModelEntry:
    from dataclasses import replace

    return replace(entry, **changes)
