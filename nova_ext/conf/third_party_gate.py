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

"""Options of the ``[third_party_gate]`` group (read by nova-compute)."""

from oslo_config import cfg

GROUP_NAME = 'third_party_gate'

third_party_gate_group = cfg.OptGroup(
    GROUP_NAME,
    title='Third-party gate options',
    help="""
The third-party gate holds a new libvirt guest PAUSED until an external system
(license server, CMDB, security scanner...) approves it by posting a
``third-party-gate`` event to ``POST /os-server-external-events``. A rejected
or timed-out boot ends in ERROR and releases everything the server held.

These options are read by nova-compute.
""")

OPERATIONS = ('boot',)

third_party_gate_opts = [
    cfg.BoolOpt(
        'enabled',
        default=False,
        help="""
Ask the third party for a verdict before a new guest runs.

When enabled, nova-compute sends a gate request to ``url`` for every gated
boot, creates the libvirt guest paused and resumes it only once the third
party approved it.

Related options:

* ``url``: must be set when this is enabled.
* ``mode``: ``audit`` sends the requests but never blocks a boot.
"""),
    cfg.URIOpt(
        'url',
        schemes=['http', 'https'],
        help="""
URL to which the gate request is POSTed.

The request body is JSON describing the server (see "The third-party
protocol" in nova-ext's documentation). The third party answers either
synchronously, with its verdict in the response body, or asynchronously,
with a ``third-party-gate`` external event that carries the request's
``tag``.

Use ``https``: over plain ``http`` nothing authenticates the third party's
answer, so anyone on the network path could approve boots, and nova-compute
logs a warning at start saying so. A ``status_url`` in the third party's
answer is followed only when it has the scheme, host and port of this URL.

Possible values:

* An ``http`` or ``https`` URL. Required when ``enabled`` is true.

Related options:

* ``secret``: signs the request body.
* ``ca_file``, ``client_cert``, ``client_key``: TLS settings for https.
"""),
    cfg.StrOpt(
        'mode',
        default='enforce',
        choices=[
            ('enforce', 'The verdict decides: approval resumes the guest, '
                        'rejection puts the server in ERROR.'),
            ('audit', 'The request is sent and the verdict is recorded as '
                      'an instance action event and logged, but the boot '
                      'goes on whatever the verdict. Use it to roll the '
                      'gate out.'),
        ],
        help="""
Whether the verdict is enforced or only recorded.

``audit`` is for rolling the gate out: the third party sees every gated boot
and its verdicts are recorded as instance action events and logged, while
no boot waits for it or fails because of it. Switch to ``enforce`` once the
verdicts are the ones expected.

Related options:

* ``enabled``: must be true in either mode.
"""),
    cfg.IntOpt(
        'timeout',
        default=300,
        min=1,
        help="""
Number of seconds to wait for the verdict.

This budget is the gate's own and is separate from ``vif_plugging_timeout``;
both waits happen while the guest is paused, and the gate request is sent
as the guest is created so that the two waits overlap. A heartbeat event
(status ``in-progress``) restarts the wait, up to ``max_total_wait``.

A guest waiting at the gate holds one of nova-compute's build slots for the
whole wait.

Possible values:

* Any positive integer, in seconds.

Related options:

* ``timeout_action``: what happens when no verdict arrives in time.
* ``max_total_wait``: the cap on heartbeat extensions.
* ``[DEFAULT] max_concurrent_builds``: the build slots; under the threading
  concurrency backend builds and snapshots share one pool sized at the
  larger of it and ``[DEFAULT] max_concurrent_snapshots``.
"""),
    cfg.IntOpt(
        'max_total_wait',
        default=3600,
        min=1,
        help="""
Maximum number of seconds a guest may wait at the gate, heartbeats included.

Heartbeats (``in-progress`` events) extend the deadline by ``timeout``
seconds each time, but never past this many seconds after the gate request
was sent.

Possible values:

* A positive integer, in seconds, not smaller than ``timeout``.

Related options:

* ``timeout``
"""),
    cfg.StrOpt(
        'timeout_action',
        default='fail',
        choices=[
            ('fail', 'The server goes to ERROR and its resources are '
                     'released.'),
            ('continue', 'The guest is resumed as if approved; the timeout '
                         'is recorded and logged.'),
        ],
        help="""
What to do when no verdict arrives before the deadline.

Before applying this action the gate asks the third party's status endpoint,
when one was offered, so that a lost event does not fail a boot.
"""),
    cfg.StrOpt(
        'failure_policy',
        default='fail',
        choices=[
            ('fail', 'The server goes to ERROR and its resources are '
                     'released.'),
            ('continue', 'The guest is resumed as if approved; the failure '
                         'is recorded and logged.'),
        ],
        help="""
What to do when the gate request cannot be delivered.

A request is undeliverable when every try (see ``max_retries``) failed with a
connection error, a timeout, a 5xx answer, or an answer that is not valid
JSON or is larger than 256 KiB, or when a 4xx answer said the request itself
was refused.

A 401 or 403 answer is not a delivery failure but a configuration error
(``secret``, ``client_cert`` or ``client_key`` do not match the third
party's settings): it is logged as an ERROR and the boot fails even with
``continue``, so that a gate that cannot authenticate never turns into no
gate at all. In ``audit`` mode the boot still goes on.
"""),
    cfg.StrOpt(
        'secret',
        secret=True,
        help="""
Key for the HMAC-SHA256 signature of the gate request body.

When set, every request carries the header
``X-Nova-Ext-Signature: sha256=<hex digest of the body>`` so that the third
party can check that the request comes from Nova. Leave unset only on a
trusted network: with an ``http`` URL and no secret, nova-compute warns at
start that requests are unsigned and verdicts unauthenticated.
"""),
    cfg.StrOpt(
        'ca_file',
        help="""
CA bundle used to verify the third party's TLS certificate.

Possible values:

* A path to a PEM file that nova-compute can read; when the gate is
  enabled and the file is missing or unreadable, nova-compute refuses to
  start. When unset, the system's CA bundle is used.
"""),
    cfg.StrOpt(
        'client_cert',
        help="""
Client certificate (PEM) presented to the third party over TLS.

Possible values:

* Unset (default): no client certificate.
* A path to a PEM file that nova-compute can read; when the gate is
  enabled and the file is missing or unreadable, nova-compute refuses to
  start.

Related options:

* ``client_key``: its private key, when it is not in the same file.
"""),
    cfg.StrOpt(
        'client_key',
        help="""
Private key (PEM) of ``client_cert``.

Possible values:

* Unset (default): the key is in ``client_cert``'s file.
* A path to a PEM file that nova-compute can read; when the gate is
  enabled and the file is missing or unreadable, nova-compute refuses to
  start.

Related options:

* ``client_cert``
"""),
    cfg.BoolOpt(
        'insecure',
        default=False,
        help="""
Skip verification of the third party's TLS certificate.

Only for testing: anyone on the path could then approve boots.
"""),
    cfg.FloatOpt(
        'request_timeout',
        default=10.0,
        min=0.1,
        help="""
Seconds one HTTP exchange with the third party may take, as a whole.

The bound covers the connection, the request and the whole answer, not
each read: a third party (or a proxy) that trickles its answer a byte at a
time is cut off all the same. Each try of the gate request is further
capped by whatever is left of the gate's deadline (``timeout``); a status
lookup made at that deadline may add up to this many seconds. Answers
larger than 256 KiB are not read. Name resolution is not bounded by it.

Possible values:

* A positive number of seconds.

Related options:

* ``timeout``, ``max_retries``
"""),
    cfg.IntOpt(
        'max_retries',
        default=3,
        min=0,
        help="""
How many times a failed gate request is sent again.

Retries back off exponentially from ``retry_backoff`` seconds and stop at the
gate's deadline, whichever comes first.

Related options:

* ``retry_backoff``
* ``failure_policy``: applied when every try failed.
"""),
    cfg.FloatOpt(
        'retry_backoff',
        default=0.5,
        min=0.0,
        help="""
Seconds to wait before the first retry; each further retry waits twice as
long as the previous one.
"""),
    cfg.FloatOpt(
        'early_verdict_window',
        default=0.1,
        min=0.0,
        max=1.0,
        help="""
Seconds nova-compute waits, before it creates the guest, for a verdict
already on its way.

When the third party approves within this window (a synchronous answer, or
an asynchronous event that reaches nova-compute that fast), the guest is
created running: no pause, no resume, and the approval is recorded as
usual. Otherwise the guest is created paused, as it always is when the
verdict is not known yet, and runs once the verdict approves it. Only an
approval of this very request, in ``enforce`` mode, creates a guest running:
a rejection, an error, a request still in flight or a ``pending`` answer
leaves the decision to the usual wait, which destroys the paused guest of a
rejected boot.

The trade-off: the window is spent before the guest is created, so a third
party that answers just after it (between the window's end and the end of
the guest's creation) adds up to this many seconds to the boot, while a
verdict inside it saves the pause and the resume (two more libvirt calls
and lifecycle events). A third party that takes seconds costs nothing
either way: its wait overlaps the guest's creation.

Possible values:

* ``0``: always create the guest paused and resume it after the verdict.
* A number of seconds up to 1: the default (0.1) covers a synchronous
  answer and an asynchronous event from a third party that answers at once
  on a nearby network.

Related options:

* ``mode``: in ``audit`` mode no guest waits, so this has no effect.
* ``request_timeout``: a request still unanswered at the window's end is
  left to the usual wait.
"""),
    cfg.ListOpt(
        'operations',
        default=['boot'],
        item_type=cfg.types.String(choices=OPERATIONS),
        help="""
Operations that go through the gate.

Only ``boot`` (a new server's first spawn) is gated. Rebuild, evacuate and
unshelve are not: their failure paths keep the server's resources and leave
it for the operator to recover, so a rejection there could not release
"everything the server held" the way a rejected boot does. The option exists
so that they can be added without changing the configuration format.

Possible values:

* ``boot``
"""),
    cfg.StrOpt(
        'flavor_extra_spec',
        help="""
Gate only boots whose flavor has this extra spec.

Flavor extra specs are set by administrators, so this selector (or
``projects``) is the one to use when the gate enforces a policy.

Possible values:

* Unset (default): the flavor does not select.
* ``KEY=VALUE``: boots whose flavor has extra spec KEY set to VALUE are
  gated, e.g. ``third_party_gate:enabled=true``. The extra spec
  ``third_party_gate:enabled`` is known to Nova's extra spec validation.

Related options:

* ``image_property``, ``projects``: when any selector is set, a boot is
  gated if any of them matches; when none is set, every boot is gated.
"""),
    cfg.StrOpt(
        'image_property',
        help="""
Gate only boots whose image has this property.

This selector is not a security boundary: users set the properties of
their own images, so a user can boot ungated by booting from a copy of the
image without the property. Use it to gate images for convenience (say, to
register licensed images with the third party); to enforce a policy, use
``flavor_extra_spec`` (set by administrators) or ``projects``, or no
selector at all (every boot is gated).

Possible values:

* Unset (default): the image does not select.
* ``KEY=VALUE``: boots from an image whose property KEY equals VALUE are
  gated, e.g. ``third_party_gate=required``.

Related options:

* ``flavor_extra_spec``, ``projects``
"""),
    cfg.ListOpt(
        'projects',
        default=[],
        help="""
Gate only boots in these projects.

Set by the operator, so this selector (or ``flavor_extra_spec``) can
enforce a policy.

Possible values:

* Empty (default): the project does not select.
* A list of project IDs.

Related options:

* ``flavor_extra_spec``, ``image_property``
"""),
]


def register_opts(conf):
    conf.register_group(third_party_gate_group)
    conf.register_opts(third_party_gate_opts, group=third_party_gate_group)


def list_opts():
    return [(third_party_gate_group, third_party_gate_opts)]
