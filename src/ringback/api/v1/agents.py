"""/api/v1/agents"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ringback.api.auth import Caller
from ringback.api.schemas import AgentIn, AgentReplace, MembershipBody, PathId
from ringback.api.state import core_of
from ringback.domain.people import Agent, Membership
from ringback.services.agents import AgentService

router = APIRouter(prefix="/agents", tags=["agents"])


def _service(request: Request) -> AgentService:
    service: AgentService = core_of(request).agents
    return service


def _out(agent: Agent) -> AgentIn:
    return AgentIn(
        id=agent.id,
        firstname=agent.firstname,
        lastname=agent.lastname,
        number=agent.number,
        context=agent.context,
        queues=[MembershipBody(queue_id=m.queue_id, penalty=m.penalty) for m in agent.queues],
        login=agent.login,
    )


def _agent(agent_id: int, body: AgentIn | AgentReplace) -> Agent:
    return Agent(
        id=agent_id,
        firstname=body.firstname,
        lastname=body.lastname,
        number=body.number,
        context=body.context,
        queues=tuple(Membership(m.queue_id, m.penalty) for m in body.queues),
        login=body.login,
    )


@router.get("", response_model=list[AgentIn])
def list_agents(request: Request, caller: Caller) -> list[AgentIn]:
    return [_out(a) for a in _service(request).list(caller)]


@router.post("", response_model=AgentIn, status_code=201)
def create_agent(request: Request, caller: Caller, body: AgentIn) -> AgentIn:
    return _out(_service(request).create(caller, _agent(body.id, body)))


@router.get("/{agent_id}", response_model=AgentIn)
def get_agent(request: Request, caller: Caller, agent_id: PathId) -> AgentIn:
    return _out(_service(request).get(caller, agent_id))


@router.put("/{agent_id}", response_model=AgentIn)
def replace_agent(
    request: Request, caller: Caller, agent_id: PathId, body: AgentReplace
) -> AgentIn:
    return _out(_service(request).update(caller, _agent(agent_id, body)))


@router.delete("/{agent_id}", status_code=204)
def delete_agent(request: Request, caller: Caller, agent_id: PathId) -> Response:
    _service(request).delete(caller, agent_id)
    return Response(status_code=204)
