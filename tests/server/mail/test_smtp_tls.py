"""SMTP over TLS, as production servers want it: STARTTLS with a login, and SMTPS, against a
real loopback server (aiosmtpd) with a certificate made by the test; a certificate the sender
does not trust is refused, and the email stays in the outbox."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta, timezone
from ipaddress import IPv4Address

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from askdb_server.mail.outbox import EmailOutbox
from askdb_server.mail.smtp import SMTPSender
from askdb_server.store.db import Store
from tests.helpers.loopback import free_port
from tests.helpers.smtp import Inbox, LoopbackSMTP

USER, PASSWORD = "askdb", "s3cret-relay"


@pytest.fixture
def cert(tmp_path):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "askdb test relay")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "relay.pem", tmp_path / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def _authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


def _server_context(cert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*cert)
    return ctx


def _run(controller: Controller):
    controller.start()
    return controller


def test_starttls_with_login(cert, tmp_path):
    inbox = Inbox()
    port = free_port()
    controller = _run(
        Controller(
            inbox,
            hostname="127.0.0.1",
            port=port,
            tls_context=_server_context(cert),
            require_starttls=True,
            authenticator=_authenticator,
            auth_require_tls=True,
        )
    )
    try:
        config = LoopbackSMTP(port).config(
            smtp_security="starttls",
            smtp_ca_file=cert[0],
            smtp_username=USER,
            smtp_password=PASSWORD,
        )
        SMTPSender(config).send("ada@example.test", "Over TLS", "hello")
        assert [m["Subject"] for m in inbox.messages] == ["Over TLS"]
        config.smtp_password = "wrong"
        config.smtp_timeout = 2.0
        with pytest.raises((smtplib.SMTPException, OSError)):
            SMTPSender(config).send("ada@example.test", "Refused", "hello")
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_smtps(cert):
    inbox = Inbox()
    port = free_port()
    controller = _run(
        Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=_server_context(cert))
    )
    try:
        config = LoopbackSMTP(port).config(
            smtp_security="ssl", smtp_ca_file=cert[0], smtp_port=port
        )
        SMTPSender(config).send("bo@example.test", "Over SMTPS", "hello")
        assert [m["To"] for m in inbox.messages] == ["bo@example.test"]
    finally:
        controller.stop()


def test_an_untrusted_certificate_keeps_the_email_pending(cert, tmp_path):
    inbox = Inbox()
    port = free_port()
    controller = _run(
        Controller(
            inbox,
            hostname="127.0.0.1",
            port=port,
            tls_context=_server_context(cert),
            require_starttls=True,
        )
    )
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.migrate()
    try:
        outbox = EmailOutbox(store, SMTPSender(LoopbackSMTP(port).config(smtp_security="starttls")))
        with store.session() as s:
            outbox.enqueue(s, "cy@example.test", "Hello", "body")
        assert outbox.deliver_due().failed == 1
        [email] = outbox.pending()
        assert "CERTIFICATE_VERIFY_FAILED" in email.last_error
        assert inbox.messages == []
    finally:
        controller.stop()
        store.dispose()
