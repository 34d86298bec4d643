"""tokenprint's core: schema, store, ingestion, methodology, queries and reports.

Constraint: importing ``ledger`` (this file) must stay standard-library only and
cheap, because the hook's hot path imports ``ledger.vocab``, ``ledger.events``,
``ledger.paths``, ``ledger.schema`` and ``ledger.fastpath``. Anything heavy
(SQLModel, SQLAlchemy, tomlkit) is imported by the modules that need it.
"""

__version__ = "0.1.0"
