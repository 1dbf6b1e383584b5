"""The deployment's connection-target policy: which databases a project may connect to.

A project's connection URL is user input, and whoever runs a query on it reads what that
database holds. So an operator decides (``AskDBApp`` traits, gathered in ``TargetRules``) which
drivers, hosts, networks, ports and files a project may reach; the metadata store and the data
directory are never among them. In a shared deployment (hub or standalone) loopback and private
networks and SQLite/DuckDB files are refused unless configured; on a personal server (local
mode, where the user owns the machine) they are allowed.

``ProjectManager`` calls ``TargetPolicy.admit`` when a URL is set, and ``ConnectionRegistry``
calls ``TargetPolicy.check`` before every use of an engine: host names are resolved then, every
address is checked, and the URL it returns connects to the address that was checked (so a DNS
answer that changes between the check and the connection cannot reach anything else).
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from sqlalchemy.engine import URL, make_url

from ..errors import ConnectionNotAllowedError, DatabaseUnreachableError
from .urls import FILE_OPTIONS, redact

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb", "duckdb")
FILE_BACKENDS = ("sqlite", "duckdb")
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}

# Cloud instance-metadata services (AWS, ECS, Alibaba, AWS over IPv6): refused everywhere
# unless allowed_networks names them.
METADATA_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128")
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST_NAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})?|[0-9A-Fa-f:.]+")
# A path that starts like "file:" or "md:" is a URI for the driver, not a file name.
_URI_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")
# Seconds this machine's own addresses are remembered (interfaces change rarely).
_OWN_ADDRESSES_TTL_S = 30.0


@dataclass(frozen=True)
class TargetRules:
    """What an operator configures; the ``AskDBApp`` traits of the same names say more."""

    # A hub service or standalone server: many users, one service (AskDBApp.local_user == "").
    shared: bool = False
    allowed_drivers: tuple[str, ...] = BACKENDS
    allowed_hosts: tuple[str, ...] = ()
    allowed_networks: tuple[str, ...] = ()
    denied_networks: tuple[str, ...] = ()
    allowed_ports: tuple[int, ...] = ()
    sqlite_roots: tuple[str, ...] = ()
    # None: allowed in local mode, refused in shared mode.
    allow_private_networks: bool | None = None
    allow_store_server: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.allowed_drivers) - set(BACKENDS)
        if unknown:
            raise ValueError(f"allowed_drivers: unknown {sorted(unknown)}; known: {BACKENDS}")
        for name in ("allowed_networks", "denied_networks"):
            for cidr in getattr(self, name):
                try:
                    ipaddress.ip_network(cidr, strict=False)
                except ValueError as e:
                    raise ValueError(f"{name}: {cidr!r} is not a CIDR ({e})") from None
        bad = [p for p in self.allowed_ports if not 0 < int(p) < 65536]
        if bad:
            raise ValueError(f"allowed_ports: not a port: {bad}")

    @property
    def private_networks_allowed(self) -> bool:
        if self.allow_private_networks is None:
            return not self.shared
        return self.allow_private_networks


@dataclass(frozen=True)
class _Server:
    """Where a network URL connects: resolved addresses (None: not resolvable now), whether
    that is this machine (loopback, a socket, one of its addresses) and the port."""

    addresses: tuple[IPAddress, ...] | None
    local: bool
    port: int
    socket: bool = False


class TargetPolicy:
    """Decides whether a project may connect to a database URL (see the module docstring)."""

    def __init__(
        self,
        rules: TargetRules,
        *,
        data_dir: Path,
        store_url: str,
        protected_files: Iterable[Path] = (),
    ) -> None:
        """``protected_files`` (the key file, …) are refused by identity wherever they are;
        the store's file and its journals are added when the store is SQLite or DuckDB."""
        self.rules = rules
        self.data_dir = Path(data_dir)
        self._store = make_url(store_url)
        self._allowed = [ipaddress.ip_network(n, strict=False) for n in rules.allowed_networks]
        self._denied = [ipaddress.ip_network(n, strict=False) for n in rules.denied_networks]
        self._roots = [Path(r).expanduser() for r in rules.sqlite_roots]
        self._protected = [Path(p) for p in protected_files]
        if self._store.get_backend_name() in FILE_BACKENDS and self._store.database:
            store_file = Path(self._store.database).expanduser()
            self._protected += [
                store_file.with_name(store_file.name + suffix)
                for suffix in ("", "-wal", "-shm", "-journal", ".wal")
            ]
        self._own: tuple[float, frozenset[IPAddress]] = (0.0, frozenset())
        self._store_server = self._server_of(self._store, connecting=False, store=True)

    # -- the two entry points ----------------------------------------------------------------
    def check(self, url: URL) -> URL:
        """Before a connection: raise ``ConnectionNotAllowedError`` (or
        ``DatabaseUnreachableError`` for a host name that does not resolve), else return the
        URL to connect with, pinned to the checked address or file."""
        return self._check(url, connecting=True)

    def admit(self, url: URL) -> None:
        """When a project's URL is set: the same rules, except that a host name that does
        not resolve now is let through (it is checked again before every connection)."""
        self._check(url, connecting=False)

    # -- rules -------------------------------------------------------------------------------
    def _check(self, url: URL, *, connecting: bool) -> URL:
        backend = url.get_backend_name()
        if backend not in self.rules.allowed_drivers:
            self._refuse(
                url,
                "driver",
                f"{backend} databases are not allowed in this deployment",
                "allowed_drivers",
            )
        self._check_credentials(url)
        if backend in FILE_BACKENDS:
            return self._check_file(url)
        return self._check_network(url, connecting=connecting)

    def _check_credentials(self, url: URL) -> None:
        store = self._store
        if store.password and url.password and str(url.password) == str(store.password):
            self._refuse(url, "store_credentials", "it uses the metadata store's password")
        if self.rules.shared:
            for name, value in url.query.items():
                files = FILE_OPTIONS.get(url.get_backend_name(), frozenset())
                if name in files and not (name == "sslrootcert" and value == "system"):
                    self._refuse(
                        url,
                        "server_files",
                        f"the option {name} names a file on the server, which a shared "
                        "deployment does not let a URL read (sslrootcert=system is accepted)",
                    )

    def _check_file(self, url: URL) -> URL:
        backend = url.get_backend_name()
        database = url.database or ""
        in_memory = database in ("", ":memory:")
        if in_memory or (backend == "duckdb" and database.startswith(":memory:")):
            if backend == "duckdb" and self.rules.shared and not self._roots:
                # DuckDB's SQL reads files by path, even from an in-memory database.
                self._refuse(
                    url, "sqlite_roots", "DuckDB needs allowed folders here", "sqlite_roots"
                )
            return url
        if _URI_PREFIX.match(database) or database.startswith(":"):
            self._refuse(
                url,
                "file_uri",
                f"{database.split(':', 1)[0]}: paths are not accepted; write the file's path",
            )
        # The driver opens the path with ~ expanded (SQLite here, DuckDB itself); a literal
        # "~" folder in the working directory is checked too.
        candidates = [Path(os.path.realpath(os.path.expanduser(database)))]
        if database.startswith("~"):
            candidates.append(Path(os.path.realpath(database)))
        for path in candidates:
            self._check_path(url, path)
        return url.set(database=str(candidates[0]))

    def _check_path(self, url: URL, path: Path) -> None:
        identity = _identity(path)
        if identity is not None and any(identity == _identity(p) for p in self._protected):
            self._refuse(url, "metadata_store", "it is AskDB's own metadata store or key")
        if _inside(path, self.data_dir):
            self._refuse(url, "data_dir", "it is inside AskDB's data directory")
        if self._roots:
            if not any(_inside(path, root) for root in self._roots):
                self._refuse(
                    url, "sqlite_roots", "the file is outside the allowed folders", "sqlite_roots"
                )
        elif self.rules.shared:
            self._refuse(
                url,
                "sqlite_roots",
                "a shared deployment allows no database files unless folders are configured",
                "sqlite_roots",
            )

    def _check_network(self, url: URL, *, connecting: bool) -> URL:
        backend = url.get_backend_name()
        target = self._server_of(url, connecting=connecting)
        # _check let through only allowed_drivers, which are BACKENDS: files or DEFAULT_PORTS
        assert target is not None
        rules = self.rules
        if rules.allowed_ports and target.port not in rules.allowed_ports:
            self._refuse(url, "port", f"port {target.port} is not allowed", "allowed_ports")
        self._check_store_server(url, target)
        addresses = target.addresses or ()
        denied = [a for a in addresses if any(a in n for n in self._denied)]
        if denied:
            self._refuse(
                url, "denied_network", f"{denied[0]} is in a denied network", "denied_networks"
            )
        for address in addresses:
            if _address_kind(address) == "metadata" and not self._in_allowed(address):
                self._refuse(
                    url,
                    "metadata_address",
                    f"{address} is a cloud metadata service",
                    "allowed_networks",
                )
        host = _host_name(url)
        if rules.allowed_hosts or rules.allowed_networks:
            listed = host is not None and _host_listed(host, rules.allowed_hosts)
            in_networks = bool(addresses) and all(self._in_allowed(a) for a in addresses)
            unknown = target.addresses is None and rules.allowed_networks
            if not (listed or in_networks or unknown):
                self._refuse(
                    url,
                    "not_allowed_host",
                    f"{host or 'a local socket'} is not among the allowed hosts and networks",
                    "allowed_hosts",
                )
        elif not rules.private_networks_allowed:
            if target.socket:
                self._refuse(
                    url,
                    "private_network",
                    "a URL with no host connects through this machine's socket",
                    "allow_private_networks",
                )
            for address in addresses:
                kind = _address_kind(address) or ("this machine" if target.local else None)
                if kind:
                    self._refuse(
                        url,
                        "private_network",
                        f"{address} is not a public address ({kind})",
                        "allow_private_networks",
                    )
        return _pinned(url, backend, target, shared=rules.shared)

    def _check_store_server(self, url: URL, target: _Server) -> None:
        store = self._store_server
        if store is None or target.port != store.port:
            return
        same = (target.local and store.local) or bool(
            set(target.addresses or ()) & set(store.addresses or ())
        )
        if not same:
            return
        if _database_name(url) == _database_name(self._store):
            self._refuse(url, "metadata_store", "it is AskDB's own metadata store")
        if self.rules.shared and not self.rules.allow_store_server:
            self._refuse(
                url,
                "store_server",
                "it is on the metadata store's database server",
                "allow_store_server",
            )

    # -- helpers -----------------------------------------------------------------------------
    def _server_of(self, url: URL, *, connecting: bool, store: bool = False) -> _Server | None:
        backend = url.get_backend_name()
        if backend not in DEFAULT_PORTS:
            return None
        port = url.port or DEFAULT_PORTS[backend]
        host = _host_name(url)
        if host is None:
            if backend == "postgresql":  # libpq: a Unix socket of this machine
                return _Server((), local=True, port=port, socket=True)
            host = "localhost"  # PyMySQL's default
        if not store and not _HOST_NAME.fullmatch(host):
            self._refuse(url, "host", f"{host!r} is not a host name or address")
        try:
            addresses: tuple[IPAddress, ...] | None = _resolve(host, port)
        except (OSError, UnicodeError, ValueError):
            if connecting:
                raise DatabaseUnreachableError(
                    f"Cannot reach the database {redact(url)}: the host name {host!r} does "
                    "not resolve.",
                    url=redact(url),
                ) from None
            addresses = None
        local = any(self._is_this_machine(a) for a in addresses or ())
        return _Server(addresses, local=local, port=port)

    def _is_this_machine(self, address: IPAddress) -> bool:
        if address.is_loopback or address.is_unspecified:
            return True
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            return self._is_this_machine(mapped)
        stamp, own = self._own
        if time.monotonic() - stamp > _OWN_ADDRESSES_TTL_S:
            own = _own_addresses()
            self._own = (time.monotonic(), own)
        return address in own

    def _in_allowed(self, address: IPAddress) -> bool:
        return any(address in n for n in self._allowed)

    def _refuse(self, url: URL, rule: str, reason: str, setting: str | None = None) -> NoReturn:
        how = (
            f"An operator can allow it with c.AskDBApp.{setting}."
            if setting
            else "No setting allows it."
        )
        raise ConnectionNotAllowedError(
            f"Connection to {redact(url)} refused: {reason}. {how}", rule=rule, setting=setting
        )


def _host_name(url: URL) -> str | None:
    """The host a URL names, lower-cased; None for a Unix socket (no host, or a folder)."""
    host = url.host
    if not host:  # only the store's own URL may give ?host= (a user's URL cannot)
        hosts = url.query.get("hostaddr") or url.query.get("host")
        host = hosts if isinstance(hosts, str) else None
    if not host or host.startswith("/"):
        return None
    return host.rstrip(".").lower()


def _host_listed(host: str, allowed: Iterable[str]) -> bool:
    for entry in allowed:
        entry = entry.strip().rstrip(".").lower()
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
            continue
        try:
            if ipaddress.ip_address(entry) == ipaddress.ip_address(host):
                return True
        except ValueError:
            if entry == host:
                return True
    return False


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    """Every address ``host`` resolves to now (an IP literal is its own)."""
    try:
        return (_plain(ipaddress.ip_address(host)),)
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[IPAddress, None] = {}
    for info in infos:
        found[_plain(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))] = None
    if not found:
        raise OSError(f"{host} has no address")
    return tuple(found)


def _plain(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (::ffff:10.0.0.1) as the IPv4 address it is, so that IPv4
    networks in the rules match it."""
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _address_kind(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one ('loopback', 'private', …), None when it is."""
    if address.version == 6:
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _address_kind(embedded)
    if any(address in n for n in METADATA_NETWORKS):
        return "metadata"
    if address.is_unspecified:
        return "unspecified (this machine)"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.version == 4 and address in _CGNAT:
        return "shared (CGNAT)"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


def _own_addresses() -> frozenset[IPAddress]:
    """The addresses of this machine's interfaces and of its host name."""
    found: set[IPAddress] = set()
    try:
        import psutil  # a dependency of ipykernel

        for addresses in psutil.net_if_addrs().values():
            for a in addresses:
                if a.family in (socket.AF_INET, socket.AF_INET6):
                    found.add(ipaddress.ip_address(a.address.split("%", 1)[0]))
    except (ImportError, OSError, ValueError):
        pass
    try:
        found.update(_resolve(socket.gethostname(), 0))
    except (OSError, UnicodeError, ValueError):
        pass
    return frozenset(found)


def _database_name(url: URL) -> str:
    """The database a URL connects to, with libpq's defaults for PostgreSQL."""
    if url.database:
        return url.database
    if url.get_backend_name() == "postgresql":
        dbname = url.query.get("dbname")
        if isinstance(dbname, str) and dbname:
            return dbname
        return (
            os.environ.get("PGDATABASE")
            or url.username
            or os.environ.get("PGUSER")
            or getpass.getuser()
        )
    return ""


def _pinned(url: URL, backend: str, target: _Server, *, shared: bool) -> URL:
    """``url`` made to connect to the first address that was checked."""
    if not target.addresses or url.host is None:
        return url
    try:
        ipaddress.ip_address(url.host)
        return url  # already an address
    except ValueError:
        pass
    address = str(target.addresses[0])
    if backend == "postgresql":
        # libpq connects to hostaddr and keeps host for TLS verification and the passfile.
        return url.update_query_dict({"hostaddr": address})
    if not shared and any(name in url.query for name in FILE_OPTIONS.get(backend, ())):
        return url  # a personal server verifying the name in TLS: PyMySQL needs the name
    return url.set(host=address)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (resolved) is ``folder`` or beneath it, by name or by identity (a
    bind mount or hard-linked folder of the same directory counts)."""
    real = Path(os.path.realpath(os.path.expanduser(folder)))
    if path == real or real in path.parents:
        return True
    target = _identity(real)
    if target is None:
        return False
    return any(_identity(p) == target for p in (path, *path.parents))
