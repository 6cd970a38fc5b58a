"""Where one candidate connection stands, and the only ways it moves on.

Every change of a connection's state goes through `transition`, which refuses what the table does
not allow, so a move that should not happen raises instead of passing silently. Work that
outlives the socket (an answer being taken, the last words of a dropped answer) may still report
after the connection is over; the table lets such late news leave CLOSED and WITHDRAWN as they are.
"""

from __future__ import annotations

from enum import Enum


class State(Enum):
    GREETING = "greeting"  # admitted: asking the turn service where the interview stands
    LISTENING = "listening"  # a question is out: audio and answers are taken
    TAKING = "taking"  # an answer is with the turn service: another one is refused as busy
    FINISHED = "finished"  # the interview is complete: the last words go out, then the socket closes
    WITHDRAWN = "withdrawn"  # erased or its invite revoked (410): the candidate is told, the socket closes
    CLOSED = "closed"  # the connection is over


class Event(Enum):
    ASKED = "asked"  # a question went out: the greeting's or the next one
    ANSWERED = "answered"  # "done", a typed answer or a long silence: the answer goes to the turn service
    NOT_TAKEN = "not_taken"  # nothing was heard, or the turn failed: the candidate answers again
    COMPLETED = "completed"  # the interview is over
    WITHDRAWN = "withdrawn"  # the turn service answered 410: erased, or its invite revoked
    ENDED = "ended"  # the handler is done with the socket (dropped, closed, or the opening failed)


class InvalidTransition(RuntimeError):
    """An event the connection's state does not allow: a bug, never a candidate's doing."""


_LATE = (Event.ASKED, Event.NOT_TAKEN, Event.COMPLETED, Event.WITHDRAWN)
"""Replies to calls made earlier, which may arrive after the connection is over."""

TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.GREETING, Event.ASKED): State.LISTENING,
    (State.GREETING, Event.COMPLETED): State.FINISHED,
    (State.GREETING, Event.WITHDRAWN): State.WITHDRAWN,
    (State.GREETING, Event.ENDED): State.CLOSED,
    (State.LISTENING, Event.ANSWERED): State.TAKING,
    (State.LISTENING, Event.WITHDRAWN): State.WITHDRAWN,  # a draft was refused
    (State.LISTENING, Event.ENDED): State.CLOSED,
    (State.TAKING, Event.ASKED): State.LISTENING,
    (State.TAKING, Event.NOT_TAKEN): State.LISTENING,
    (State.TAKING, Event.COMPLETED): State.FINISHED,
    (State.TAKING, Event.WITHDRAWN): State.WITHDRAWN,
    (State.TAKING, Event.ENDED): State.CLOSED,
    (State.FINISHED, Event.ENDED): State.CLOSED,
    (State.WITHDRAWN, Event.ENDED): State.CLOSED,
    **{(State.WITHDRAWN, event): State.WITHDRAWN for event in _LATE},
    **{(State.CLOSED, event): State.CLOSED for event in _LATE},
}


def transition(state: State, event: Event) -> State:
    """The state after `event`; InvalidTransition if `state` does not allow it."""
    try:
        return TRANSITIONS[state, event]
    except KeyError:
        raise InvalidTransition(f"{event.value} cannot happen while {state.value}") from None
