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

"""Tests of the gate's start-time configuration checks."""

import logging
import os

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from nova_ext.conf import third_party_gate as gate_conf
from nova_ext.gate import config
from nova_ext.gate import exception


class ConfigTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        self.conf = self.useFixture(config_fixture.Config(cfg.ConfigOpts()))
        gate_conf.register_opts(self.conf.conf)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.pem = os.path.join(self.tmp, 'ok.pem')
        with open(self.pem, 'w') as f:
            f.write('-----BEGIN CERTIFICATE-----\n')

    def validate(self, **flags):
        flags.setdefault('enabled', True)
        flags.setdefault('url', 'https://gate.example.test/gate')
        self.conf.config(group='third_party_gate', **flags)
        config.validate(self.conf.conf.third_party_gate)


class TestTLSFiles(ConfigTestCase):

    def test_readable_files(self):
        self.validate(ca_file=self.pem, client_cert=self.pem,
                      client_key=self.pem)

    def test_missing_or_unreadable_file_names_the_option(self):
        missing = os.path.join(self.tmp, 'missing.pem')
        # A directory cannot be read as a file, even by root.
        for unreadable in (missing, self.tmp):
            for name in config.TLS_FILE_OPTIONS:
                flags = {'ca_file': self.pem, 'client_cert': self.pem,
                         'client_key': self.pem, name: unreadable}
                exc = self.assertRaises(exception.GateConfigError,
                                        self.validate, **flags)
                self.assertIn('[third_party_gate] %s names a file '
                              'nova-compute cannot read: ' % name, str(exc))
                self.assertIn(unreadable, str(exc))

    def test_not_checked_when_the_gate_is_off(self):
        # A disabled gate must not stop nova-compute.
        self.validate(enabled=False, ca_file='/nonexistent/ca.pem')


class TestUnauthenticatedWarning(ConfigTestCase):

    def warnings(self):
        return [line for line in self.log.output.splitlines()
                if 'plain http URL' in line]

    def test_http_without_secret(self):
        self.validate(url='http://gate.example.test/gate')
        [line] = self.warnings()
        self.assertIn('[third_party_gate] secret is not set', line)
        self.assertIn('anyone on the network path can approve boots', line)

    def test_http_with_secret(self):
        self.validate(url='http://gate.example.test/gate', secret='k')
        [line] = self.warnings()
        self.assertIn('signs only the requests', line)

    def test_https_or_disabled_is_quiet(self):
        self.validate(secret='k')
        self.validate()
        self.validate(enabled=False, url='http://gate.example.test/gate')
        self.assertEqual([], self.warnings())


class TestSelectors(ConfigTestCase):

    def test_parse_selector(self):
        self.validate(flavor_extra_spec=' a:b = c ')
        self.assertEqual(('a:b', 'c'), config.parse_selector(
            self.conf.conf.third_party_gate, 'flavor_extra_spec'))
        self.assertIsNone(config.parse_selector(
            self.conf.conf.third_party_gate, 'image_property'))


class TestValues(ConfigTestCase):

    def load(self, line):
        path = os.path.join(self.tmp, 'nova.conf')
        with open(path, 'w') as f:
            f.write('[third_party_gate]\n%s\n' % line)
        self.conf.conf(['--config-file', path])

    def test_out_of_range_value_refuses_to_start_naming_the_option(self):
        # Read only at the first gated boot otherwise: after its request
        # went out, failing that boot and every later one.
        self.load('early_verdict_window = 5')
        exc = self.assertRaises(exception.GateConfigError, self.validate)
        self.assertIn('[third_party_gate] early_verdict_window: ', str(exc))
        self.assertIn('less than or equal to 1', str(exc))

    def test_not_checked_when_the_gate_is_off(self):
        self.load('early_verdict_window = 5')
        self.validate(enabled=False)
