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

"""nova-ext demo on Nova's in-process cloud (run by tools/run-demo.sh).

Nova's own functional harness (nova-api, conductor, scheduler, placement,
a libvirt nova-compute on fakelibvirt), with patches/ applied to the
installed Nova, nova-ext enabled, and the reference third party on
127.0.0.1 answering asynchronously through POST /os-server-external-events.

It boots three servers and prints each one's life cycle as a user sees it
(API status, task state, the libvirt guest's state): one the third party
approves, one it rejects, one it never answers. Then it shows the
display-name count: test, sample, test, and a 3-server multi-create of test.

The harness is the functional tests' own (nova_ext.testing.harness), so
that the demo shows exactly what the tests check.
"""

import os
import sys

from nova_ext.testing import script
script.setup(os.environ.get('NOVA_EXT_DEMO_LOG', 'demo.log'))

import time  # noqa: E402

from nova.tests.fixtures import libvirt as fakelibvirt  # noqa: E402

from nova_ext.conf import naming as naming_conf  # noqa: E402
from nova_ext.testing import harness  # noqa: E402

GUEST_STATES = {
    None: 'no guest',
    fakelibvirt.VIR_DOMAIN_RUNNING: 'guest RUNNING',
    fakelibvirt.VIR_DOMAIN_PAUSED: 'guest PAUSED',
    fakelibvirt.VIR_DOMAIN_SHUTOFF: 'guest SHUTOFF',
}


say = script.say


class Demo(harness.GateTestBase):
    """The demo, as one run of the functional harness."""

    def _setup_services(self):
        # The API loads the namer when it starts: options and the counter
        # table first (nova-ext-manage db sync on a real cloud).
        naming_conf.register_opts(harness.CONF)
        self.flags(multi_instance_display_name_template_enabled=True,
                   multi_instance_display_name_template='%(name)s%(count)d',
                   force_multi_instance_display_name=True)
        self.useFixture(harness.CounterTable())
        super()._setup_services()

    def life_cycle(self, name, timeout):
        """Boot ``name`` and print every change a user could observe."""
        say('POST /servers  {"name": "%s"}' % name)
        server = self.boot(name, expected=None)
        start = time.monotonic()
        last = None
        while time.monotonic() - start < timeout:
            server = self.api.get_server(server['id'])
            seen = (server['status'], server['OS-EXT-STS:task_state'],
                    self.domain_state(server))
            if seen != last:
                say('  +%5.2fs  %-6s task_state=%-10s %s' % (
                    time.monotonic() - start, seen[0], seen[1],
                    GUEST_STATES.get(seen[2], seen[2])))
                last = seen
            if server['status'] in ('ACTIVE', 'ERROR'):
                break
            time.sleep(0.05)
        return server

    def report(self, label, server):
        _, event = self.gate_event(server)
        say('  display name: %s' % server['name'])
        say('  instance action event %s: %s' % (event['event'],
                                                  event['result']))
        if server['status'] == 'ERROR':
            say('  fault: %s' % server['fault']['message'])
            # The compute frees the allocations right after it set ERROR.
            held = self.wait_for(
                lambda: not self._get_allocations_by_server_uuid(
                    server['id']) and 'freed', timeout=10,
                what='the allocations of %s to be freed' % server['id'])
            say('  released: libvirt guest %s, placement allocations %s' % (
                'gone' if self.domain_state(server) is None else 'LEFT',
                held))
        say('=> %s -> %s' % (label, server['status']))
        say()
        return server['status']

    def test_demo(self):
        tp = self.third_party(mode='async', delay=1.0,
                              reject_name='^rejected',
                              reject_reason='license pool exhausted',
                              ignore_name='^timed-out')
        say('nova-ext demo: Nova %s in-process, libvirt on fakelibvirt, '
            'the reference third party at %s (asynchronous, answers after '
            '1 s; [third_party_gate] timeout = %d s)' % (
                self._nova_version(), tp.url,
                harness.CONF.third_party_gate.timeout))
        say()
        outcomes = []
        for label, name in (('approved', 'approved'),
                            ('rejected', 'rejected'),
                            ('timed out', 'timed-out')):
            say('--- %s ---' % label)
            server = self.life_cycle(name, timeout=30)
            outcomes.append((label, self.report(label, server)))

        say('--- display names (template %(name)s%(count)d, forced) ---')
        names = []
        for name in ('test', 'sample', 'test'):
            server = self.boot(name)
            names.append(server['name'])
            say('create "%s"  -> %s' % (name, server['name']))
        body = self._build_server(name='test', networks='none')
        body.update({'min_count': 3, 'max_count': 3})
        self.api.post_server({'server': body})
        multi = sorted(
            s['name'] for s in self.api.get_servers(detail=True)
            if s['name'] not in names and s['name'].startswith('test')
            and s['name'] not in ('timed-out1',))
        say('create "test" x3 -> %s' % ', '.join(multi))
        say()
        say('Summary: ' + '; '.join('%s -> %s' % o for o in outcomes) +
            '; names: %s, then %s' % (', '.join(names), ', '.join(multi)))
        self.assertEqual([('approved', 'ACTIVE'), ('rejected', 'ERROR'),
                          ('timed out', 'ERROR')], outcomes)
        self.assertEqual(['test1', 'sample1', 'test2'], names)
        self.assertEqual(['test3', 'test4', 'test5'], multi)

    @staticmethod
    def _nova_version():
        from importlib import metadata
        return metadata.version('nova')


if __name__ == '__main__':
    sys.exit(script.run(Demo('test_demo')))
