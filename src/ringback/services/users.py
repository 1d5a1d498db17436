"""Use cases on users: accounts, rights, passwords and tokens."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from datetime import timedelta

from ringback.domain import errors
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.services import access
from ringback.services.ports import Clock, PasswordHasher, Store, StoredToken, Transaction

SERVICE_TOKEN_KEY = "service_token_sha256"
MIN_PASSWORD_LENGTH = 8
MIN_SERVICE_TOKEN_LENGTH = 32


def token_digest(token: str) -> str:
    """Return the hash under which a token is kept; tokens themselves are never stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserService:
    """Create, read, change and remove users; authenticate them."""

    def __init__(
        self, store: Store, clock: Clock, hasher: PasswordHasher, token_ttl: timedelta
    ) -> None:
        self._store = store
        self._clock = clock
        self._hasher = hasher
        self._token_ttl = token_ttl

    def list(self, actor: Principal) -> list[User]:
        """Return every user (admins) or only oneself."""
        with self._store.transaction() as tx:
            users = tx.users.all()
        return users if actor.is_admin else [u for u in users if u.login == actor.name]

    def get(self, actor: Principal, login: str) -> User:
        """Return one user: admins see all, others only themselves."""
        if not actor.is_admin and actor.name != login:
            raise errors.NotFound(f"user {login} does not exist")
        with self._store.transaction() as tx:
            return _existing(tx, login)

    def create(self, actor: Principal, user: User, password: str | None) -> User:
        """Store a new user with a hashed password."""
        access.require_admin(actor)
        stored = dataclasses.replace(
            user, password_hash=self._hash(password), created_at=self._clock.now()
        )
        with self._store.transaction() as tx:
            if tx.users.get(user.login) is not None:
                raise errors.Conflict(f"user {user.login} exists already", field="login")
            tx.users.add(stored)
        return stored

    def update(self, actor: Principal, user: User, password: str | None) -> User:
        """Replace a user's names, profile and rights; change the password when one is given."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            current = _existing(tx, user.login)
            _keep_an_admin(tx, current, user.profile)
            password_hash = self._hash(password) if password else current.password_hash
            stored = dataclasses.replace(
                user, password_hash=password_hash, created_at=current.created_at
            )
            tx.users.update(stored)
        return stored

    def set_rights(self, actor: Principal, login: str, profile: Profile, rights: Rights) -> User:
        """Give a user a profile and rights."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            current = _existing(tx, login)
            _keep_an_admin(tx, current, profile)
            stored = dataclasses.replace(current, profile=profile, rights=rights)
            tx.users.update(stored)
        return stored

    def delete(self, actor: Principal, login: str) -> None:
        """Remove a user; the last admin cannot be removed."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            _keep_an_admin(tx, _existing(tx, login), None)
            tx.users.delete(login)

    def authenticate(self, login: str, password: str) -> User:
        """Return the user whose password this is; unknown login and wrong password look alike."""
        with self._store.transaction() as tx:
            user = tx.users.get(login)
        if user is None or not user.password_hash:
            self._hasher.verify(_DUMMY_HASH.get(self._hasher), password)  # same cost either way
            raise errors.Unauthenticated("wrong login or password")
        if not self._hasher.verify(user.password_hash, password):
            raise errors.Unauthenticated("wrong login or password")
        return user

    def issue_token(self, user: User) -> tuple[str, StoredToken]:
        """Give an authenticated user a bearer token valid for the token TTL."""
        token = secrets.token_urlsafe(32)
        stored = StoredToken(login=user.login, expires_at=self._clock.now() + self._token_ttl)
        with self._store.transaction() as tx:
            tx.secrets.purge_tokens(self._clock.now())
            tx.secrets.add_token(token_digest(token), stored)
        return token, stored

    def principal_for(self, token: str) -> Principal:
        """Return who presents `token`: the service token or a live user token."""
        digest = token_digest(token)
        with self._store.transaction() as tx:
            service = tx.secrets.get(SERVICE_TOKEN_KEY)
            if service is not None and hmac.compare_digest(service, digest):
                return Principal.service()
            stored = tx.secrets.get_token(digest)
            if stored is None or stored.expires_at <= self._clock.now():
                raise errors.Unauthenticated("invalid or expired token")
            user = tx.users.get(stored.login)
        if user is None:
            raise errors.Unauthenticated("invalid or expired token")
        return Principal.of(user)

    def _hash(self, password: str | None) -> str | None:
        if password is None:
            return None
        if len(password) < MIN_PASSWORD_LENGTH:
            raise errors.Invalid(
                f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
            )
        return self._hasher.hash(password)


class _DummyHash:
    """One hash per hasher, so that checking an unknown login costs as much as a known one."""

    def __init__(self) -> None:
        self._by_hasher: dict[int, str] = {}

    def get(self, hasher: PasswordHasher) -> str:
        key = id(hasher)
        if key not in self._by_hasher:
            self._by_hasher[key] = hasher.hash(secrets.token_urlsafe(16))
        return self._by_hasher[key]


_DUMMY_HASH = _DummyHash()


def _keep_an_admin(tx: Transaction, user: User, new_profile: Profile | None) -> None:
    """Refuse to remove or demote the last admin (`new_profile` None: removal)."""
    if not user.is_admin or new_profile is Profile.ADMIN:
        return
    if sum(1 for u in tx.users.all() if u.is_admin) == 1:
        raise errors.Conflict("the last admin cannot be removed or demoted", field="profile")


def _existing(tx: Transaction, login: str) -> User:
    user = tx.users.get(login)
    if user is None:
        raise errors.NotFound(f"user {login} does not exist")
    return user
