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

"""Reference third party of the gate: a reference and test double.

This package is the other side of the gate protocol, real enough to run the
gate end to end (functional tests, the demo, benchmarks, DevStack, the
all-in-one cloud) and small enough to read as an example. It is **not a
production service**: it keeps everything in memory and decides by name
patterns. A production third party must add at least:

* authentication of Nova's requests: always a ``[third_party_gate] secret``
  (the HMAC signature is then checked) and TLS (``https`` URL), since the
  signature protects integrity, not confidentiality;
* durable state, so that a restart does not forget pending gate requests
  (the gate's status endpoint query relies on it);
* high availability (several instances behind one URL, sharing that state);
* an audit trail of every request and verdict, and who decided it;
* rate limits and request size limits suited to its own load;
* its own policy engine instead of display-name patterns, and credentials
  for Nova holding only the ``third_party_gate_reporter`` role.

What lives here, one job per module:

``protocol``
    Header names, HMAC signing and the checks of a request's fields.
``settings``
    The service's settings, each checked once (the API and the command line
    share them).
``records``
    What was received, decided and posted; thread-safe, capped, waitable.
``service``
    ``ReferenceThirdParty``: the rules, decisions and verdicts.
``transport``
    The HTTP server and request handler.
``events``
    Posting ``third-party-gate`` events to Nova through keystoneauth1.
``fixture``
    A ``fixtures.Fixture`` running the service for a test.

The console script ``nova-ext-gate-reference`` is
:mod:`nova_ext.cmd.gate_reference`.
"""
