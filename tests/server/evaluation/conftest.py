"""Fixtures: the small evaluation folder in Spider's layout (``tests.helpers.spider``), built
per test, with or without its tables.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.spider import make_spider_folder


@pytest.fixture
def spider_dir(tmp_path: Path) -> Path:
    return make_spider_folder(tmp_path / "spider")


@pytest.fixture
def spider_dir_without_tables(tmp_path: Path) -> Path:
    return make_spider_folder(tmp_path / "spider", tables_json=False)
