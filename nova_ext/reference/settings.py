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

"""The settings of the reference third party, checked in one place.

Both the Python API (:class:`~.service.ReferenceThirdParty`) and the
command line (``nova-ext-gate-reference``) go through :class:`Settings`:
a bad value raises :class:`InvalidArgument` naming the setting, which the
command line turns into a usage error naming its flag. Nothing is checked
twice.
"""

import dataclasses
import ipaddress
import math
import re

MODES = ('sync', 'async', 'manual')
DEFAULT_APPROVE_REASON = 'approved by the reference third party'


class InvalidArgument(ValueError):
    """A setting is invalid; ``argument`` names it, ``problem`` says why."""

    def __init__(self, argument, problem):
        super().__init__('%s %s' % (argument, problem))
        self.argument = argument
        self.problem = problem


def _regex(name, pattern):
    if pattern is None or isinstance(pattern, re.Pattern):
        return pattern
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as e:
        raise InvalidArgument(name, 'must be a regular expression; %r is '
                                    'not: %s' % (pattern, e))


def _seconds(name, value, allow_zero):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(name, 'must be a number of seconds, not %r'
                              % (value,))
    if not math.isfinite(value) or value < 0 or (value == 0 and
                                                 not allow_zero):
        raise InvalidArgument(name, 'must be %s, not %r' % (
            'finite and not negative' if allow_zero else
            'positive and finite', value))
    return value


@dataclasses.dataclass
class Settings:
    """How the reference third party listens, checks and decides.

    :param host: IP address (or ``localhost``) to listen on.
    :param port: port to listen on; 0 picks a free one.
    :param secret: str or bytes shared with ``[third_party_gate] secret``
        (kept as bytes); None checks no signature.
    :param mode: ``sync``, ``async`` or ``manual`` (see :mod:`.service`).
    :param reject_name: regex (str or compiled) searched in the display
        name to reject.
    :param ignore_name: regex searched in the display name to never decide.
    :param sync_name: async mode: regex searched in the display name to
        answer synchronously instead (one third party for both kinds of
        answer, as ``benchmarks/aio_gate_bench.py`` needs to interleave
        them).
    :param delay: seconds before the verdict (sync and async).
    :param heartbeat: async only: seconds between ``in-progress`` events.
    :param reject_reason: the reason of rejections (default: ``display name
        matches <regex>``).
    :param approve_reason: the reason of approvals.
    :param fail_first: answer 503 to the first N deliveries of each tag, to
        exercise the gate's retries.
    :param offer_status_url: False leaves ``status_url`` out of pending
        answers (the endpoint still answers).
    :raises InvalidArgument: naming the first bad setting.
    """

    host: str = '127.0.0.1'
    port: int = 0
    secret: bytes = None
    mode: str = 'sync'
    reject_name: re.Pattern = None
    ignore_name: re.Pattern = None
    sync_name: re.Pattern = None
    delay: float = 0.0
    heartbeat: float = None
    reject_reason: str = None
    approve_reason: str = DEFAULT_APPROVE_REASON
    fail_first: int = 0
    offer_status_url: bool = True

    def __post_init__(self):
        if self.mode not in MODES:
            raise InvalidArgument('mode', 'must be one of %s, not %r'
                                  % (', '.join(MODES), self.mode))
        if self.host != 'localhost':
            try:
                ipaddress.ip_address(self.host)
            except ValueError:
                raise InvalidArgument('host', 'must be an IP address or '
                                      'localhost, not %r' % (self.host,))
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise InvalidArgument('port', 'must be an integer between 0 and '
                                          '65535, not %r' % (self.port,))
        self.delay = _seconds('delay', self.delay or 0, allow_zero=True)
        if self.heartbeat is not None:
            self.heartbeat = _seconds('heartbeat', self.heartbeat,
                                      allow_zero=False)
            if self.mode != 'async':
                raise InvalidArgument('heartbeat', 'needs mode async '
                                      '(heartbeats are events; a sync '
                                      'answer has none)')
        if not isinstance(self.fail_first, int) or self.fail_first < 0:
            raise InvalidArgument('fail_first', 'must be a non-negative '
                                  'integer, not %r' % (self.fail_first,))
        if isinstance(self.secret, str):
            self.secret = self.secret.encode('utf-8')
        if self.secret is not None and not self.secret:
            raise InvalidArgument('secret', 'must not be empty; leave it out '
                                            'to check no signature')
        self.reject_name = _regex('reject_name', self.reject_name)
        self.ignore_name = _regex('ignore_name', self.ignore_name)
        self.sync_name = _regex('sync_name', self.sync_name)
        if self.sync_name is not None and self.mode != 'async':
            raise InvalidArgument('sync_name', 'needs mode async (in the '
                                  'other modes it would change nothing)')
