"""Alembic environment: runs on the connection the Store hands over (see Store.migrate)."""

from alembic import context
from sqlalchemy import create_engine

from askdb_server.store.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # e.g. `alembic revision --autogenerate` from the command line
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError(
                "the Alembic config has no sqlalchemy.url: set it to the store's URL"
            )
        engine = create_engine(url)
        with engine.begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
