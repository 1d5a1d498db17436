"""Rights checks shared by the use cases."""

from __future__ import annotations

from ringback.domain import errors
from ringback.domain.people import Principal


def require_admin(actor: Principal) -> None:
    """Refuse a change asked by anyone but an admin or the service."""
    if not actor.is_admin:
        raise errors.Forbidden(f"{actor.name} may not change this: admin rights are needed")


def require_queue(actor: Principal, queue_id: int, what: str = "queue") -> None:
    """Answer not-found for a queue outside the actor's rights, so its existence stays hidden."""
    if not actor.may_see_queue(queue_id):
        raise errors.NotFound(f"{what} {queue_id} does not exist")
