"""tokenprint's example plugin: the invented Example Chat client, its model and its host.

The plugin's hooks (``ledger.plugins``): each receives ``register``. Standard
library only, as the hook of its client must stay.
"""

from __future__ import annotations

from typing import Any

from ledger.plugins import hookimpl


@hookimpl
def register_clients(register: Any) -> None:
    # The adapter module is named, not imported: listing the clients stays cheap.
    register("example-client", "tokenprint_example_client.adapter")


@hookimpl
def register_models(register: Any) -> None:
    register({
        "id": "example-7b",
        "provider": "example",
        "family": "example",
        "host": "examplecloud",
        "open_weights": True,
        "aliases": ["example-7b-chat"],
        "params": {"total": 7, "unit": "billion", "year": 2026,
                   "source": "Example Labs model card (invented for tokenprint's example plugin)"},
    })


@hookimpl
def register_factor_sets(register: Any) -> None:
    register("examplecloud", {"host": {"examplecloud": {
        "region": "FR",
        "source": "Example Cloud's data-centre report (invented for tokenprint's example plugin)",
        "pue": {"value": 1.2, "unit": "ratio", "year": 2026, "source": "Example Cloud 2026 (invented)"},
        "wue": {"low": 0.2, "central": 0.3, "high": 0.5, "unit": "L/kWh (IT)", "year": 2026,
                "source": "Example Cloud 2026 (invented)"},
        "lifetime": {"low": 1e12, "central": 1e13, "high": 1e14,
                     "unit": "generated tokens over the model's life (divisor)", "year": 2026,
                     "source": "assumption, as for open-weights models in the cloud"},
    }}})
