"""Dropping a database connection from outside, as a PostgreSQL restart, an operator
(``pg_terminate_backend``) or a pooler does: the next query on it fails."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper


def drop_connection(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Terminate the server process of ``connection`` (opened first if it is not) from a second
    connection, and wait until it is gone. PostgreSQL only."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, f"backend {pid} still there"
            time.sleep(0.01)


@pytest.fixture(autouse=True)
def reconnect_afterwards() -> Iterator[None]:
    """Leave no dead connection behind for the database's teardown (autouse where imported).
    Django's test client does not check connections between requests, as a server does."""
    yield
    if not default_connection.is_usable():
        default_connection.close()
