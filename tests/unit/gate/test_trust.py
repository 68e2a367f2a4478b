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

"""The gate's trust boundaries: what users, logs and other hosts get.

* The fault and the instance action event a user reads say what happened,
  never the third party's hosts, ports or errors (those are logged).
* A 401 or 403 is a configuration error: logged as such and enforced even
  under ``failure_policy = continue``.
* The tag never appears whole in a log line at INFO or above.
"""

import logging
import socket
import time

import fixtures
from nova import objects

from nova_ext.gate import client as gate_client
from nova_ext.gate import event
from nova_ext.gate import exception
from nova_ext.gate import selection
from nova_ext.gate import third_party_gate as driver
from nova_ext.gate import waiter as gate_waiter
from tests.unit.gate import fakes
from tests.unit.gate import test_third_party_gate as test_driver


class TrustTestCase(test_driver.GateTestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            level=logging.INFO, format='%(levelname)s %(message)s'))

    def start(self):
        waiter = self.gate.start(self.context, self.instance())
        self.assertIsNotNone(waiter)
        return waiter


class TestFaultTexts(TrustTestCase):

    def closed_port(self):
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        return port

    def test_unreachable_fault_names_no_host_port_or_error(self):
        port = self.closed_port()
        self.flags(url='http://127.0.0.1:%d/gate' % port,
                   group='third_party_gate')
        exc = self.assertRaises(exception.GateUndeliverable,
                                self.start().wait)
        self.assertEqual('Third-party gate could not be reached',
                         exc.gate_reason)
        self.assertEqual('Build of instance %s aborted: Third-party gate '
                         'could not be reached' % test_driver.UUID,
                         exc.format_message())
        self.assertEqual('Third-party gate could not be reached',
                         self.failure_message())
        # The operator still gets the whole story.
        self.assertIn('Third-party gate request to http://127.0.0.1:%d/gate '
                      'could not be delivered: ConnectionError' % port,
                      self.log.output)

    def test_continue_record_names_no_error(self):
        self.third_party(fakes.Answer(raw=b'<html>oops</html>'))
        self.flags(failure_policy='continue', group='third_party_gate')
        self.assertEqual(gate_waiter.CONTINUE, self.start().wait())
        self.assertEqual('Third-party gate could not be reached '
                         '(failure_policy=continue: the server was let '
                         'through)', self.failure_message())
        self.assertIn('answer is not valid JSON', self.log.output)

    def test_rejection_and_timeout_say_what_happened(self):
        self.third_party(fakes.Answer(body={'status': 'failed',
                                            'reason': 'no licence'}))
        exc = self.assertRaises(exception.GateRejected, self.start().wait)
        self.assertEqual('Third-party gate rejected the server: no licence',
                         exc.gate_reason)
        self.third_party(fakes.Answer(code=202))
        exc = self.assertRaises(exception.GateTimedOut, self.start().wait)
        self.assertEqual('Third-party gate gave no verdict within 1 seconds',
                         exc.gate_reason)


class TestAuthRefused(TrustTestCase):

    def test_401_403_fail_closed_under_continue(self):
        for code in (401, 403):
            tp = self.third_party(fakes.Answer(code=code))
            self.flags(failure_policy='continue', max_retries=2,
                       group='third_party_gate')
            self.failure.mock.reset_mock()
            exc = self.assertRaises(exception.GateAuthRefused,
                                    self.start().wait)
            self.assertIn('refused the request as unauthorized', str(exc))
            self.assertNotIn(str(code), exc.gate_reason)
            self.assertEqual(exc.gate_reason, self.failure_message())
            # Not retried: the answer will not change.
            self.assertEqual(1, len(tp.requests))
            self.assertIn('ERROR Third-party gate configuration error: %s '
                          'refused '
                          'with HTTP %d' % (tp.url, code), self.log.output)

    def test_other_4xx_still_follows_failure_policy(self):
        self.third_party(fakes.Answer(code=404))
        self.flags(failure_policy='continue', group='third_party_gate')
        self.assertEqual(gate_waiter.CONTINUE, self.start().wait())

    def test_audit_still_never_blocks(self):
        self.third_party(fakes.Answer(code=401))
        self.flags(mode='audit', group='third_party_gate')
        self.assertIsNone(self.gate.start(self.context, self.instance()))
        for _ in range(100):
            if self.failure.mock.called:
                break
            time.sleep(0.05)
        self.assertEqual(
            'Third-party gate refused the request as unauthorized (a '
            'configuration error of the cloud) (audit mode: the server was '
            'let through)', self.failure_message())
        self.assertIn('ERROR Third-party gate configuration error',
                      self.log.output)

    def test_status_lookup_401_logged_as_configuration_error(self):
        tp = self.third_party()
        tp.script(fakes.Answer(code=202, body={
            'status': 'pending', 'status_url': tp.status_url}),
            fakes.Answer(code=401))
        self.assertRaises(exception.GateTimedOut, self.start().wait)
        self.assertIn('ERROR Third-party gate configuration error: %s '
                      'refused with HTTP 401' % tp.status_url,
                      self.log.output)


class TestTagNotLogged(TrustTestCase):

    def test_tag_shortened_in_every_line(self):
        self.third_party(fakes.Answer(code=202))
        waiter = self.start()
        self.deliver_later('in-progress', lambda: waiter.tag, 0.1)
        self.deliver_later('completed', lambda: waiter.tag, 0.3)
        self.assertEqual(gate_waiter.APPROVE, waiter.wait())
        inst = self.instance()
        event.handle(self.context, inst, objects.InstanceExternalEvent(
            name=event.EVENT_NAME, tag=waiter.tag, status='completed',
            instance_uuid=inst.uuid))
        waiter.join()
        output = self.log.output
        self.assertIn('tag %s' % event.tag_id(waiter.tag), output)
        self.assertIn('Ignoring third-party-gate event', output)
        self.assertNotIn(waiter.tag, output)
        self.assertNotIn(waiter.tag[:12], output)

    def test_nova_api_line_shortened(self):
        # The line nova-api logs for every event it creates.
        api_log = logging.getLogger(event._API_LOGGER)
        tag = 'S3cr3tT4gS3cr3tT4gS3cr3tT4g'
        for name in (event.EVENT_NAME, 'network-vif-plugged'):
            api_log.info('Creating event %(name)s:%(tag)s for instance '
                         '%(instance_uuid)s on %(host)s',
                         {'name': name, 'tag': tag,
                          'instance_uuid': test_driver.UUID,
                          'host': 'compute1'})
        self.assertIn('Creating event third-party-gate:S3cr3t... for '
                      'instance', self.log.output)
        # Nova's own events are left alone.
        self.assertIn('network-vif-plugged:%s' % tag, self.log.output)


class TestSelectorsCombine(TrustTestCase):
    """A user-controlled image property can add boots, never remove one."""

    def test_image_property_cannot_take_out_a_selected_boot(self):
        conf = driver.CONF.third_party_gate
        self.flags(flavor_extra_spec='third_party_gate:enabled=true',
                   image_property='third_party_gate=required',
                   group='third_party_gate')
        inst = self.instance(system_metadata={
            'image_third_party_gate': 'not-required'})
        inst.flavor.extra_specs = {'third_party_gate:enabled': 'true'}
        self.assertTrue(selection.is_selected(conf, inst))
        self.flags(flavor_extra_spec=None, projects=['project'],
                   group='third_party_gate')
        self.assertTrue(selection.is_selected(conf, inst))


class TestTagInStatusUrls(TrustTestCase):
    """A status URL may hold the tag (the reference's does): logs show a
    prefix of it, whatever happens to the lookup.
    """

    def test_redact(self):
        tag = 'AbC123-_xyz'
        self.assertEqual('http://h/status/AbC123...?t=AbC123...',
                         event.redact('http://h/status/%s?t=%s' % (tag, tag),
                                      tag))
        self.assertIsNone(event.redact(None, tag))
        self.assertEqual('x', event.redact('x', None))

    def test_failed_and_refused_lookups(self):
        tp = self.third_party()
        for answer in (fakes.Answer(code=503), fakes.Answer(code=401),
                       fakes.Answer(raw=b'not json')):
            waiter = gate_waiter.GateWaiter(driver.CONF.third_party_gate,
                                       self.context, self.instance(), 'boot')
            waiter.status_url = '%s/%s' % (tp.status_url, waiter.tag)
            tp.script(answer)
            self.assertIsNone(waiter._lookup())
            self.assertIn('/status/%s' % event.tag_id(waiter.tag),
                          self.log.output)
            self.assertNotIn(waiter.tag, self.log.output)
            waiter.join()

    def test_unreachable_lookup_and_other_origin(self):
        waiter = gate_waiter.GateWaiter(driver.CONF.third_party_gate,
                                   self.context, self.instance(), 'boot')
        waiter.status_url = 'http://127.0.0.1:9/status/%s' % waiter.tag
        self.assertIsNone(waiter._lookup())
        self.flags(url='http://127.0.0.1:1/gate', group='third_party_gate')
        waiter.client = gate_client.GateClient(
            driver.CONF.third_party_gate)
        self.assertIsNone(waiter._lookup())
        self.assertIn('is not on the origin of', self.log.output)
        self.assertIn('ConnectionError', self.log.output)
        self.assertNotIn(waiter.tag, self.log.output)

    def test_reason_quoting_the_tag(self):
        waiter = gate_waiter.GateWaiter(driver.CONF.third_party_gate,
                                   self.context, self.instance(), 'boot')
        exc = self.assertRaises(
            exception.GateRejected, waiter._enforce, gate_waiter.REJECTED,
            'tag %s is not allowed' % waiter.tag)
        self.assertNotIn(waiter.tag, str(exc))
        self.assertNotIn(waiter.tag, self.failure_message())
        self.assertIn(event.tag_id(waiter.tag), str(exc))
