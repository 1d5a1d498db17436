"""The SQL repositories on the suite's backend (SQLite by default, PostgreSQL on demand)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, insert, select

from ringback.domain import errors
from ringback.domain.callbacks import Callback, Lease, StateChange, UccxFields
from ringback.domain.hours import CLOSED_DATE
from ringback.domain.people import Agent, Membership, Profile, Rights, User
from ringback.domain.queues import Dedup, DispatchMode, Queue, QueueSettings, TelephonyKind
from ringback.domain.retry import MissedAction
from ringback.domain.states import Reason, State
from ringback.services.ports import CallbackQuery, StoredToken
from ringback.store import tables
from ringback.store.transaction import SqlStore
from tests.factories import NOW, NUMBER, OTHER_NUMBER, make_callback, make_queue

PLUS2 = timezone(timedelta(hours=2))
DATETIME_FIELDS = (
    "created_at",
    "updated_at",
    "queue_start_time",
    "desired_time",
    "next_action_at",
    "expires_at",
    "completed_at",
)


@pytest.fixture
def store(engine: Engine) -> SqlStore:
    store = SqlStore(engine)
    with store.transaction() as tx:
        tx.queues.add(make_queue(1))
        tx.queues.add(make_queue(2))
    return store


def count(store: SqlStore, table: tables.Table) -> int:
    with store.transaction() as tx:
        return int(tx.connection.execute(select(func.count()).select_from(table)).scalar_one())


def assert_utc(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.tzinfo is UTC


# ---- queues, users, agents ------------------------------------------------------------------


def test_a_queue_round_trips_every_setting(store: SqlStore) -> None:
    settings = QueueSettings(
        name="Sales FR",
        aliases=("ventes", "sales.fr"),
        timezone="Europe/Paris",
        accepting_callbacks=False,
        business_hours=("Mon-Fri 09:00-17:00", "Sat 10:00-12:00"),
        open_dates=("2026-12-24 09:00-12:00",),
        closed_dates=("2026-05-01", "12-25"),
        holiday_country="FR",
        reject_out_of_hours=True,
        bucket_minutes=15,
        max_per_bucket=7,
        horizon="2w",
        max_attempts=5,
        retry_delay_seconds=120,
        ttl_seconds=3600,
        missed_grace_seconds=60,
        missed_action=MissedAction.NEXT_DAY,
        dedup=Dedup.STRICT,
        default_country="FR",
        reject_premium_numbers=False,
        reject_impossible_numbers=True,
        number_exceptions=(r"^\+3389", r"^\+3390"),
        dispatch_mode=DispatchMode.POSITION,
        telephony=TelephonyKind.WEBHOOK,
    )
    queue = Queue(7, settings)
    with store.transaction() as tx:
        tx.queues.add(queue)
    with store.transaction() as tx:
        got = tx.queues.get(7)
    assert got is not None
    assert got.settings == settings
    assert got.settings.missed_action is MissedAction.NEXT_DAY
    assert got.settings.dedup is Dedup.STRICT
    assert got.settings.aliases == ("ventes", "sales.fr")
    assert got.retry.max_attempts == 5
    assert got.hours.closed_reason(datetime(2026, 5, 1, 10, tzinfo=UTC)) == CLOSED_DATE


def test_queues_are_listed_updated_and_deleted(store: SqlStore) -> None:
    with store.transaction() as tx:
        assert tx.queues.next_id() == 3
        tx.queues.add(make_queue(10))
        tx.queues.update(make_queue(2, name="renamed", max_attempts=9))
    with store.transaction() as tx:
        assert [q.id for q in tx.queues.all()] == [1, 2, 10]
        assert tx.queues.next_id() == 11
        changed = tx.queues.get(2)
        assert changed is not None
        assert (changed.name, changed.settings.max_attempts) == ("renamed", 9)
        tx.queues.delete(10)
    with store.transaction() as tx:
        assert tx.queues.get(10) is None
        assert tx.queues.get(404) is None


def test_a_user_round_trips_with_its_rights(store: SqlStore) -> None:
    user = User(
        "sup.one@example",
        Profile.SUPERVISOR,
        firstname="Zoé",
        name="Ünal",
        rights=Rights(
            queue_ids=(2, 1),
            group_ids=(5,),
            incall_ids=(7, 8),
            recording_access=False,
            dissuasion_access=True,
        ),
        password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
        created_at=datetime(2026, 1, 5, 11, 0, 0, 250000, tzinfo=PLUS2),
    )
    admin = User("admin", Profile.ADMIN)
    admin = dataclasses.replace(admin, created_at=NOW)
    with store.transaction() as tx:
        tx.users.add(user)
        tx.users.add(admin)
    with store.transaction() as tx:
        got = tx.users.get(user.login)
        assert [u.login for u in tx.users.all()] == ["admin", "sup.one@example"]
    assert got == user
    assert got.rights.queue_ids == (2, 1)
    assert got.created_at == NOW + timedelta(milliseconds=250)
    assert_utc(got.created_at)


def test_a_user_is_updated_and_deleted_with_its_tokens(store: SqlStore) -> None:
    user = User("teach", Profile.TEACHER, created_at=NOW)
    with store.transaction() as tx:
        tx.users.add(user)
        tx.secrets.add_token("h" * 64, StoredToken("teach", NOW + timedelta(hours=1)))
        tx.agents.add(Agent(5, "Tea", "Cher", "1005", login="teach"))
    promoted = dataclasses.replace(user, rights=Rights(queue_ids=(1,)), name="T")
    with store.transaction() as tx:
        tx.users.update(promoted)
    with store.transaction() as tx:
        assert tx.users.get("teach") == promoted
        tx.users.delete("teach")
    with store.transaction() as tx:
        assert tx.users.get("teach") is None
        assert tx.secrets.get_token("h" * 64) is None
        agent = tx.agents.get(5)
    assert agent is not None
    assert agent.login is None  # ON DELETE SET NULL


def test_an_agent_round_trips_with_its_memberships(store: SqlStore) -> None:
    with store.transaction() as tx:
        tx.users.add(User("ann", Profile.SUPERVISOR, created_at=NOW))
    agent = Agent(
        42,
        "Ann",
        "Lee",
        "1042",
        context="sales",
        queues=(Membership(1, 0), Membership(2, 3)),
        login="ann",
    )
    with store.transaction() as tx:
        tx.agents.add(Agent(50, "Bob", "Ray", "1050"))
        tx.agents.add(agent)
    with store.transaction() as tx:
        assert tx.agents.get(42) == agent
        assert [a.id for a in tx.agents.all()] == [42, 50]
        assert tx.agents.get(50) == Agent(50, "Bob", "Ray", "1050")


def test_agent_memberships_come_back_in_queue_order(store: SqlStore) -> None:
    with store.transaction() as tx:
        tx.agents.add(Agent(1, "A", "B", "1001", queues=(Membership(2, 1), Membership(1, 4))))
    with store.transaction() as tx:
        got = tx.agents.get(1)
    assert got is not None
    assert got.queues == (Membership(1, 4), Membership(2, 1))


def test_an_agent_update_replaces_its_memberships_and_delete_removes_them(
    store: SqlStore,
) -> None:
    with store.transaction() as tx:
        tx.agents.add(Agent(1, "A", "B", "1001", queues=(Membership(1), Membership(2))))
    moved = Agent(1, "A", "C", "1002", context="other", queues=(Membership(2, 5),))
    with store.transaction() as tx:
        tx.agents.update(moved)
    with store.transaction() as tx:
        assert tx.agents.get(1) == moved
        tx.agents.delete(1)
    with store.transaction() as tx:
        assert tx.agents.get(1) is None
    assert count(store, tables.agent_queues) == 0


# ---- callbacks ------------------------------------------------------------------------------


def full_callback(list_id: uuid.UUID, period_id: uuid.UUID) -> Callback:
    at = datetime(2026, 1, 5, 11, 0, 0, 123456, tzinfo=PLUS2)  # 09:00:00.123456 UTC
    return Callback(
        id=uuid.uuid4(),
        queue_id=2,
        customer_number="+33612345678",
        state=State.DISPATCHING,
        created_at=at,
        updated_at=at + timedelta(minutes=1),
        external_id="uccx-0001",
        list_id=list_id,
        period_id=period_id,
        alternate_number="+33123456789",
        first_name="Zoé",
        last_name="O'Brien",
        company="ACME & Co",
        description="first line\nsecond line ✓",
        customer_id="C-42",
        language="fr_FR",
        prompt="welcome.wav",
        uccx=UccxFields(
            dnis="5000",
            origin_csq="Sales",
            session_id="0x1234",
            impl_id="impl-9",
            contact_id="c-77",
            custom_vars=("one", "", "three", "ça", "5"),
        ),
        properties={
            "tier": "gold",
            "score": 3,
            "ratio": 0.5,
            "vip": True,
            "none": None,
            "nested": {"list": [1, "two", None, False]},
        },
        queue_start_time=at - timedelta(minutes=10),
        desired_time=at + timedelta(hours=1),
        due_date=date(2026, 1, 7),
        next_action_at=at + timedelta(hours=1),
        expires_at=at + timedelta(days=1),
        attempts=2,
        slot=2,
        lease=Lease("worker-1", "token-1", at + timedelta(seconds=30)),
        owner_agent_id=42,
        self_callback=True,
        reason=Reason.NO_ANSWER,
        telephony_status="QUEUED",
        completed_at=at + timedelta(hours=2),
        created_by="alice",
    )


def test_a_callback_round_trips_every_field(store: SqlStore) -> None:
    list_id, period_id = uuid.uuid4(), uuid.uuid4()
    with store.transaction() as tx:
        tx.connection.execute(
            insert(tables.callback_lists).values(uuid=str(list_id), name="list", queue_id=2)
        )
        tx.connection.execute(
            insert(tables.periods).values(
                uuid=str(period_id), name="morning", period_start="09:00:00",
                period_end="12:00:00", is_default=False,
            )
        )  # fmt: skip
        written = full_callback(list_id, period_id)
        tx.callbacks.add(written, idempotency_key="idem-1")
    with store.transaction() as tx:
        got = tx.callbacks.get(written.id)
        assert tx.callbacks.get_by_external_id("uccx-0001") == got
        assert tx.callbacks.get_by_idempotency_key("idem-1") == got
    assert got == written
    assert got is not None
    assert got.lease == Lease("worker-1", "token-1", datetime(2026, 1, 5, 9, 0, 30, 123456, UTC))
    assert got.uccx.custom_vars == ("one", "", "three", "ça", "5")
    assert got.properties["nested"] == {"list": [1, "two", None, False]}
    assert got.created_at == datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
    for name in DATETIME_FIELDS:
        assert_utc(getattr(got, name))
        assert getattr(got, name) == getattr(written, name)
    assert_utc(got.lease.expires_at)
    assert got.due_date == date(2026, 1, 7)
    assert (got.state, got.reason) == (State.DISPATCHING, Reason.NO_ANSWER)


def test_a_minimal_callback_round_trips_with_its_defaults(store: SqlStore) -> None:
    written = make_callback(1, next_action_at=None)
    with store.transaction() as tx:
        tx.callbacks.add(written)
    with store.transaction() as tx:
        got = tx.callbacks.get(written.id)
        assert tx.callbacks.get(uuid.uuid4()) is None
        assert tx.callbacks.get_by_external_id("nope") is None
        assert tx.callbacks.get_by_idempotency_key("nope") is None
    assert got == written
    assert got is not None
    assert (got.lease, got.reason, got.uccx, got.properties) == (None, None, UccxFields(), {})


def test_update_with_a_lease_token_applies_only_while_the_token_matches(store: SqlStore) -> None:
    lease = Lease("worker-a", "token-a", NOW + timedelta(seconds=30))
    held = make_callback(1, state=State.DISPATCHING, lease=lease)
    with store.transaction() as tx:
        tx.callbacks.add(held)
    stale = held.evolve(state=State.WAITING, lease=None, attempts=1, updated_at=NOW)
    with store.transaction() as tx:
        assert tx.callbacks.update(stale, lease_token="token-b") is False
    with store.transaction() as tx:
        assert tx.callbacks.get(held.id) == held
    offered = held.evolve(state=State.OFFERED, telephony_status="REQUESTED")
    with store.transaction() as tx:
        assert tx.callbacks.update(offered, lease_token="token-a") is True
    with store.transaction() as tx:
        got = tx.callbacks.get(held.id)
    assert got is not None
    assert got.evolve(version=held.version) == offered
    released = got.evolve(lease=None, state=State.DIALING)
    with store.transaction() as tx:
        assert tx.callbacks.update(released) is True
        assert tx.callbacks.update(released, lease_token="token-a") is False  # lease is gone
        assert tx.callbacks.update(make_callback(1)) is False  # no such callback
        final = tx.callbacks.get(held.id)
    assert final is not None
    assert final.evolve(version=released.version) == released


def test_every_update_raises_the_version_and_a_stale_version_changes_nothing(
    store: SqlStore,
) -> None:
    callback = make_callback(1)
    with store.transaction() as tx:
        tx.callbacks.add(callback)
        read = tx.callbacks.get(callback.id)
    assert read is not None
    first = read.evolve(first_name="Ann")
    with store.transaction() as tx:
        assert tx.callbacks.update(first, expected_version=read.version) is True
        assert (
            tx.callbacks.update(read.evolve(first_name="Bob"), expected_version=read.version)
            is False
        )
        now_stored = tx.callbacks.get(callback.id)
    assert now_stored is not None
    assert now_stored.first_name == "Ann"
    assert now_stored.version == read.version + 1


def seed_for_find(store: SqlStore) -> list[Callback]:
    made = [
        make_callback(1, created_at=NOW, updated_at=NOW),
        make_callback(1, created_at=NOW + timedelta(hours=1), updated_at=NOW, state=State.FAILED),
        make_callback(2, created_at=NOW + timedelta(hours=2), updated_at=NOW),
        make_callback(
            1, created_at=NOW + timedelta(hours=3), updated_at=NOW, customer_number=OTHER_NUMBER
        ),
        make_callback(2, created_at=NOW + timedelta(hours=4), updated_at=NOW, state=State.FAILED),
    ]
    with store.transaction() as tx:
        for callback in made:
            tx.callbacks.add(callback)
    return made


def found(store: SqlStore, **filters: object) -> tuple[int, list[uuid.UUID]]:
    with store.transaction() as tx:
        page = tx.callbacks.find(CallbackQuery(**filters))  # type: ignore[arg-type]
    return page.total, [c.id for c in page.items]


def test_find_filters_and_orders_newest_first(store: SqlStore) -> None:
    c = [callback.id for callback in seed_for_find(store)]
    assert found(store) == (5, [c[4], c[3], c[2], c[1], c[0]])
    assert found(store, queue_ids=[1]) == (3, [c[3], c[1], c[0]])
    assert found(store, queue_ids=[1, 2]) == (5, [c[4], c[3], c[2], c[1], c[0]])
    assert found(store, queue_ids=[]) == (0, [])
    assert found(store, states=[State.FAILED]) == (2, [c[4], c[1]])
    assert found(store, states=[State.WAITING, State.FAILED], queue_ids=[2]) == (2, [c[4], c[2]])
    assert found(store, customer_number=OTHER_NUMBER) == (1, [c[3]])
    assert found(store, customer_number=NUMBER, queue_ids=[1]) == (2, [c[1], c[0]])


def test_find_by_creation_time_is_from_inclusive_to_exclusive(store: SqlStore) -> None:
    c = [callback.id for callback in seed_for_find(store)]
    start = (NOW + timedelta(hours=1)).astimezone(PLUS2)
    end = (NOW + timedelta(hours=3)).astimezone(PLUS2)
    assert found(store, created_from=start) == (4, [c[4], c[3], c[2], c[1]])
    assert found(store, created_to=end) == (3, [c[2], c[1], c[0]])
    assert found(store, created_from=start, created_to=end) == (2, [c[2], c[1]])


def test_find_pages_and_counts_the_total(store: SqlStore) -> None:
    c = [callback.id for callback in seed_for_find(store)]
    assert found(store, limit=2) == (5, [c[4], c[3]])
    assert found(store, limit=2, offset=2) == (5, [c[2], c[1]])
    assert found(store, limit=2, offset=4) == (5, [c[0]])
    assert found(store, limit=2, offset=6) == (5, [])


def test_counts_of_open_callbacks_and_by_state(store: SqlStore) -> None:
    seed_for_find(store)
    with store.transaction() as tx:
        tx.callbacks.add(make_callback(1, state=State.SCHEDULED))
        tx.callbacks.add(make_callback(1, state=State.DIALING, customer_number=OTHER_NUMBER))
        tx.callbacks.add(make_callback(1, state=State.CANCELLED))
    with store.transaction() as tx:
        assert tx.callbacks.count_open_for_number(1, NUMBER) == 2  # waiting + scheduled
        assert tx.callbacks.count_open_for_number(1, OTHER_NUMBER) == 2
        assert tx.callbacks.count_open_for_number(2, OTHER_NUMBER) == 0
        assert tx.callbacks.count_open_in_queue(1) == 4
        assert tx.callbacks.count_open_in_queue(2) == 1
        assert tx.callbacks.counts_by_state() == {
            (1, "waiting"): 2,
            (1, "scheduled"): 1,
            (1, "dialing"): 1,
            (1, "failed"): 1,
            (1, "cancelled"): 1,
            (2, "waiting"): 1,
            (2, "failed"): 1,
        }


# ---- event log, secrets, tokens --------------------------------------------------------------


def test_the_event_log_keeps_the_order_of_appends(store: SqlStore) -> None:
    callback, other = make_callback(1), make_callback(1)
    changes = [
        StateChange(
            callback_id=callback.id, at=NOW.astimezone(PLUS2), actor="service",
            event="create", from_state=None, to_state=State.WAITING,
        ),
        StateChange(
            callback_id=callback.id, at=NOW + timedelta(seconds=5), actor="dispatcher",
            event="claim", from_state=State.WAITING, to_state=State.DISPATCHING,
        ),
        StateChange(
            callback_id=callback.id, at=NOW + timedelta(seconds=5), actor="alice",
            event="outcome:no_answer", from_state=State.DISPATCHING, to_state=State.WAITING,
            reason="no_answer", detail={"detail": "rang 30 s", "codes": [486, None]},
        ),
    ]  # fmt: skip
    with store.transaction() as tx:
        tx.callbacks.add(callback)
        tx.callbacks.add(other)
        tx.events.append(changes[0])
        tx.events.append(
            StateChange(
                callback_id=other.id, at=NOW, actor="x", event="create", from_state=None,
                to_state=State.WAITING,
            )
        )  # fmt: skip
        tx.events.append(changes[1])
    with store.transaction() as tx:
        tx.events.append(changes[2])
    with store.transaction() as tx:
        history = tx.events.for_callback(callback.id)
        assert tx.events.for_callback(uuid.uuid4()) == []
    # queue_id is filled in from the callback when the change does not carry it
    assert [dataclasses.replace(h, id=None) for h in history] == [
        dataclasses.replace(c, queue_id=1) for c in changes
    ]
    ids = [h.id for h in history]
    assert all(isinstance(i, int) for i in ids)
    assert ids == sorted(ids)
    assert_utc(history[0].at)


def test_secrets_are_put_read_and_replaced(store: SqlStore) -> None:
    with store.transaction() as tx:
        assert tx.secrets.get("service_token_sha256") is None
        tx.secrets.put("service_token_sha256", "a" * 64)
        tx.secrets.put("jwt_key", "k1")
    with store.transaction() as tx:
        assert tx.secrets.get("service_token_sha256") == "a" * 64
        tx.secrets.put("service_token_sha256", "b" * 64)
    with store.transaction() as tx:
        assert tx.secrets.get("service_token_sha256") == "b" * 64
        assert tx.secrets.get("jwt_key") == "k1"
    assert count(store, tables.secrets) == 2


def test_tokens_are_kept_found_and_purged(store: SqlStore) -> None:
    with store.transaction() as tx:
        tx.users.add(User("ann", Profile.SUPERVISOR, created_at=NOW))
        tx.secrets.add_token("old", StoredToken("ann", NOW - timedelta(seconds=1)))
        tx.secrets.add_token("edge", StoredToken("ann", NOW))
        tx.secrets.add_token(
            "new", StoredToken("ann", (NOW + timedelta(hours=1)).astimezone(PLUS2))
        )
    with store.transaction() as tx:
        token = tx.secrets.get_token("new")
        assert token == StoredToken("ann", NOW + timedelta(hours=1))
        assert token is not None
        assert_utc(token.expires_at)
        assert tx.secrets.get_token("missing") is None
        assert tx.secrets.purge_tokens(NOW) == 1
    with store.transaction() as tx:
        assert tx.secrets.get_token("old") is None
        assert tx.secrets.get_token("edge") == StoredToken("ann", NOW)
        assert tx.secrets.purge_tokens(NOW + timedelta(days=1)) == 2
    assert count(store, tables.user_tokens) == 0


# ---- integrity and transactions --------------------------------------------------------------


def test_deleting_a_queue_cascades_to_its_callbacks_lists_and_events(store: SqlStore) -> None:
    done = make_callback(1, state=State.COMPLETED, reason=Reason.COMPLETED, completed_at=NOW)
    kept = make_callback(2)
    with store.transaction() as tx:
        tx.connection.execute(
            insert(tables.callback_lists).values(uuid=str(uuid.uuid4()), name="l", queue_id=1)
        )
        tx.agents.add(Agent(1, "A", "B", "1001", queues=(Membership(1), Membership(2))))
        for callback in (done, kept):
            tx.callbacks.add(callback)
            tx.events.append(
                StateChange(
                    callback_id=callback.id, at=NOW, actor="t", event="create", from_state=None,
                    to_state=callback.state,
                )
            )  # fmt: skip
    with store.transaction() as tx:
        tx.queues.delete(1)
    with store.transaction() as tx:
        assert tx.callbacks.get(done.id) is None
        assert tx.events.for_callback(done.id) == []
        assert tx.callbacks.get(kept.id) == kept
        assert len(tx.events.for_callback(kept.id)) == 1
        agent = tx.agents.get(1)
    assert agent is not None
    assert agent.queues == (Membership(2),)
    assert count(store, tables.callback_lists) == 0
    assert count(store, tables.callback_events) == 1


def test_a_duplicate_external_id_is_a_conflict(store: SqlStore) -> None:
    first = make_callback(1, external_id="ext-1")
    with store.transaction() as tx:
        tx.callbacks.add(first)
    with pytest.raises(errors.Conflict), store.transaction() as tx:
        tx.callbacks.add(make_callback(2, external_id="ext-1"))
    with store.transaction() as tx:
        assert tx.callbacks.get_by_external_id("ext-1") == first
    assert count(store, tables.callbacks) == 1


def test_a_duplicate_idempotency_key_is_a_conflict(store: SqlStore) -> None:
    first = make_callback(1)
    with store.transaction() as tx:
        tx.callbacks.add(first, idempotency_key="key-1")
        tx.callbacks.add(make_callback(1), idempotency_key=None)
        tx.callbacks.add(make_callback(1), idempotency_key=None)  # NULLs never clash
    with pytest.raises(errors.Conflict), store.transaction() as tx:
        tx.callbacks.add(make_callback(1, external_id="other"), idempotency_key="key-1")
    with store.transaction() as tx:
        assert tx.callbacks.get_by_idempotency_key("key-1") == first
        assert tx.callbacks.get_by_external_id("other") is None
    assert count(store, tables.callbacks) == 3


def test_a_conflict_rolls_back_the_whole_transaction(store: SqlStore) -> None:
    def clash() -> None:
        with store.transaction() as tx:
            tx.queues.add(make_queue(3))
            tx.callbacks.add(make_callback(3, external_id="dup"))
            tx.callbacks.add(make_callback(3, external_id="dup"))

    with pytest.raises(errors.Conflict):
        clash()
    with store.transaction() as tx:
        assert tx.queues.get(3) is None
    assert count(store, tables.callbacks) == 0


def test_a_callback_in_an_unknown_queue_is_a_conflict(store: SqlStore) -> None:
    with pytest.raises(errors.Conflict), store.transaction() as tx:
        tx.callbacks.add(make_callback(99))
    assert count(store, tables.callbacks) == 0


def test_an_exception_inside_the_block_leaves_nothing_behind(store: SqlStore) -> None:
    callback = make_callback(1)

    def fail_midway() -> None:
        with store.transaction() as tx:
            tx.queues.add(make_queue(3))
            tx.callbacks.add(callback)
            tx.events.append(
                StateChange(
                    callback_id=callback.id, at=NOW, actor="t", event="create", from_state=None,
                    to_state=State.WAITING,
                )
            )  # fmt: skip
            tx.secrets.put("s", "v")
            assert tx.callbacks.get(callback.id) == callback  # visible inside the transaction
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_midway()
    with store.transaction() as tx:
        assert tx.queues.get(3) is None
        assert tx.callbacks.get(callback.id) is None
        assert tx.events.for_callback(callback.id) == []
        assert tx.secrets.get("s") is None
