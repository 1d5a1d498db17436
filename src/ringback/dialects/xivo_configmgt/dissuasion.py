"""Queue dissuasion (XiVO): where a queue sends the callers it turns away.

The sound files a queue may use are those of the configured directory whose names start with
`<queue name>_`; the queues it may send to are the configured default dissuasion queue, or any
existing queue when set explicitly (for a supervisor: the default one or one of their queues).
The choice is kept per queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ringback.dialects.xivo_configmgt.model import Dissuasion, DissuasionKind
from ringback.dialects.xivo_configmgt.service import XivoStore, XivoTransaction
from ringback.domain import errors
from ringback.domain.people import Principal
from ringback.domain.queues import Queue

SoundFiles = Callable[[], list[str]]


def directory_sound_files(directory: Path) -> SoundFiles:
    """Return a lister of the sound file names (without extension) of `directory`."""

    def names() -> list[str]:
        if not directory.is_dir():
            return []
        return sorted({entry.stem for entry in directory.iterdir() if entry.is_file()})

    return names


@dataclass(frozen=True, slots=True)
class DissuasionView:
    """A queue with its dissuasion (None: neither a sound file nor a queue)."""

    queue: Queue
    dissuasion: Dissuasion | None


@dataclass(frozen=True, slots=True)
class DissuasionChoices:
    """What a queue may be dissuaded to."""

    queue: Queue
    sound_files: list[str]
    queue_names: list[str]


class DissuasionService:
    """Read and set a queue's dissuasion."""

    def __init__(
        self, store: XivoStore, sound_files: SoundFiles, default_queue: str | None
    ) -> None:
        self._store = store
        self._sound_files = sound_files
        self._default_queue = default_queue

    def get(self, actor: Principal, queue_id: int) -> DissuasionView:
        """Return a visible queue's dissuasion."""
        with self._store.transaction(read_only=True) as tx:
            queue = _queue(tx, actor, queue_id)
            return DissuasionView(queue, tx.xivo.get_dissuasion(queue_id))

    def choices(self, actor: Principal, queue_id: int) -> DissuasionChoices:
        """Return the sound files and queues a visible queue may be dissuaded to."""
        with self._store.transaction(read_only=True) as tx:
            queue = _queue(tx, actor, queue_id)
        queues = [self._default_queue] if self._default_queue else []
        return DissuasionChoices(queue, self._files_of(queue), queues)

    def set_sound_file(self, actor: Principal, queue_id: int, sound_file: str) -> Dissuasion:
        """Dissuade a queue's callers to one of its sound files."""
        _may_change(actor)
        with self._store.transaction() as tx:
            queue = _queue(tx, actor, queue_id)
            if sound_file not in self._files_of(queue):
                raise errors.NotFound(
                    f"sound file {sound_file!r} does not exist for queue {queue.name}",
                    kind="File",
                    sound_file=sound_file,
                )
            dissuasion = Dissuasion(queue_id, DissuasionKind.SOUND_FILE, sound_file)
            tx.xivo.put_dissuasion(dissuasion)
        return dissuasion

    def set_queue(self, actor: Principal, queue_id: int, queue_name: str) -> Dissuasion:
        """Dissuade a queue's callers to another existing queue."""
        _may_change(actor)
        with self._store.transaction() as tx:
            _queue(tx, actor, queue_id)
            if not any(self._may_send_to(actor, q, queue_name) for q in tx.queues.all()):
                raise errors.NotFound(f"could not find the queue {queue_name!r}",
                                      kind="Queue", target=queue_name)  # fmt: skip
            dissuasion = Dissuasion(queue_id, DissuasionKind.QUEUE, queue_name)
            tx.xivo.put_dissuasion(dissuasion)
        return dissuasion

    def _may_send_to(self, actor: Principal, target: Queue, queue_name: str) -> bool:
        """Tell whether `target` is the queue named, and one the actor may send calls to.

        A supervisor may choose the default dissuasion queue (the one `dissuasions` offers) or
        one of their own queues; any other queue is not found, so its existence stays hidden.
        """
        if target.name != queue_name:
            return False
        return target.name == self._default_queue or actor.may_see_queue(target.id)

    def _files_of(self, queue: Queue) -> list[str]:
        prefix = f"{queue.name}_"
        return [name for name in self._sound_files() if name.startswith(prefix)]


def _may_change(actor: Principal) -> None:
    user = actor.user
    if user is not None and not user.is_admin and not user.rights.dissuasion_access:
        raise errors.Forbidden(f"{actor.name} may not change dissuasions (dissuasionAccess)")


def _queue(tx: XivoTransaction, actor: Principal, queue_id: int) -> Queue:
    queue = tx.queues.get(queue_id)
    if queue is None or not actor.may_see_queue(queue_id):
        raise errors.NotFound(f"queue {queue_id} does not exist", kind="Queue")
    return queue
