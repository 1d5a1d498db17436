"""xuc 2.0 sessions: login tokens (JWT HS256), their check and refresh, SSO logins, push tokens.

A xuc token is a JWT signed with HS256 by a secret every node shares (configured, or generated
once and kept in the secrets table). Its payload is xuc's own, `{"login", "expires"}`, plus the
standard `iat` and `exp`, which PyJWT checks.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeGuard

import jwt

from ringback.dialects.xuc.service import XucStore
from ringback.domain import errors
from ringback.domain.people import Principal, User, check_login
from ringback.services.ports import Clock
from ringback.services.throttle import LoginLimits, LoginThrottle, TooManyAttempts
from ringback.services.users import UserService

JWT_SECRET_KEY = "xuc_jwt_secret"
MIN_SECRET_LENGTH = 32
TOKEN_ALGORITHM = "HS256"
OIDC_ALGORITHM = "RS256"
PLATFORMS = frozenset({"android", "ios", "unspecified"})
MAX_PUSH_TOKEN_LENGTH = 4096


class Reason(StrEnum):
    """Why a xuc authentication failed, in xuc's own words."""

    INVALID_CREDENTIALS = "InvalidCredentials"
    INVALID_TOKEN = "InvalidToken"
    TOKEN_EXPIRED = "TokenExpired"
    INVALID_JSON = "InvalidJson"
    USER_NOT_FOUND = "UserNotFound"
    OIDC_FAILED = "OidcAuthenticationFailed"
    TOO_MANY_ATTEMPTS = "TooManyAttempts"


class XucAuthFailed(errors.Unauthenticated):
    """An authentication failure with xuc's reason for it."""

    def __init__(self, reason: Reason, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message, reason=reason.value)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class OidcPolicy:
    """What an OpenID Connect access token must say to be accepted."""

    issuer: str
    audience: str
    login_claim: str = "preferred_username"
    leeway_seconds: int = 30


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A xuc token and what the answer shows of it."""

    login: str
    token: str
    ttl_seconds: int


class XucAuthService:
    """Issue, check and refresh xuc tokens; turn SSO identities into tokens."""

    def __init__(
        self,
        store: XucStore,
        clock: Clock,
        users: UserService,
        *,
        ttl: timedelta,
        secret: str | None = None,
        oidc: OidcPolicy | None = None,
        limits: LoginLimits | None = None,
    ) -> None:
        if secret is not None and len(secret) < MIN_SECRET_LENGTH:
            raise errors.Invalid(
                f"xuc_jwt_secret must have at least {MIN_SECRET_LENGTH} characters",
                field="xuc_jwt_secret",
            )
        self._store = store
        self._clock = clock
        self._users = users
        self._ttl = ttl
        self._secret = secret
        self._secret_lock = threading.Lock()
        self.oidc = oidc
        self.throttle = LoginThrottle(clock, limits or LoginLimits())

    def login(self, login: str, password: str, address: str) -> IssuedToken:
        """Check a password (rate limited per account and address) and issue a token."""
        try:
            self.throttle.check(login, address)
        except TooManyAttempts as exc:
            raise XucAuthFailed(
                Reason.TOO_MANY_ATTEMPTS, exc.message, retry_after=exc.retry_after
            ) from exc
        try:
            # A name no login can have is an unknown user: the same answer, and no query
            # (PostgreSQL would refuse a NUL in it, SQLite would not).
            check_login(login)
            user = self._users.authenticate(login, password)
        except (errors.Unauthenticated, errors.Invalid) as exc:
            self.throttle.failed(login, address)
            raise XucAuthFailed(Reason.INVALID_CREDENTIALS, "invalid login or password") from exc
        self.throttle.succeeded(login)
        return self._issue(user.login)

    def check(self, token: str) -> IssuedToken:
        """Return a fresh token for the holder of a valid one."""
        return self._issue(self.principal(token).name)

    def principal(self, token: str) -> Principal:
        """Return the user a valid xuc token was issued to."""
        login = self._decode(token)
        with self._store.transaction(read_only=True) as tx:
            user = tx.users.get(login)
        if user is None:
            raise XucAuthFailed(Reason.INVALID_TOKEN, "the token's user no longer exists")
        return Principal.of(user)

    def login_as(self, login: str) -> IssuedToken:
        """Issue a token to a user an SSO server (CAS, front proxy) has authenticated."""
        return self._issue(self._known_user(login).login)

    def oidc_login(self, access_token: str, key: Any) -> IssuedToken:
        """Validate an RS256 access token with `key` and issue a token to the user it names."""
        if self.oidc is None:
            raise errors.Invalid("OpenID Connect is not enabled", field="oidc")
        claims = self._oidc_claims(access_token, key, self.oidc)
        login = claims.get(self.oidc.login_claim)
        if not isinstance(login, str) or not login:
            raise XucAuthFailed(
                Reason.OIDC_FAILED, f"the access token has no {self.oidc.login_claim} claim"
            )
        return self.login_as(login)

    def register_push_token(
        self, actor: Principal, platform: str, token: str, api_version: str
    ) -> None:
        """Keep a user's mobile push token for `platform`."""
        if platform not in PLATFORMS:
            raise errors.Invalid(f"unknown platform {platform}", field="platform")
        if not token or len(token) > MAX_PUSH_TOKEN_LENGTH or not token.isprintable():
            raise errors.Invalid(
                f"token must be 1 to {MAX_PUSH_TOKEN_LENGTH} printable characters", field="token"
            )
        with self._store.transaction() as tx:
            tx.push_tokens.put(actor.name, platform, token, api_version, self._clock.now())

    def _oidc_claims(self, access_token: str, key: Any, policy: OidcPolicy) -> Mapping[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                access_token,
                key,
                algorithms=[OIDC_ALGORITHM],  # never HS256: a public key is no shared secret
                audience=policy.audience,
                issuer=policy.issuer,
                # Times are judged by the injected clock below, not by PyJWT's wall clock.
                options={
                    "require": ["exp", "iss", "aud"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:  # InvalidKeyError too: a key unfit for RS256
            raise XucAuthFailed(Reason.OIDC_FAILED, f"invalid access token: {exc}") from exc
        if _expired(claims, self._clock.now(), policy.leeway_seconds):
            raise XucAuthFailed(Reason.OIDC_FAILED, "the access token has expired")
        if _not_yet_valid(claims, self._clock.now(), policy.leeway_seconds):
            raise XucAuthFailed(Reason.OIDC_FAILED, "the access token is not valid yet")
        return claims

    def _known_user(self, login: str) -> User:
        try:
            # An SSO server may name anyone; a name no login can have (a NUL...) is nobody.
            check_login(login)
        except errors.Invalid as exc:
            raise XucAuthFailed(Reason.USER_NOT_FOUND, f"user {login!r} does not exist") from exc
        with self._store.transaction(read_only=True) as tx:
            user = tx.users.get(login)
        if user is None:
            raise XucAuthFailed(Reason.USER_NOT_FOUND, f"user {login} does not exist")
        return user

    def _issue(self, login: str) -> IssuedToken:
        now = self._clock.now()
        expires = int((now + self._ttl).timestamp())
        payload = {"login": login, "expires": expires, "iat": int(now.timestamp()), "exp": expires}
        token = jwt.encode(payload, self._signing_secret(), algorithm=TOKEN_ALGORITHM)
        return IssuedToken(login, token, int(self._ttl.total_seconds()))

    def _decode(self, token: str) -> str:
        try:
            payload = jwt.decode(
                token,
                self._signing_secret(),
                algorithms=[TOKEN_ALGORITHM],
                # Expiry is judged by the injected clock below, not by PyJWT's wall clock.
                options={"require": ["exp"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError as exc:
            raise XucAuthFailed(Reason.INVALID_TOKEN, f"invalid token: {exc}") from exc
        if _expired(payload, self._clock.now(), 0):
            raise XucAuthFailed(Reason.TOKEN_EXPIRED, "the token has expired")
        login = payload.get("login")
        if not isinstance(login, str) or not login:
            raise XucAuthFailed(Reason.INVALID_JSON, "the token carries no login")
        return login

    def _signing_secret(self) -> str:
        """Return the configured secret, or the one kept in the database (made on first use)."""
        with self._secret_lock:
            if self._secret is None:
                self._secret = self._stored_secret()
            return self._secret

    def _stored_secret(self) -> str:
        with self._store.transaction() as tx:
            stored = tx.secrets.get(JWT_SECRET_KEY)
            if stored is not None:
                return stored
        try:
            with self._store.transaction() as tx:
                # Another node may have made one meanwhile: keep the first one stored.
                stored = tx.secrets.get(JWT_SECRET_KEY)
                if stored is None:
                    stored = secrets.token_urlsafe(48)
                    tx.secrets.put(JWT_SECRET_KEY, stored)
                return stored
        except errors.Conflict:
            with self._store.transaction() as tx:
                again = tx.secrets.get(JWT_SECRET_KEY)
            if again is None:
                raise
            return again


def _expired(claims: Mapping[str, Any], now: datetime, leeway: int) -> bool:
    """Tell whether `exp` has passed (a malformed `exp` counts as passed)."""
    exp = claims.get("exp")
    if not _is_time(exp):
        return True
    return exp <= now.timestamp() - leeway


def _not_yet_valid(claims: Mapping[str, Any], now: datetime, leeway: int) -> bool:
    nbf = claims.get("nbf")
    if nbf is None:
        return False
    if not _is_time(nbf):
        return True
    return nbf > now.timestamp() + leeway


def _is_time(value: Any) -> TypeGuard[int | float]:
    """Tell whether a claim is a NumericDate; NaN and infinity are not (NaN compares false)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)
