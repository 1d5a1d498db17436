"""Use cases on call qualifications: managed by admins, read and answered by agents."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from ringback.domain import errors
from ringback.domain.people import Principal
from ringback.domain.qualifications import Qualification, QualificationAnswer
from ringback.services import access
from ringback.services.ports import Store, Transaction


class QualificationService:
    """Manage qualifications (admins), read and answer them (the queue's agents and watchers)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def visible(self, actor: Principal) -> list[Qualification]:
        """Return the qualifications of the queues the actor may see."""
        with self._store.transaction(read_only=True) as tx:
            found = tx.qualifications.all()
        return [_as_seen_by(actor, q) for q in found if _visible_to(actor, q)]

    def get(self, actor: Principal, qualification_id: int) -> Qualification:
        """Return one qualification the actor may see."""
        with self._store.transaction(read_only=True) as tx:
            found = tx.qualifications.get(qualification_id)
        if found is None or not _visible_to(actor, found):
            raise errors.NotFound(f"qualification {qualification_id} does not exist")
        return _as_seen_by(actor, found)

    def create(self, actor: Principal, qualification: Qualification) -> Qualification:
        """Store a new qualification offered in existing queues."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            _check_queues(tx, qualification.queue_ids)
            return tx.qualifications.add(dataclasses.replace(qualification, id=None))

    def update(self, actor: Principal, qualification: Qualification) -> Qualification:
        """Replace a qualification; a sub keeps its id (and its answers) when given with it."""
        access.require_admin(actor)
        assert qualification.id is not None
        with self._store.transaction() as tx:
            current = tx.qualifications.get(qualification.id)
            if current is None:
                raise errors.NotFound(f"qualification {qualification.id} does not exist")
            known = {s.id for s in current.sub_qualifications}
            for sub in qualification.sub_qualifications:
                if sub.id is not None and sub.id not in known:
                    raise errors.Invalid(
                        f"sub-qualification {sub.id} is not part of this qualification",
                        field="subQualifications",
                    )
            _check_queues(tx, qualification.queue_ids)
            return tx.qualifications.update(qualification)

    def delete(self, actor: Principal, qualification_id: int) -> None:
        """Remove a qualification; the answers already given stay for reporting."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            if tx.qualifications.get(qualification_id) is None:
                raise errors.NotFound(f"qualification {qualification_id} does not exist")
            tx.qualifications.delete(qualification_id)

    def for_queue(self, actor: Principal, queue_id: int) -> list[Qualification]:
        """Return what an agent of `queue_id` may answer; a foreign queue offers nothing."""
        with self._store.transaction(read_only=True) as tx:
            if not _may_work_in(tx, actor, queue_id):
                return []
            return tx.qualifications.for_queue(queue_id)

    def answer(self, actor: Principal, answer: QualificationAnswer) -> int:
        """Record an agent's qualification of a call; the sub must be offered in its queue."""
        with self._store.transaction() as tx:
            if not _may_work_in(tx, actor, answer.queue):
                raise errors.Invalid(f"queue {answer.queue} does not exist", field="queue")
            if not actor.may_see_queue(answer.queue) and answer.agent not in _own_agents(tx, actor):
                # An agent qualifies its own calls; the queue's supervisors may do it for anyone.
                raise errors.Invalid(f"{actor.name} is not agent {answer.agent}", field="agent")
            offered = tx.qualifications.for_queue(answer.queue)
            if not any(q.offers(answer.sub_qualification_id, answer.queue) for q in offered):
                raise errors.Invalid(
                    f"sub-qualification {answer.sub_qualification_id} "
                    f"is not offered in queue {answer.queue}",
                    field="sub_qualification_id",
                )
            return tx.qualifications.add_answer(answer, actor.name)

    def answers(
        self, actor: Principal, queue_id: int, start: datetime, end: datetime
    ) -> list[QualificationAnswer]:
        """Return a queue's answers in [start, end) for its supervisors."""
        access.require_queue(actor, queue_id)
        if end <= start:
            raise errors.Invalid("the end of the period must be after its start", field="to")
        with self._store.transaction(read_only=True) as tx:
            return tx.qualifications.answers(queue_id, start, end)


def _check_queues(tx: Transaction, queue_ids: Sequence[int]) -> None:
    for queue_id in queue_ids:
        if tx.queues.get(queue_id) is None:
            raise errors.Invalid(f"queue {queue_id} does not exist", field="queue_ids")


def _may_work_in(tx: Transaction, actor: Principal, queue_id: int) -> bool:
    """A queue's supervisors and its member agents (by their login) work with its answers."""
    if tx.queues.get(queue_id) is None:
        return False
    if actor.may_see_queue(queue_id):
        return True
    return any(
        agent.login == actor.name and any(m.queue_id == queue_id for m in agent.queues)
        for agent in tx.agents.all()
    )


def _own_agents(tx: Transaction, actor: Principal) -> set[int]:
    return {agent.id for agent in tx.agents.all() if agent.login == actor.name}


def _visible_to(actor: Principal, qualification: Qualification) -> bool:
    return actor.is_admin or any(actor.may_see_queue(q) for q in qualification.queue_ids)


def _as_seen_by(actor: Principal, qualification: Qualification) -> Qualification:
    if actor.is_admin:
        return qualification
    visible = tuple(q for q in qualification.queue_ids if actor.may_see_queue(q))
    return dataclasses.replace(qualification, queue_ids=visible)
