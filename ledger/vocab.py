"""The one vocabulary: token buckets and client names (shared/reference/interface.md).

Standard library only.
"""

from __future__ import annotations

#: Token buckets, in the order used by the ledger, the reports and the JSON.
TOKEN_BUCKETS: tuple[str, ...] = (
    "input_tokens",  # fresh input, not served from a cache
    "cache_write_tokens",
    "cache_read_tokens",
    "output_tokens",  # visible output, reasoning excluded
    "reasoning_tokens",
)
#: Every counted field: the token buckets plus API calls.
COUNT_FIELDS: tuple[str, ...] = (*TOKEN_BUCKETS, "requests")

#: Client names used everywhere (commands, ledger rows, JSON).
CLIENTS: tuple[str, ...] = (
    "claude-code",
    "codex",
    "gemini-cli",
    "opencode",
    "aider",
    "llm",
    "chatgpt-export",
    "claude-export",
    "manual",
)
