"""First start: the admin account and the service token."""

from __future__ import annotations

import dataclasses
import secrets

from ringback.domain import errors
from ringback.domain.people import Profile, User
from ringback.services.ports import Clock, PasswordHasher, Store
from ringback.services.users import MIN_SERVICE_TOKEN_LENGTH, SERVICE_TOKEN_KEY, token_digest

ADMIN_LOGIN = "admin"


def ensure_admin(
    store: Store, clock: Clock, hasher: PasswordHasher, password: str | None
) -> str | None:
    """Create user `admin` if missing; return its password when it had to be generated."""
    with store.transaction() as tx:
        if tx.users.get(ADMIN_LOGIN) is not None:
            return None
        generated = password is None
        chosen = password if password is not None else secrets.token_urlsafe(12)
        tx.users.add(
            User(
                login=ADMIN_LOGIN,
                profile=Profile.ADMIN,
                firstname="Administrator",
                password_hash=hasher.hash(chosen),
                created_at=clock.now(),
            )
        )
    return chosen if generated else None


def ensure_service_token(store: Store, token: str | None) -> str | None:
    """Keep the service token's hash; return the token when it had to be generated.

    A configured token replaces the stored one; without one, a token is generated on the first
    start only (later starts keep the stored hash and print nothing).
    """
    if token is not None and len(token) < MIN_SERVICE_TOKEN_LENGTH:
        raise errors.Invalid(
            f"RINGBACK_API_TOKEN must have at least {MIN_SERVICE_TOKEN_LENGTH} characters",
            field="api_token",
        )
    with store.transaction() as tx:
        if token is not None:
            tx.secrets.put(SERVICE_TOKEN_KEY, token_digest(token))
            return None
        if tx.secrets.get(SERVICE_TOKEN_KEY) is not None:
            return None
        generated = secrets.token_urlsafe(32)
        tx.secrets.put(SERVICE_TOKEN_KEY, token_digest(generated))
        return generated


def reset_password(store: Store, hasher: PasswordHasher, login: str, password: str) -> None:
    """Set a user's password (demo starts and `ringback user passwd`)."""
    with store.transaction() as tx:
        user = tx.users.get(login)
        if user is None:
            raise errors.NotFound(f"user {login} does not exist")
        tx.users.update(dataclasses.replace(user, password_hash=hasher.hash(password)))
