"""Fixtures for the server's API tests: a real Jupyter server with AskDB enabled."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

SHOP_DDL = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    total REAL NOT NULL,
    ordered_on TEXT NOT NULL
);
"""
CUSTOMERS = [(1, "Ada", "France"), (2, "Bo", "France"), (3, "Cy", "Japan"), (4, "Di", "Peru")]
ORDERS = [(1, 1, 10.0, "2024-01-02"), (2, 1, 5.5, "2024-02-03"), (3, 3, 7.25, "2023-05-06")]


@pytest.fixture
def shop_db(tmp_path) -> Path:
    """A small SQLite database made by the test: customers and their orders."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as con:
        con.executescript(SHOP_DDL)
        con.executemany("INSERT INTO customers VALUES (?, ?, ?)", CUSTOMERS)
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
    return path


def askdb_server_config(tmp_path, **askdb) -> dict:
    """A Jupyter server config with AskDB enabled, its data in ``tmp_path``, no MiniLM, and
    ``askdb`` as further ``AskDBApp`` settings (a module's ``jp_server_config`` returns it)."""
    return {
        "ServerApp": {"jpserver_extensions": {"askdb_server": True}},
        "AskDBApp": {
            "data_dir": str(tmp_path / "askdb-data"),
            "use_embeddings": False,
            **askdb,
        },
    }


@pytest.fixture
def jp_server_config(tmp_path):
    return askdb_server_config(tmp_path)


@pytest.fixture
def api(jp_fetch):
    """Call the AskDB API: ``await api("POST", "projects", body)`` → (status, json)."""

    async def call(method: str, path: str, body=None, headers=None, raw: bool = False, params=None):
        kwargs = {"method": method, "headers": headers or {}, "params": params or {}}
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        elif method in ("POST", "PATCH", "PUT"):
            kwargs["body"] = "{}"
        try:
            resp = await jp_fetch("askdb", "api", *path.split("/"), **kwargs)
        except HTTPClientError as e:
            resp = e.response
        if raw:
            return resp
        text = resp.body.decode() if resp.body else ""
        return resp.code, (json.loads(text) if text else None)

    return call


@pytest.fixture
def shop_project(api, shop_db, jp_asyncio_loop):
    """The shop database as a project with its schema introspected (v1)."""

    async def create():
        status, project = await api(
            "POST", "projects", {"name": "shop", "connection_url": f"sqlite:///{shop_db}"}
        )
        assert status == 201, project
        status, version = await api(
            "POST", f"projects/{project['id']}/schemas", {"introspect": True}
        )
        assert status == 201, version
        return project

    return jp_asyncio_loop.run_until_complete(create())
