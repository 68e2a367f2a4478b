"""The third-party gate: a spawned guest waits, paused, for a verdict.

``hook`` is patch 0002's entry point and imports the rest only when the gate
is enabled; ``third_party_gate`` dispatches each spawn: ``selection`` picks
the gated ones, ``waiter`` sends the ``request`` through ``client`` and
``transport`` and waits in the ``registry`` for the verdict that ``event``
(patch 0001's external-event extension) delivers, and ``records`` writes
each decision as an instance action event. ``config`` checks the options at
start, ``exception`` holds the faults a user sees and ``extra_specs`` the
flavor extra spec validators.
"""
