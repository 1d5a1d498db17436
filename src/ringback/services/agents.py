"""Use cases on agents and their queue memberships."""

from __future__ import annotations

import dataclasses

from ringback.domain import errors
from ringback.domain.people import Agent, Principal
from ringback.services import access
from ringback.services.ports import Store, Transaction


class AgentService:
    """Create, read, change and remove agents; a supervisor sees only its queues' agents."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def list(self, actor: Principal) -> list[Agent]:
        """Return the agents that are members of a queue the actor may see."""
        with self._store.transaction() as tx:
            agents = tx.agents.all()
        return [_as_seen_by(actor, agent) for agent in agents if _visible_to(actor, agent)]

    def get(self, actor: Principal, agent_id: int) -> Agent:
        """Return one agent the actor may see."""
        with self._store.transaction() as tx:
            agent = tx.agents.get(agent_id)
        if agent is None or not _visible_to(actor, agent):
            raise errors.NotFound(f"agent {agent_id} does not exist")
        return _as_seen_by(actor, agent)

    def create(self, actor: Principal, agent: Agent) -> Agent:
        """Store a new agent; its id must be free and its queues and user must exist."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            if tx.agents.get(agent.id) is not None:
                raise errors.Conflict(f"agent {agent.id} exists already", field="id")
            _check_references(tx, agent)
            tx.agents.add(agent)
        return agent

    def update(self, actor: Principal, agent: Agent) -> Agent:
        """Replace an agent and its memberships."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            if tx.agents.get(agent.id) is None:
                raise errors.NotFound(f"agent {agent.id} does not exist")
            _check_references(tx, agent)
            tx.agents.update(agent)
        return agent

    def delete(self, actor: Principal, agent_id: int) -> None:
        """Remove an agent."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            if tx.agents.get(agent_id) is None:
                raise errors.NotFound(f"agent {agent_id} does not exist")
            tx.agents.delete(agent_id)


def _visible_to(actor: Principal, agent: Agent) -> bool:
    return actor.is_admin or any(actor.may_see_queue(m.queue_id) for m in agent.queues)


def _as_seen_by(actor: Principal, agent: Agent) -> Agent:
    """Hide the memberships of queues the actor may not see."""
    if actor.is_admin:
        return agent
    visible = tuple(m for m in agent.queues if actor.may_see_queue(m.queue_id))
    return dataclasses.replace(agent, queues=visible)


def _check_references(tx: Transaction, agent: Agent) -> None:
    for member in agent.queues:
        if tx.queues.get(member.queue_id) is None:
            raise errors.Invalid(f"queue {member.queue_id} does not exist", field="queues")
    if agent.login is not None and tx.users.get(agent.login) is None:
        raise errors.Invalid(f"user {agent.login} does not exist", field="login")
