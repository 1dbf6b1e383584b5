"""OpenAPI fragment of accounts/handlers.py (standalone accounts) and accounts/pages.py (the
pages emailed links open)."""

from __future__ import annotations

from ..base.openapi import (
    EMAIL,
    NAME,
    NO_CONTENT,
    PROBLEM,
    STR,
    TOKEN,
    fields,
    json_response,
    operation,
    ref,
    string,
)

SENT = json_response(
    fields({"detail": {"type": "string"}}, ["detail"]),
    "Accepted: the same answer whether or not the address has an account",
)
ACCOUNT_ERRORS = {"401": PROBLEM, "410": PROBLEM, "429": PROBLEM}
PASSWORD = string(1024)
HTML = {"200": {"description": "An HTML page", "content": {"text/html": {"schema": STR}}}}


def _account_op(summary: str, response: dict, body: dict, public: bool = True) -> dict:
    op = operation(summary, {**response, **ACCOUNT_ERRORS}, body)
    return {**op, "security": []} if public else op  # public: no sign-in needed (standalone)


def _page(summary: str) -> dict:
    return {"get": {"summary": summary, "security": [], "responses": HTML}}


SCHEMAS: dict = {}

PATHS = {
    "/askdb/api/auth/register": {
        "post": _account_op(
            "Create a standalone account; a verification link is emailed (rate-limited)",
            {"202": SENT},
            fields({"email": EMAIL, "password": PASSWORD, "name": NAME}, ["email", "password"]),
        )
    },
    "/askdb/api/auth/verify": {
        "post": _account_op(
            "Confirm the email address with the emailed token",
            {
                "200": json_response(
                    fields(
                        {"verified": {"type": "boolean"}, "username": STR},
                        ["verified", "username"],
                    )
                )
            },
            fields({"token": TOKEN}, ["token"]),
        )
    },
    "/askdb/api/auth/login": {
        "post": _account_op(
            "Log in: sets the askdb_session cookie (HttpOnly, SameSite=Lax, Secure on "
            "https); 401 wrong email or password, 429 too many attempts (Retry-After)",
            {"200": json_response(ref("User"))},
            fields({"email": EMAIL, "password": PASSWORD}, ["email", "password"]),
        )
    },
    "/askdb/api/auth/logout": {
        "post": _account_op("Log out: ends the session, clears the cookie", NO_CONTENT, {})
    },
    "/askdb/api/auth/password": {
        "post": _account_op(
            "Change one's password; other sessions end",
            NO_CONTENT,
            fields(
                {"current_password": PASSWORD, "new_password": PASSWORD},
                ["current_password", "new_password"],
            ),
            public=False,
        )
    },
    "/askdb/api/auth/password-reset": {
        "post": _account_op(
            "Email a single-use password reset link (rate-limited)",
            {"202": SENT},
            fields({"email": EMAIL}, ["email"]),
        )
    },
    "/askdb/api/auth/password-reset/confirm": {
        "post": _account_op(
            "Set a new password with the emailed token; every session ends",
            NO_CONTENT,
            fields({"token": TOKEN, "password": PASSWORD}, ["token", "password"]),
        )
    },
    # The pages (accounts/pages.py): no sign-in needed to open one.
    "/askdb/auth/login": _page("Standalone sign-in and registration page"),
    "/askdb/auth/verify": _page("Page of the email verification link (?token=): a button confirms"),
    "/askdb/auth/reset": _page(
        "Password reset page: ask for a link, or (?token=) set a new password"
    ),
    "/askdb/invitations/accept": _page(
        "Page of the invitation link (?token=): a button accepts (signed in)"
    ),
}
