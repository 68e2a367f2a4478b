# Copyright 2026 nova-ext developers
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

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
