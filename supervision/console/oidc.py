"""Console sign-in by OIDC authorization code with PKCE (S256), when `ELDERCARE_OIDC_CLIENT_ID` is set.

`begin()` makes `state`, `nonce` and a PKCE `code_verifier` (43 URL-safe characters), keeps them
**sealed** (the store's Fernet keys) in the session under `oidc_flow`, and answers the provider's
authorization URL. `finish(args)` (the callback `/console/oidc/callback`) takes the flow out of the
session (one use), then refuses with a `Refusal` (Chinese message, HTTP status) when the `state`
differs, the provider sent `error`, the token endpoint refuses the code, the ID token is invalid or
expired or its `nonce` differs (`OidcVerifier.actor_for`, the API's own check), or the token's agency
is not registered, active and fitting the role (`authority.actor_agency`). Only then is the ID token
handed to `session.sign_in`, the same path as a pasted ID token: nothing is half signed in.

Endpoints come from the settings or, when absent, from the issuer's discovery document
(`<issuer>/.well-known/openid-configuration`, fetched once per process, 10 s timeout).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import requests
from flask import current_app, session, url_for

from supervision.application import Context
from supervision.auth import OidcSettings
from supervision.authority import actor_agency
from supervision.console import session as console_session
from supervision.crypto import SealError
from supervision.domain.errors import DomainError

TIMEOUT_S = 10
#: a flow not finished within this many seconds is refused (the user starts again)
FLOW_LIFETIME_S = 600
_discovered: dict[str, dict[str, Any]] = {}


class Refusal(Exception):
    """A refused sign-in: the Chinese message shown on the sign-in page and the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def settings() -> OidcSettings | None:
    """The OIDC settings when the code flow is configured (a client id); else None."""
    verifier = getattr(current_app.extensions["eldercare"].tokens, "oidc", None)
    if verifier is None or not verifier.settings.code_flow:
        return None
    return verifier.settings


def discovery(s: OidcSettings) -> dict[str, Any]:
    """The issuer's discovery document (cached); `{}` when every endpoint is configured."""
    if s.authorization_endpoint and s.token_endpoint and s.end_session_endpoint:
        return {}
    if s.issuer not in _discovered:
        url = s.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = requests.get(url, timeout=TIMEOUT_S)
        doc.raise_for_status()
        data = doc.json()
        if data.get("issuer") != s.issuer:
            raise ValueError(f"discovery document of {s.issuer} names issuer {data.get('issuer')!r}")
        _discovered[s.issuer] = data
    return _discovered[s.issuer]


def endpoint(s: OidcSettings, name: str) -> str | None:
    """`authorization_endpoint`, `token_endpoint` or `end_session_endpoint`: settings first."""
    return getattr(s, name) or discovery(s).get(name)


def redirect_uri(s: OidcSettings) -> str:
    return s.redirect_uri or url_for("console.oidc_callback", _external=True)


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def begin(s: OidcSettings) -> str:
    """Keep a new flow sealed in the session and return the provider's authorization URL."""
    services = current_app.extensions["eldercare"]
    try:
        authorize = endpoint(s, "authorization_endpoint")
    except (requests.RequestException, ValueError) as exc:
        raise Refusal("无法连接统一身份认证服务（发现文档不可用），请稍后再试或使用访问令牌登录。",
                      502) from exc
    if not authorize:
        raise Refusal("统一身份认证服务未提供授权地址，请联系系统管理员。", 502)
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(32), "at": int(time.time())}
    session["oidc_flow"] = services.sealer.seal(flow)
    query = {"response_type": "code", "client_id": s.client_id, "redirect_uri": redirect_uri(s),
             "scope": s.scopes, "state": flow["state"], "nonce": flow["nonce"],
             "code_challenge": _challenge(flow["verifier"]), "code_challenge_method": "S256"}
    return authorize + ("&" if "?" in authorize else "?") + urlencode(query)


def _flow() -> dict[str, Any] | None:
    sealed = session.pop("oidc_flow", None)  # one use, whatever happens next
    if not isinstance(sealed, str):
        return None
    try:
        flow = current_app.extensions["eldercare"].sealer.unseal(sealed)
    except SealError:
        return None
    if int(time.time()) - int(flow.get("at", 0)) > FLOW_LIFETIME_S:
        return None
    return flow


def _exchange(s: OidcSettings, code: str, verifier: str) -> str:
    """The ID token the token endpoint gives for `code`; Refusal otherwise."""
    try:
        token_url = endpoint(s, "token_endpoint")
        if not token_url:
            raise ValueError("no token endpoint")
        answer = requests.post(
            token_url, timeout=TIMEOUT_S,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(s),
                  "client_id": s.client_id, "code_verifier": verifier},
            auth=(s.client_id or "", s.client_secret) if s.client_secret else None,
            headers={"Accept": "application/json"})
    except (requests.RequestException, ValueError) as exc:
        raise Refusal("无法连接统一身份认证服务的令牌端点，未登录，请稍后再试。", 502) from exc
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if answer.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
        raise Refusal("统一身份认证服务拒绝了授权码（授权码无效、已使用或已过期），未登录，请重新登录。", 401)
    return str(body["id_token"])


def finish(args: dict[str, str]) -> Any:
    """Check the callback's query and sign in; the actor, or Refusal with nothing signed in."""
    s = settings()
    if s is None:
        raise Refusal("未配置统一身份认证登录。", 404)
    flow = _flow()
    state = args.get("state", "")
    if flow is None or not secrets.compare_digest(state.encode(), str(flow["state"]).encode()):
        raise Refusal("登录请求已失效或与本浏览器发起的不一致（state 校验失败），未登录，请重新登录。", 400)
    if args.get("error"):
        detail = args.get("error_description") or args["error"]
        raise Refusal(f"统一身份认证服务拒绝了登录：{detail[:200]}。未登录。", 401)
    code = args.get("code", "")
    if not code:
        raise Refusal("统一身份认证服务未返回授权码，未登录，请重新登录。", 400)
    id_token = _exchange(s, code, str(flow["verifier"]))
    services = current_app.extensions["eldercare"]
    actor = services.tokens.oidc.actor_for(id_token, nonce=str(flow["nonce"]))
    if actor is None:
        raise Refusal("统一身份认证返回的 ID 令牌无效或已过期"
                      "（签名、签发者、受众、有效期或 nonce 校验失败），未登录。", 401)
    try:
        actor_agency(services.app, Context(actor, "console"))
    except DomainError as exc:
        raise Refusal(f"身份中的机构 {actor.agency} 未在本系统登记、已撤销或与角色不符，未登录。"
                      "请联系系统管理员。", 403) from exc
    signed = console_session.sign_in(id_token)
    if signed is None:  # expired between the two checks
        raise Refusal("统一身份认证返回的 ID 令牌已过期，未登录。", 401)
    session["oidc"] = True
    return signed


def end_session_url(s: OidcSettings, id_token: str | None) -> str | None:
    """The provider's end-session URL (RP-initiated logout) or None when it has none."""
    try:
        end = endpoint(s, "end_session_endpoint")
    except (requests.RequestException, ValueError):
        return None
    if not end:
        return None
    query = {"client_id": s.client_id or "",
             "post_logout_redirect_uri": s.post_logout_redirect_uri or url_for("console.signin",
                                                                               _external=True)}
    if id_token:
        query["id_token_hint"] = id_token
    return end + ("&" if "?" in end else "?") + urlencode(query)
