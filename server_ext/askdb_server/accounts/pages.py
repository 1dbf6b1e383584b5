"""The small pages the emailed links open (verify, reset, accept an invitation) and the
standalone sign-in page. A GET never spends a token: mail scanners fetch links; the page's
button POSTs to the REST API (with Jupyter's XSRF cookie), so only a person's click counts."""

from __future__ import annotations

from urllib.parse import urlencode

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

STYLE = (
    "body{font:15px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}"
    "form{display:grid;gap:.5rem;margin:1.5rem 0}input,button{font:inherit;padding:.4rem}"
    "#msg{min-height:1.5rem}"
)

# Each form posts its fields (and the link's token, when the page has one) to data-api; the
# answer's detail is shown, or the page moves to data-next on success.
SCRIPT = """
const q = new URLSearchParams(location.search);
const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || "";
const api = document.body.dataset.base + "askdb/api/";
const signin = document.getElementById("signin");
if (signin) signin.href += "?next=" + encodeURIComponent(location.pathname + location.search);
document.querySelectorAll("form").forEach((form) => {
  if (form.dataset.token === "with" && !q.get("token")) form.hidden = true;
  if (form.dataset.token === "without" && q.get("token")) form.hidden = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    if (q.get("token") && form.dataset.token === "with") body.token = q.get("token");
    const resp = await fetch(api + form.dataset.api, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-XSRFToken": decodeURIComponent(xsrf)},
      body: JSON.stringify(body),
    });
    const data = resp.status === 204 ? {} : await resp.json().catch(() => ({}));
    const msg = document.getElementById("msg");
    if (resp.ok && form.dataset.next) {
      const next = q.get("next") || "";
      const local = next.startsWith("/") && !next.startsWith("//") && !next.includes("\\");
      location.href = form.dataset.next === "next" ? (local ? next : document.body.dataset.base)
        : document.body.dataset.base + form.dataset.next;
    } else {
      msg.textContent = resp.ok ? (form.dataset.done || data.detail || "Done.")
        : (data.detail || resp.statusText);
    }
  });
});
"""

PAGES = {
    "login": (
        "Sign in to AskDB",
        """<form data-api="auth/login" data-next="next">
<input name="email" type="email" placeholder="Email" required autocomplete="username">
<input name="password" type="password" placeholder="Password" required
 autocomplete="current-password"><button>Sign in</button></form>
<p><a href="reset">Forgot your password?</a></p>
<h2>New here?</h2>
<form data-api="auth/register"><input name="name" placeholder="Name">
<input name="email" type="email" placeholder="Email" required autocomplete="username">
<input name="password" type="password" placeholder="Password (10 characters or more)"
 required minlength="10" autocomplete="new-password"><button>Create account</button></form>""",
    ),
    "verify": (
        "Confirm your email address",
        """<form data-api="auth/verify" data-token="with"
 data-done="Your address is confirmed: you can sign in."><button>Confirm</button></form>
<p><a href="login">Sign in</a></p>""",
    ),
    "reset": (
        "Reset your password",
        """<form data-api="auth/password-reset" data-token="without">
<input name="email" type="email" placeholder="Email" required><button>Email me a link</button>
</form><form data-api="auth/password-reset/confirm" data-token="with"
 data-done="Your password is changed: sign in with it.">
<input name="password" type="password" placeholder="New password (10 characters or more)"
 required minlength="10" autocomplete="new-password"><button>Set password</button></form>
<p><a href="login">Sign in</a></p>""",
    ),
    "accept": (
        "Join an organization on AskDB",
        """<form data-api="invitations/accept" data-token="with" data-next="lab">
<button>Accept the invitation</button></form>
<p><a id="signin" href="../auth/login">Sign in</a> first if you have not: the invitation joins
the account you are signed in with.</p>""",
    ),
}


class AccountPageHandler(ExtensionHandlerMixin, JupyterHandler):
    """One of ``PAGES``: static HTML; the token stays in the URL, read by the page's script."""

    page = "login"

    @allow_unauthenticated
    def get(self) -> None:
        """The page (and Jupyter's XSRF cookie, which the page's requests send back)."""
        self.xsrf_token  # noqa: B018 - reading it sets the _xsrf cookie
        title, body = PAGES[self.page]
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Referrer-Policy", "no-referrer")  # the URL holds the token
        self.set_header("Cache-Control", "no-store")
        base = web.escape.xhtml_escape(self.base_url)
        self.finish(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width"><style>{STYLE}</style></head>'
            f'<body data-base="{base}"><h1>{title}</h1>{body}<p id="msg" role="status"></p>'
            f"<script>{SCRIPT}</script></body></html>"
        )


def _page(name: str) -> type[AccountPageHandler]:
    return type(f"{name.title()}PageHandler", (AccountPageHandler,), {"page": name})


class LoginRedirectHandler(JupyterHandler):
    """Jupyter's ``/login`` in standalone mode: AskDB's sign-in page, keeping ``next``."""

    @allow_unauthenticated
    def get(self) -> None:
        """Redirect to ``askdb/auth/login``."""
        query = {"next": self.get_argument("next", "")} if self.get_argument("next", "") else {}
        target = self.base_url + "askdb/auth/login"
        self.redirect(target + (f"?{urlencode(query)}" if query else ""))


default_handlers = [
    (r"/askdb/auth/login", _page("login")),
    (r"/askdb/auth/verify", _page("verify")),
    (r"/askdb/auth/reset", _page("reset")),
    (r"/askdb/invitations/accept", _page("accept")),
]
