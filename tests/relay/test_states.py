"""The connection's transition table, every state against every event."""

from __future__ import annotations

import itertools

import pytest

from relay.states import Event, InvalidTransition, State, transition

S, E = State, Event
ALLOWED = {
    (S.GREETING, E.ASKED): S.LISTENING,
    (S.GREETING, E.COMPLETED): S.FINISHED,
    (S.GREETING, E.WITHDRAWN): S.WITHDRAWN,
    (S.GREETING, E.ENDED): S.CLOSED,
    (S.LISTENING, E.ANSWERED): S.TAKING,
    (S.LISTENING, E.WITHDRAWN): S.WITHDRAWN,
    (S.LISTENING, E.ENDED): S.CLOSED,
    (S.TAKING, E.ASKED): S.LISTENING,
    (S.TAKING, E.NOT_TAKEN): S.LISTENING,
    (S.TAKING, E.COMPLETED): S.FINISHED,
    (S.TAKING, E.WITHDRAWN): S.WITHDRAWN,
    (S.TAKING, E.ENDED): S.CLOSED,
    (S.FINISHED, E.ENDED): S.CLOSED,
    (S.WITHDRAWN, E.ASKED): S.WITHDRAWN,
    (S.WITHDRAWN, E.NOT_TAKEN): S.WITHDRAWN,
    (S.WITHDRAWN, E.COMPLETED): S.WITHDRAWN,
    (S.WITHDRAWN, E.WITHDRAWN): S.WITHDRAWN,
    (S.WITHDRAWN, E.ENDED): S.CLOSED,
    (S.CLOSED, E.ASKED): S.CLOSED,
    (S.CLOSED, E.NOT_TAKEN): S.CLOSED,
    (S.CLOSED, E.COMPLETED): S.CLOSED,
    (S.CLOSED, E.WITHDRAWN): S.CLOSED,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(State, Event)), ids=lambda v: v.value)
def test_every_state_and_event(state: State, event: Event) -> None:
    if (state, event) in ALLOWED:
        assert transition(state, event) is ALLOWED[state, event]
    else:
        with pytest.raises(InvalidTransition, match=f"{event.value} cannot happen while {state.value}"):
            transition(state, event)
