"""Users, their rights, and agents with their queue memberships."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ringback.domain import errors

LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}\Z")  # \Z: "$" would let "bob\n" through


class Profile(StrEnum):
    """What a user is: an admin sees everything, the others only their queues."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    TEACHER = "teacher"


@dataclass(frozen=True, slots=True)
class Rights:
    """The XiVO rights of a supervisor or teacher."""

    queue_ids: tuple[int, ...] = ()
    group_ids: tuple[int, ...] = ()
    incall_ids: tuple[int, ...] = ()
    recording_access: bool = True
    dissuasion_access: bool = False


@dataclass(frozen=True, slots=True)
class User:
    """Someone who logs in: dashboard, dialects with user credentials, agents."""

    login: str
    profile: Profile
    firstname: str = ""
    name: str = ""
    rights: Rights = Rights()
    password_hash: str | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        check_login(self.login)

    @property
    def is_admin(self) -> bool:
        """Tell whether the user may see and change everything."""
        return self.profile is Profile.ADMIN

    def may_see_queue(self, queue_id: int) -> bool:
        """Tell whether the user may see and touch what belongs to `queue_id`."""
        return self.is_admin or queue_id in self.rights.queue_ids


def check_login(login: str) -> None:
    """Refuse a login that is empty, too long, or has characters outside [A-Za-z0-9_.@-]."""
    if not isinstance(login, str) or not LOGIN.match(login):
        raise errors.Invalid(
            f"login must be 1 to 64 letters, digits or _ . @ - (got {login!r})", field="login"
        )


@dataclass(frozen=True, slots=True)
class Membership:
    """An agent's place in a queue; a lower penalty is served first."""

    queue_id: int
    penalty: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.penalty, bool) or not isinstance(self.penalty, int) or self.penalty < 0:
            raise errors.Invalid("penalty must be an integer >= 0", field="queues")


@dataclass(frozen=True, slots=True)
class Agent:
    """A contact-center agent who takes callbacks in the queues of which it is a member."""

    id: int
    firstname: str
    lastname: str
    number: str
    context: str = "default"
    queues: tuple[Membership, ...] = ()
    login: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 1:
            raise errors.Invalid("id must be a positive integer", field="id")
        if not self.number or not self.number.isdigit():
            raise errors.Invalid("number must be digits", field="number")
        queue_ids = [member.queue_id for member in self.queues]
        if len(set(queue_ids)) != len(queue_ids):
            raise errors.Invalid("an agent is a member of a queue once", field="queues")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the service (full rights) or a user."""

    name: str
    user: User | None = None

    @classmethod
    def service(cls) -> Principal:
        """Return the principal of the service token, with admin rights."""
        return cls(name="service")

    @classmethod
    def of(cls, user: User) -> Principal:
        """Return the principal acting as `user`."""
        return cls(name=user.login, user=user)

    @property
    def is_admin(self) -> bool:
        """Tell whether the principal may see and change everything."""
        return self.user is None or self.user.is_admin

    def may_see_queue(self, queue_id: int) -> bool:
        """Tell whether the principal may see and touch what belongs to `queue_id`."""
        return self.user is None or self.user.may_see_queue(queue_id)

    def visible_queue_ids(self) -> tuple[int, ...] | None:
        """Return the queues the principal is limited to, None when it sees them all."""
        if self.is_admin or self.user is None:
            return None
        return self.user.rights.queue_ids
