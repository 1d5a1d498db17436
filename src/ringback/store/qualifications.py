"""Call qualifications in SQL: the qualifications, their subs and queues, and the answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, delete, insert, select, update

from ringback.domain.qualifications import Qualification, QualificationAnswer, SubQualification
from ringback.store.tables import (
    qualification_answers,
    qualification_queues,
    qualifications,
    sub_qualifications,
)

ANSWER_FIELDS = (
    "sub_qualification_id", "time", "callid", "agent", "queue",
    "first_name", "last_name", "comment", "custom_data",
)  # fmt: skip


class SqlQualifications:
    """Qualifications, their subs and queues, and answers, in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def all(self) -> list[Qualification]:
        """Return every qualification, by id."""
        return self._load(select(qualifications.c.id))

    def get(self, qualification_id: int) -> Qualification | None:
        """Return one qualification."""
        found = self._load(
            select(qualifications.c.id).where(qualifications.c.id == qualification_id)
        )
        return found[0] if found else None

    def for_queue(self, queue_id: int) -> list[Qualification]:
        """Return the qualifications offered in a queue, by id."""
        q = qualification_queues
        return self._load(select(q.c.qualification_id).where(q.c.queue_id == queue_id))

    def add(self, qualification: Qualification) -> Qualification:
        """Store a new qualification; return it with its ids."""
        result = self._c.execute(insert(qualifications).values(name=qualification.name))
        new_id = _new_id(result)
        self._write_children(new_id, qualification)
        stored = self.get(new_id)
        assert stored is not None
        return stored

    def update(self, qualification: Qualification) -> Qualification:
        """Replace a qualification; subs without id are new, missing ones are removed."""
        assert qualification.id is not None
        q_id = qualification.id
        self._c.execute(
            update(qualifications)
            .where(qualifications.c.id == q_id)
            .values(name=qualification.name)
        )
        self._c.execute(
            delete(qualification_queues).where(qualification_queues.c.qualification_id == q_id)
        )
        kept = [s.id for s in qualification.sub_qualifications if s.id is not None]
        s = sub_qualifications
        self._c.execute(delete(s).where(s.c.qualification_id == q_id, s.c.id.not_in(kept)))
        for sub in qualification.sub_qualifications:
            if sub.id is not None:
                self._c.execute(update(s).where(s.c.id == sub.id).values(name=sub.name))
        self._write_children(q_id, qualification, subs_with_ids=False)
        stored = self.get(q_id)
        assert stored is not None
        return stored

    def delete(self, qualification_id: int) -> None:
        """Remove a qualification, its subs and queue links (answers stay)."""
        self._c.execute(delete(qualifications).where(qualifications.c.id == qualification_id))

    def add_answer(self, answer: QualificationAnswer, created_by: str) -> int:
        """Store an answer and return its id."""
        values = {name: getattr(answer, name) for name in ANSWER_FIELDS}
        result = self._c.execute(
            insert(qualification_answers).values(**values, created_by=created_by)
        )
        return _new_id(result)

    def answers(self, queue_id: int, start: datetime, end: datetime) -> list[QualificationAnswer]:
        """Return the answers of a queue with start <= time < end, oldest first."""
        a = qualification_answers
        query = (
            select(a)
            .where(a.c.queue == queue_id, a.c.time >= start, a.c.time < end)
            .order_by(a.c.time, a.c.id)
        )
        return [
            QualificationAnswer(id=row["id"], **{name: row[name] for name in ANSWER_FIELDS})
            for row in self._c.execute(query).mappings()
        ]

    def _write_children(
        self, q_id: int, qualification: Qualification, *, subs_with_ids: bool = True
    ) -> None:
        if qualification.queue_ids:
            self._c.execute(
                insert(qualification_queues),
                [
                    {"qualification_id": q_id, "queue_id": queue}
                    for queue in qualification.queue_ids
                ],
            )
        new_subs = [
            sub for sub in qualification.sub_qualifications if subs_with_ids or sub.id is None
        ]
        for sub in new_subs:
            self._c.execute(insert(sub_qualifications).values(qualification_id=q_id, name=sub.name))

    def _load(self, ids: Any) -> list[Qualification]:
        """Return the qualifications whose ids the `ids` subquery selects, by id."""
        heads = (
            self._c.execute(
                select(qualifications)
                .where(qualifications.c.id.in_(ids))
                .order_by(qualifications.c.id)
            )
            .mappings()
            .all()
        )
        if not heads:
            return []
        wanted = [row["id"] for row in heads]
        queues: dict[int, list[int]] = {q: [] for q in wanted}
        q = qualification_queues
        for row in self._c.execute(
            select(q).where(q.c.qualification_id.in_(wanted)).order_by(q.c.queue_id)
        ).mappings():
            queues[row["qualification_id"]].append(row["queue_id"])
        subs: dict[int, list[SubQualification]] = {q: [] for q in wanted}
        s = sub_qualifications
        for row in self._c.execute(
            select(s).where(s.c.qualification_id.in_(wanted)).order_by(s.c.id)
        ).mappings():
            subs[row["qualification_id"]].append(SubQualification(row["id"], row["name"]))
        return [
            Qualification(row["id"], row["name"], tuple(queues[row["id"]]), tuple(subs[row["id"]]))
            for row in heads
        ]


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
