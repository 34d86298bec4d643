"""SQLModel tables of the ledger: one model per table, mirroring ``ledger.schema``.

The schema itself is created by the migrations (so the stdlib hook can create it
too); ``tests/ledger/test_schema.py`` checks that these models and the migrated
tables agree column for column. Timestamps are UTC epoch milliseconds.
There is no column for prompt or response text, by design.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel


class UsageEvent(SQLModel, table=True):
    """One request (or ``requests`` of them) as a client reported it."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("client", "event_id", name="uq_events_client_event"),
        Index("ix_events_ts", "ts"),
        Index("ix_events_session", "session"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(sa_column=Column(String, nullable=False))
    event_id: str = Field(sa_column=Column(String, nullable=False))
    provider: str | None = Field(default=None, sa_column=Column(String))
    model: str = Field(sa_column=Column(String, nullable=False))
    ts: int = Field(sa_column=Column(BigInteger, nullable=False))
    session: str | None = Field(default=None, sa_column=Column(String))
    project: str | None = Field(default=None, sa_column=Column(String))
    input_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    cache_write_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    cache_read_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    output_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    reasoning_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    requests: int = Field(default=1, sa_column=Column(BigInteger, nullable=False, default=1))
    cost_usd: float | None = Field(default=None, sa_column=Column(Float))
    source: str | None = Field(default=None, sa_column=Column(String))
    tokens_estimated: str | None = Field(default=None, sa_column=Column(String))


class SourcePosition(SQLModel, table=True):
    """How far a client's source file was read, so imports read only what is new."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("client", "path", name="uq_sources_client_path"),)

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(sa_column=Column(String, nullable=False))
    path: str = Field(sa_column=Column(String, nullable=False))
    identity: str = Field(default="", sa_column=Column(String, nullable=False, default=""))
    offset: int = Field(default=0, sa_column=Column("offset", BigInteger, nullable=False, default=0))
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    mtime_ns: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    skipped_lines: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    skip_reasons: str = Field(default="{}", sa_column=Column(String, nullable=False, default="{}"))
    state: str = Field(default="{}", sa_column=Column(String, nullable=False, default="{}"))
    updated_ts: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class SchemaMigration(SQLModel, table=True):
    """Applied migrations, one row each."""

    __tablename__ = "schema_migrations"

    version: int = Field(primary_key=True)
    name: str = Field(sa_column=Column(String, nullable=False))
    applied_ts: int = Field(sa_column=Column(BigInteger, nullable=False))
