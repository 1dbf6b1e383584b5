"""Standalone accounts, for a deployment with no JupyterHub: register with email verification,
log in and out (session tokens), change password, reset it by an emailed single-use token.

Passwords are hashed with argon2id. Every token (verification, reset, session) is made with
``secrets.token_urlsafe`` and stored only as its SHA-256 hash. Register and reset answer the
same whether or not an account exists (the email says which), and attempts are rate-limited per
email and IP address in the store, so the limit holds across processes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import (
    AuthenticationFailedError,
    EmailNotVerifiedError,
    ForbiddenError,
    InvalidInputError,
    InvalidTokenError,
    TokenGoneError,
    TooManyAttemptsError,
)
from ..identity.who import Identity
from ..invitations.manager import aware, hash_token, normal_email
from ..mail.outbox import EmailOutbox
from ..store.models import Account, AccountToken, AuthAttempt, User, utcnow
from ..users.manager import UserManager

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing a megabyte on every attempt would be a denial of service


@dataclass(frozen=True)
class AccountPolicy:
    """Lifetimes and limits (the server's ``AskDBAccounts`` traitlets set them)."""

    session_ttl: timedelta = timedelta(days=14)
    verify_ttl: timedelta = timedelta(days=2)
    reset_ttl: timedelta = timedelta(hours=1)
    attempt_limit: int = 5
    attempt_window: timedelta = timedelta(minutes=15)
    secure_cookie: bool = False  # always Secure, also when the request came over http


@dataclass(frozen=True)
class LoginSession:
    """A signed-in session: ``token`` goes in the cookie, never in the store."""

    token: str
    identity: Identity
    expires_at: datetime


class AccountManager:
    def __init__(
        self,
        users: UserManager,
        outbox: EmailOutbox,
        *,
        link: Callable[[str], str],
        policy: AccountPolicy = AccountPolicy(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = users.store
        self.users = users
        self.audit = users.audit
        self.outbox = outbox
        self.link = link
        self.policy = policy
        self.clock = clock
        self.hasher = PasswordHasher()  # argon2id with the library's recommended parameters
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    # -- registration ----------------------------------------------------------------------
    def register(self, email: str, password: str, *, name: str = "", ip: str = "") -> None:
        """Create an unverified account and email a verification link. For an address that
        already has an account, email that instead: the caller learns nothing either way."""
        email = normal_email(email)
        _check_password(password)
        self._limit("register", email, ip)
        with self.store.session() as s:
            account = s.scalar(select(Account).where(Account.email == email))
            if account is not None and account.verified_at is not None:
                self.hasher.hash(password)  # as slow as a registration: time tells nothing
                self.outbox.enqueue(s, email, *self._already_registered())
                return
            if account is None:
                user = self._user_for(s, email, name)
                account = Account(user_id=user.id, email=email, created_at=self.clock())
                s.add(account)
                self.audit.append(s, Identity(user.id, user.username), "account.registered")
            # The newest registration wins: its password, and only its link verifies it.
            account.password_hash = self.hasher.hash(password)
            s.execute(
                delete(AccountToken).where(
                    AccountToken.user_id == account.user_id, AccountToken.purpose == "verify"
                )
            )
            token = self._issue(s, account.user_id, "verify", self.policy.verify_ttl)
            link = self.link(f"askdb/auth/verify?token={token}")
            self.outbox.enqueue(
                s,
                email,
                "Confirm your AskDB account",
                f"Confirm your email address to finish creating your AskDB account: {link}\n\n"
                "The link works once. If you did not sign up, ignore this email.\n",
            )

    def verify(self, token: str) -> Identity:
        """Mark the account's email verified (the verification token is spent)."""
        with self.store.session() as s:
            row = self._spend(s, token, "verify")
            account = s.get(Account, row.user_id)
            account.verified_at = self.clock()
            user = s.get(User, row.user_id)
            who = Identity(user.id, user.username)
            self.audit.append(s, who, "account.verified", org_id=user.org_id)
            return who

    # -- sessions --------------------------------------------------------------------------
    def login(self, email: str, password: str, *, ip: str = "") -> LoginSession:
        """A new session for a verified account; ``AuthenticationFailedError`` says nothing
        about which of email and password was wrong. Failures count towards the limit."""
        email = normal_email(email) if "@" in str(email or "") else str(email or "")
        self._check_limit("login", email, ip)
        with self.store.session() as s:
            account = s.scalar(select(Account).where(Account.email == email))
            if not self._password_ok(account, password):
                self._count("login", email, ip)
                self.audit.record(None, "login.failed", target=email[:255], outcome="denied")
                raise AuthenticationFailedError("Wrong email or password.")
            self._rehash(account, password)
            user = s.get(User, account.user_id)
            if account.verified_at is None:
                raise EmailNotVerifiedError("Confirm your email address first (see your inbox).")
            if not user.is_active:
                raise ForbiddenError("Your AskDB account is deactivated.", action="login")
            user.last_login = self.clock()
            s.execute(  # the user's expired tokens go when they sign in again
                delete(AccountToken).where(
                    AccountToken.user_id == user.id, AccountToken.expires_at <= self.clock()
                )
            )
            token = self._issue(s, user.id, "session", self.policy.session_ttl)
            who = Identity(user.id, user.username)
            self.audit.append(s, who, "login", org_id=user.org_id)
            return LoginSession(token, who, self.clock() + self.policy.session_ttl)

    def session_user(self, token: str) -> Identity | None:
        """The active user a session token belongs to, or None (unknown, expired, ended)."""
        if not token:
            return None
        with self.store.session() as s:
            row = s.scalar(
                select(AccountToken).where(
                    AccountToken.token_hash == hash_token(token),
                    AccountToken.purpose == "session",
                )
            )
            if row is None or aware(row.expires_at) <= self.clock():
                return None
            user = s.get(User, row.user_id)
            return Identity(user.id, user.username) if user and user.is_active else None

    def logout(self, token: str) -> None:
        """End the session (a no-op for an unknown token)."""
        with self.store.session() as s:
            row = s.scalar(
                select(AccountToken).where(
                    AccountToken.token_hash == hash_token(token or ""),
                    AccountToken.purpose == "session",
                )
            )
            if row is not None:
                user = s.get(User, row.user_id)
                self.audit.append(s, Identity(user.id, user.username), "logout", org_id=user.org_id)
                s.delete(row)

    # -- passwords -------------------------------------------------------------------------
    def change_password(
        self, who: Identity, current: str, new: str, *, keep_session: str = ""
    ) -> None:
        """Change one's password (the current one is needed); other sessions end."""
        _check_password(new)
        with self.store.session() as s:
            account = s.get(Account, who.user_id)
            if account is None:
                raise InvalidInputError("This user has no AskDB password (another sign-in).")
            if not self._password_ok(account, current):
                raise AuthenticationFailedError("The current password is wrong.")
            self._set_password(s, account, new, keep_session)
            self.audit.append(s, who, "password.changed")

    def request_reset(self, email: str, *, ip: str = "") -> None:
        """Email a single-use reset link if the address has an account; answer the same
        (nothing) either way."""
        email = normal_email(email)
        self._limit("reset", email, ip)
        with self.store.session() as s:
            account = s.scalar(select(Account).where(Account.email == email))
            if account is None:
                return
            token = self._issue(s, account.user_id, "reset", self.policy.reset_ttl)
            link = self.link(f"askdb/auth/reset?token={token}")
            minutes = round(self.policy.reset_ttl.total_seconds() / 60)
            self.outbox.enqueue(
                s,
                email,
                "Reset your AskDB password",
                f"Choose a new AskDB password: {link}\n\nThe link works once and expires in "
                f"{minutes} minutes. If you did not ask for it, ignore this email: your "
                "password stays as it is.\n",
            )

    def confirm_reset(self, token: str, password: str) -> Identity:
        """Set a new password with a reset token; every session of the account ends. The
        address is verified too: the token came by email."""
        _check_password(password)
        with self.store.session() as s:
            row = self._spend(s, token, "reset")
            account = s.get(Account, row.user_id)
            account.verified_at = account.verified_at or self.clock()
            self._set_password(s, account, password, "")
            user = s.get(User, row.user_id)
            who = Identity(user.id, user.username)
            self.audit.append(s, who, "password.reset", org_id=user.org_id)
            return who

    # -- internals -------------------------------------------------------------------------
    def _user_for(self, s: Session, email: str, name: str) -> User:
        """The user an account is created for: a user named by this address (e.g. added to
        an organization before signing up) or a new one."""
        user = s.scalar(select(User).where(User.username == email))
        if user is None:
            user = User(username=email, name=(name or "").strip() or email.split("@")[0])
            s.add(user)
        user.email = email
        s.flush()
        return user

    def _issue(self, s: Session, user_id: str, purpose: str, ttl: timedelta) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        s.add(
            AccountToken(
                user_id=user_id,
                purpose=purpose,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + ttl,
            )
        )
        return token

    def _spend(self, s: Session, token: str, purpose: str) -> AccountToken:
        row = s.scalar(
            select(AccountToken).where(
                AccountToken.token_hash == hash_token(token or ""), AccountToken.purpose == purpose
            )
        )
        if row is None:
            raise InvalidTokenError("This link is not valid: check it is complete.")
        if row.used_at is not None:
            raise TokenGoneError("This link was already used.", reason="used")
        if aware(row.expires_at) <= self.clock():
            raise TokenGoneError("This link has expired: ask for a new one.", reason="expired")
        row.used_at = self.clock()
        return row

    def _password_ok(self, account: Account | None, password: str) -> bool:
        if not password or len(password) > MAX_PASSWORD:
            return False
        try:
            # Without an account, verify against a dummy hash: the answer takes as long.
            self.hasher.verify(account.password_hash if account else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return account is not None

    def _rehash(self, account: Account, password: str) -> None:
        if self.hasher.check_needs_rehash(account.password_hash):
            account.password_hash = self.hasher.hash(password)

    def _set_password(self, s: Session, account: Account, password: str, keep: str) -> None:
        account.password_hash = self.hasher.hash(password)
        account.password_changed_at = self.clock()
        ended = delete(AccountToken).where(
            AccountToken.user_id == account.user_id, AccountToken.purpose == "session"
        )
        if keep:
            ended = ended.where(AccountToken.token_hash != hash_token(keep))
        s.execute(ended)

    def _limit(self, action: str, email: str, ip: str) -> None:
        """Refuse beyond the limit, else count this attempt."""
        self._check_limit(action, email, ip)
        self._count(action, email, ip)

    def _check_limit(self, action: str, email: str, ip: str) -> None:
        key = _key(action, email, ip)
        since = self.clock() - self.policy.attempt_window
        with self.store.session() as s:
            count, oldest = s.execute(
                select(func.count(), func.min(AuthAttempt.at)).where(
                    AuthAttempt.key == key, AuthAttempt.at > since
                )
            ).one()
        if count >= self.policy.attempt_limit:
            wait = aware(oldest) + self.policy.attempt_window - self.clock()
            seconds = max(1, int(wait.total_seconds()) + 1)
            raise TooManyAttemptsError(
                f"Too many attempts: try again in {seconds} seconds.", retry_after=seconds
            )

    def _count(self, action: str, email: str, ip: str) -> None:
        # Its own transaction: a failed login rolls back, its count must not.
        with self.store.session() as s:
            s.add(AuthAttempt(key=_key(action, email, ip), at=self.clock()))
            old = self.clock() - 2 * self.policy.attempt_window
            s.execute(delete(AuthAttempt).where(AuthAttempt.at < old))

    def _already_registered(self) -> tuple[str, str]:
        link = self.link("askdb/auth/reset")
        return (
            "Your AskDB account",
            "Someone (perhaps you) tried to create an AskDB account with this address, which "
            f"already has one. If you forgot your password, reset it: {link}\n",
        )


def _key(action: str, email: str, ip: str) -> str:
    return f"{action}:{email[:320]}:{ip[:64]}"


def _check_password(password: object) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInputError(f"A password has at most {MAX_PASSWORD} characters.")
