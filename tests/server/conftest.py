"""Fixtures for the server's API tests: a real Jupyter server with AskDB enabled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from askdb_server.openapi import openapi_document
from tests.helpers.openapi import path_template, response_validator
from tests.helpers.servers import askdb_server_config
from tests.helpers.shop import write_shop


@pytest.fixture
def shop_db(tmp_path) -> Path:
    """A small SQLite database made by the test: customers and their orders."""
    return write_shop(tmp_path / "shop.db")


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
def as_user(api):
    """``await as_user("a-admin", "GET", "projects")`` → (status, json), checked against the
    OpenAPI document; the server's ``jp_server_config`` takes the user from ``X-Test-User``
    (``tests.helpers.servers.HeaderIdentityProvider``)."""
    doc = openapi_document()

    async def call(username, method, path, body=None, **kw):
        headers = {"X-Test-User": username}
        status, data = await api(method, path, body, headers=headers, **kw)
        if status not in (204, 405):
            template = path_template(doc, "/askdb/api/" + path)
            response_validator(doc, method, template, status).validate(data)
        return status, data

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
