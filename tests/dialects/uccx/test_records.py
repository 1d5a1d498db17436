"""addrecord, updaterecord, removerecord, getrecords, checkdnisinuse, getcontactpositionoffset."""

from __future__ import annotations

from datetime import UTC, datetime

import defusedxml.ElementTree as SafeXml
import pytest
from starlette.testclient import TestClient

from ringback.core import Core
from ringback.domain.people import Principal
from ringback.domain.states import Reason, State
from ringback.services.callbacks import NewCallback
from ringback.testing import FakeClock
from tests.api.helpers import claim_due
from tests.dialects.uccx.conftest import ADD_EXAMPLE, add_queue, answer, call, failed


def _stored(core: Core, external_id: str = "12346"):  # type: ignore[no-untyped-def]
    with core.store.transaction() as tx:
        return tx.callbacks.get_by_external_id(external_id)


@pytest.fixture
def main(core: Core) -> None:
    add_queue(core, "Main", aliases=("Sales",))


@pytest.mark.usefixtures("main")
def test_addrecord_keeps_every_documented_field(uccx: TestClient, core: Core) -> None:
    text = call(uccx, "addrecord", **ADD_EXAMPLE)
    assert text == answer("Record with id 12346  was added to the list.")
    callback = _stored(core)
    assert callback.state is State.WAITING
    assert callback.customer_number == "1233457"
    assert callback.queue_start_time == datetime.fromtimestamp(123243242.342, UTC)
    assert (callback.prompt, callback.language) == ("p1.wav", "en_US")
    u = callback.uccx
    assert (u.dnis, u.origin_csq, u.session_id, u.impl_id, u.contact_id) == (
        "1233457", "Main", "1300234", "123123/6", "4455667788",
    )  # fmt: skip
    assert u.custom_vars == ("c1", "c2", "c3", "c4", "c5")


@pytest.mark.usefixtures("main")
def test_addrecord_finds_the_csq_by_alias(uccx: TestClient, core: Core) -> None:
    call(uccx, "addrecord", id="1", dnis="5115", targetcsq="Sales")
    assert _stored(core, "1").queue_id == 1


@pytest.mark.usefixtures("main")
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"dnis": "5115", "targetcsq": "Main"}, "id is required"),
        ({"id": "1", "targetcsq": "Main"}, "dnis is required"),
        ({"id": "1", "dnis": "5115"}, "targetcsq is required"),
        ({"id": "1", "dnis": "5115", "targetcsq": "Nope"}, "'Nope' does not exist"),
        ({"id": "1", "dnis": "5115", "targetcsq": "Main", "queuestarttime": "soon"}, "epoch"),
        (
            {"id": "1", "dnis": "5115", "targetcsq": "Main", "queuestarttime": "999999999999999"},
            "year 3000",
        ),
        ({"id": "1", "dnis": "+1 900 555 0100", "targetcsq": "Main"}, "number"),
    ],
)
def test_addrecord_refusals_say_what_is_wrong(
    uccx: TestClient, params: dict[str, str], words: str
) -> None:
    assert words in failed(call(uccx, "addrecord", **params))


@pytest.mark.usefixtures("main")
def test_a_duplicate_id_is_refused(uccx: TestClient) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    other = {**ADD_EXAMPLE, "dnis": "5116"}
    assert "12346 exists already" in failed(call(uccx, "addrecord", **other))


@pytest.mark.usefixtures("main")
def test_getrecords_shows_the_documented_record(uccx: TestClient) -> None:
    call(uccx, "addrecord", **{**ADD_EXAMPLE, "id": "12370", "origincsq": "Support"})
    custom = [f"\t\t\t<customvar{i}>c{i}</customvar{i}>" for i in range(1, 6)]
    expected = answer(
        "", 0,
        "\t<callbackrecords>",
        "\t\t<record>",
        "\t\t\t<id>12370</id>",
        "\t\t\t<contactid>4455667788</contactid>",
        "\t\t\t<implid>123123/6</implid>",
        "\t\t\t<sessionid>1300234</sessionid>",
        "\t\t\t<dnis>1233457</dnis>",
        "\t\t\t<origincsq>Support</origincsq>",
        "\t\t\t<targetcsq>Main</targetcsq>",
        "\t\t\t<prompt>p1.wav</prompt>",
        "\t\t\t<requestdate>1/5/2026 10:00:00 AM</requestdate>",  # 09:00 UTC in Paris
        "\t\t\t<status>NEW</status>",
        "\t\t\t<language>en_US</language>",
        *custom,
        "\t\t</record>",
        "\t</callbackrecords>",
    )  # fmt: skip
    assert call(uccx, "getrecords") == expected
    assert call(uccx, "GetRecords").encode() == expected.encode()


def test_getrecords_with_no_record_is_an_empty_list(uccx: TestClient) -> None:
    assert call(uccx, "getrecords") == answer("", 0, "\t<callbackrecords></callbackrecords>")


@pytest.mark.usefixtures("main")
def test_getrecords_stays_well_formed_whatever_another_dialect_stored(
    uccx: TestClient, core: Core
) -> None:
    # The native API takes a prompt UCCX never could send: XML 1.0 cannot hold \x01 at all.
    request = NewCallback(queue_id=1, phone_number="5115", prompt="bell\x01.wav<&>")
    core.callbacks.create(Principal.service(), request)
    text = call(uccx, "getrecords")
    assert "<prompt>bell\ufffd.wav&lt;&amp;&gt;</prompt>" in text
    assert SafeXml.fromstring(text.encode()).find("callbackrecords/record/prompt") is not None


@pytest.mark.usefixtures("main")
def test_getrecords_filters_by_status_and_csq(uccx: TestClient, core: Core) -> None:
    add_queue(core, "Support")
    call(uccx, "addrecord", id="1", dnis="5115", targetcsq="Main")
    call(uccx, "addrecord", id="2", dnis="5116", targetcsq="Main")
    call(uccx, "addrecord", id="3", dnis="5117", targetcsq="Support")
    call(uccx, "updaterecord", id="2", status="QUEUED")
    assert "<id>2</id>" in call(uccx, "getrecords", status="queued")
    assert "<id>1</id>" not in call(uccx, "getrecords", status="QUEUED")
    by_csq = call(uccx, "getrecords", csq="Support")
    assert "<id>3</id>" in by_csq
    assert "<id>1</id>" not in by_csq
    assert call(uccx, "getrecords", limit="1").count("<record>") == 1
    assert "not the status of an open record" in failed(
        call(uccx, "getrecords", status="COMPLETED")
    )


@pytest.mark.usefixtures("main")
@pytest.mark.parametrize(("status", "shown"), [("REQUESTED", "REQUESTED"), ("QUEUED", "QUEUED")])
def test_requested_and_queued_read_back_as_reported(
    uccx: TestClient, core: Core, status: str, shown: str
) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    text = call(uccx, "updaterecord", id="12346", status=status, agentid="a1")
    assert text == answer(f"Record with id 12346 was updated to status {shown}")
    callback = _stored(core)
    assert (callback.state, callback.telephony_status) == (State.OFFERED, shown)
    assert f"<status>{shown}</status>" in call(uccx, "getrecords")


@pytest.mark.usefixtures("main")
def test_a_dispatched_record_walks_to_completion(
    uccx: TestClient, core: Core, clock: FakeClock
) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    claim_due(core, clock)
    assert "<status>PROCESSING</status>" in call(uccx, "getrecords")
    steps = [("REQUESTED", State.OFFERED), ("QUEUED", State.OFFERED),
             ("AGENTACKNOWLEDGED", State.RESERVED), ("DIALING", State.DIALING),
             ("COMPLETED", State.COMPLETED)]  # fmt: skip
    for status, state in steps:
        call(uccx, "updaterecord", id="12346", status=status, agentid="agent7")
        assert _stored(core).state is state, status
    callback = _stored(core)
    assert callback.lease is None
    assert (callback.attempts, callback.reason) == (1, Reason.COMPLETED)
    with core.store.transaction() as tx:
        history = tx.events.for_callback(callback.id)
    assert {"status": "DIALINGTARGET", "agentid": "agent7"} in [h.detail for h in history]


@pytest.mark.usefixtures("main")
def test_the_dialing_slip_is_answered_with_dialingtarget(uccx: TestClient, core: Core) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    call(uccx, "updaterecord", id="12346", status="AGENTACKNOWLEDGED")
    text = call(uccx, "updaterecord", id="12346", status="DIALING")
    assert text == answer("Record with id 12346 was updated to status DIALINGTARGET")
    assert _stored(core).telephony_status == "DIALINGTARGET"


@pytest.mark.usefixtures("main")
def test_failures_retry_then_exceed_the_attempts(uccx: TestClient, core: Core) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    for number, status in enumerate(["AGENTABANDONED", "IVR_FAILURE"], start=1):
        call(uccx, "updaterecord", id="12346", status="REQUESTED")
        call(uccx, "updaterecord", id="12346", status=status)
        callback = _stored(core)
        assert (callback.state, callback.attempts) == (State.WAITING, number)
        assert "<status>RETRY</status>" in call(uccx, "getrecords")
    call(uccx, "updaterecord", id="12346", status="QUEUED")
    call(uccx, "updaterecord", id="12346", status="RETRY")
    callback = _stored(core)
    assert (callback.state, callback.reason) == (State.FAILED, Reason.MAX_ATTEMPTS)


@pytest.mark.usefixtures("main")
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"status": "QUEUED"}, "id is required"),
        ({"id": "12346"}, "status is required"),
        ({"id": "999", "status": "QUEUED"}, "record with id 999 does not exist"),
        ({"id": "12346", "status": "SLEEPING"}, "unknown status 'SLEEPING'"),
        ({"id": "12346", "status": "NEW"}, "set by the server"),
        ({"id": "12346", "status": "DIALINGTARGET"}, "cannot dial a callback that is waiting"),
        ({"id": "12346", "status": "COMPLETED"}, "no attempt"),
    ],
)
def test_updaterecord_refusals_say_what_is_wrong(
    uccx: TestClient, params: dict[str, str], words: str
) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    assert words in failed(call(uccx, "updaterecord", **params))


@pytest.mark.usefixtures("main")
def test_a_finished_record_refuses_further_statuses(uccx: TestClient) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    call(uccx, "updaterecord", id="12346", status="REQUESTED")
    call(uccx, "updaterecord", id="12346", status="COMPLETED")
    assert "cannot offer a callback that is completed" in failed(
        call(uccx, "updaterecord", id="12346", status="REQUESTED")
    )


@pytest.mark.usefixtures("main")
def test_removerecord_cancels(uccx: TestClient, core: Core) -> None:
    call(uccx, "addrecord", **ADD_EXAMPLE)
    text = call(uccx, "removerecord", id="12346")
    assert text == answer("Record with id 12346  was removed from the list.")
    assert _stored(core).state is State.CANCELLED
    assert "<record>" not in call(uccx, "getrecords")
    assert "cannot cancel" in failed(call(uccx, "removerecord", id="12346"))
    assert "does not exist" in failed(call(uccx, "removerecord", id="777"))
    assert "id is required" in failed(call(uccx, "removerecord"))


@pytest.mark.usefixtures("main")
def test_checkdnisinuse_follows_open_records(uccx: TestClient) -> None:
    assert call(uccx, "checkdnisinuse", dnis="1233457") == answer(
        "", 0, "\t<DNISInUse>false</DNISInUse>"
    )
    call(uccx, "addrecord", **ADD_EXAMPLE)
    assert call(uccx, "checkdnisinuse", dnis="1233457") == answer(
        "", 0, "\t<DNISInUse>true</DNISInUse>"
    )
    call(uccx, "removerecord", id="12346")
    assert "<DNISInUse>false</DNISInUse>" in call(uccx, "checkdnisinuse", dnis="1233457")


def test_checkdnisinuse_without_dnis_fails_with_false(uccx: TestClient) -> None:
    assert call(uccx, "checkdnisinuse") == answer(
        "dnis is required", -1, "\t<DNISInUse>false</DNISInUse>"
    )


@pytest.mark.usefixtures("main")
def test_position_offset_counts_waiting_records_that_entered_earlier(uccx: TestClient) -> None:
    for n, start in enumerate(["1000", "2000", "3000", "4000"], start=1):
        call(uccx, "addrecord", id=str(n), dnis=f"51{n}0", targetcsq="Main",
             contactid=f"c{n}", queuestarttime=start)  # fmt: skip
    call(uccx, "updaterecord", id="2", status="REQUESTED")  # handed over: no longer waiting
    text = call(uccx, "getcontactpositionoffset", contactid="c4", targetcsq="Main")
    assert text == answer("", 0, "\t<ContactPositionOffset>2</ContactPositionOffset>")
    assert "<ContactPositionOffset>0<" in call(
        uccx, "getcontactpositionoffset", contactid="c1", targetcsq="Main"
    )
    assert "no open record with contactid c9" in failed(
        call(uccx, "getcontactpositionoffset", contactid="c9", targetcsq="Main")
    )
    assert "targetcsq is required" in failed(call(uccx, "getcontactpositionoffset", contactid="c1"))


@pytest.mark.usefixtures("main")
@pytest.mark.parametrize(
    ("name", "longest"),
    [("id", 128), ("language", 32), ("prompt", 255), ("customvar1", 1024), ("sessionid", 1024)],
)
def test_overlong_values_are_refused_naming_the_parameter(
    uccx: TestClient, name: str, longest: int
) -> None:
    # The same answer on SQLite and PostgreSQL: the database never sees a value too long.
    fits = {**ADD_EXAMPLE, "id": "fits", name: "x" * longest}
    assert "<Code>0</Code>" in call(uccx, "addrecord", **fits)
    too_long = {**ADD_EXAMPLE, "id": "too-long", "dnis": "5116", name: "x" * (longest + 1)}
    assert failed(call(uccx, "addrecord", **too_long)) == (
        f"{name} is longer than {longest} characters"
    )


@pytest.mark.usefixtures("main")
def test_the_documents_position_offset_example(uccx: TestClient) -> None:
    # Three callbacks that left the queue before the document's contact still wait: offset 3.
    for n in range(1, 4):
        call(uccx, "addrecord", id=f"early{n}", dnis=f"51{n}0", targetcsq="Main",
             contactid=f"c{n}", queuestarttime=str(123243242342 - n * 1000))  # fmt: skip
    call(uccx, "addrecord", **ADD_EXAMPLE)
    text = call(uccx, "getcontactpositionoffset", contactid="4455667788", targetcsq="Main")
    assert text == answer("", 0, "\t<ContactPositionOffset>3</ContactPositionOffset>")
