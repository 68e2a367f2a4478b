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

"""Tests of the ``nova-ext-gate-reference`` command line.

They live with the reference third party's tests because they share its
helpers (``base``, ``fakes``).
"""

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
from unittest import mock

import fixtures
from keystoneauth1.identity import generic
from keystoneauth1 import noauth
from oslotest import base
import requests

from nova_ext.cmd import gate_reference
from nova_ext.reference import events
from nova_ext.reference import protocol
from nova_ext.reference import settings
from tests.unit.reference import base as ref_base
from tests.unit.reference import fakes

ENV_VARS = ('OS_CLOUD', 'OS_AUTH_TYPE', 'OS_AUTH_PLUGIN', 'OS_AUTH_URL',
            'OS_ENDPOINT_OVERRIDE', 'OS_REGION_NAME', 'OS_INTERFACE',
            'OS_CLIENT_CONFIG_FILE')


class CLITestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        for name in ENV_VARS:
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def assertUsageError(self, argv, *texts):
        stderr = io.StringIO()
        with mock.patch('sys.stderr', stderr):
            e = self.assertRaises(SystemExit, gate_reference.main, argv)
        self.assertEqual(2, e.code)
        for text in texts:
            self.assertIn(text, stderr.getvalue())

    def parse(self, argv):
        parser = gate_reference.build_parser(argv)
        return parser, parser.parse_args(argv)


class TestArgumentErrors(CLITestCase):
    """Bad values: the service's settings refuse them, the flag is named."""

    def test_invalid_regex_names_the_flag(self):
        self.assertUsageError(['--reject-name', '(unclosed'],
                              '--reject-name must be a regular expression',
                              "'(unclosed' is not")
        self.assertUsageError(['--ignore-name', '[a-'],
                              '--ignore-name must be a regular expression')

    def test_numbers(self):
        self.assertUsageError(['--delay', '-1'],
                              '--delay must be finite and not negative')
        self.assertUsageError(['--delay', 'soon'],
                              "argument --delay: invalid float value")
        self.assertUsageError(['--delay', 'nan'],
                              '--delay must be finite and not negative')
        self.assertUsageError(['--mode', 'async', '--compute-endpoint',
                               'http://127.0.0.1:1', '--heartbeat', '0'],
                              '--heartbeat must be positive')
        self.assertUsageError(['--port', '65536'],
                              '--port must be an integer between 0 and')
        self.assertUsageError(['--port', 'http'],
                              "argument --port: invalid int value")
        self.assertUsageError(['--fail-first', '-2'],
                              '--fail-first must be a non-negative integer')
        self.assertUsageError(['--fail-first', 'x'], '--fail-first')

    def test_mode(self):
        self.assertUsageError(['--mode', 'later'], '--mode')
        self.assertUsageError(['--heartbeat', '2'],
                              '--heartbeat needs mode async')
        self.assertUsageError(['--mode', 'async'],
                              '--mode async needs Nova credentials')
        self.assertUsageError(['--sync-name', '^now'],
                              '--sync-name needs mode async')

    def test_secrets(self):
        self.assertUsageError(['--secret', 'a', '--secret-file', 'b'],
                              'not allowed with argument')
        missing = os.path.join(self.tmp, 'missing')
        self.assertUsageError(['--secret-file', missing],
                              '--secret-file %s cannot be read' % missing)
        empty = os.path.join(self.tmp, 'empty')
        with open(empty, 'w') as f:
            f.write('\n')
        self.assertUsageError(['--secret-file', empty],
                              '--secret-file must not be empty')
        self.assertUsageError(['--secret', ''], '--secret must not be empty')

    def test_every_setting_error_names_its_flag(self):
        # Each setting maps to the flag that sets it: a setting without a
        # flag of that name would give a usage error naming an option that
        # does not exist. (approve_reason has no flag; offer_status_url is
        # the store_false --no-status-url, which cannot be invalid.)
        parser, args = self.parse([])
        flags = {option for action in parser._actions
                 for option in action.option_strings}
        arguments = {f.name for f in dataclasses.fields(settings.Settings)}
        arguments -= {'approve_reason', 'offer_status_url'}
        self.assertIn('fail_first', arguments)
        for argument in sorted(arguments):
            stderr = io.StringIO()
            with mock.patch('sys.stderr', stderr):
                self.assertRaises(
                    SystemExit, gate_reference._usage_error, parser, args,
                    settings.InvalidArgument(argument, 'is wrong'))
            flag = stderr.getvalue().rsplit('error: ', 1)[1].split()[0]
            self.assertIn(flag, flags)
            self.assertIn('%s is wrong' % flag, stderr.getvalue())

    def test_extra_header(self):
        self.assertUsageError(['--extra-header', 'no colon'],
                              "--extra-header needs 'Name: value'")
        self.assertUsageError(['--extra-header', 'Bad Name: x'],
                              '--extra-header')

    def test_host(self):
        self.assertUsageError(['--host', 'example.com'],
                              '--host must be an IP address or localhost')

    def test_endpoint(self):
        self.assertUsageError(['--compute-endpoint', 'ftp://x'],
                              'compute endpoint must be an http(s) URL')

    def test_unknown_auth_type(self):
        stderr = io.StringIO()
        with mock.patch('sys.stderr', stderr):
            self.assertEqual(
                2, gate_reference.main(['--os-auth-type', 'nope']))
        self.assertIn('--os-auth-type', stderr.getvalue())

    def test_unknown_cloud(self):
        with open(os.path.join(self.tmp, 'clouds.yaml'), 'w') as f:
            f.write('clouds: {}\n')
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', os.path.join(self.tmp, 'clouds.yaml')))
        self.assertUsageError(['--mode', 'async', '--os-cloud', 'nowhere'],
                              '--os-cloud nowhere')

    def test_missing_auth_options(self):
        self.assertUsageError(['--mode', 'async', '--os-auth-type',
                               'password'],
                              'cannot set up the compute API client')


class TestPosterLoading(CLITestCase):

    def test_noauth_endpoint_and_headers(self):
        parser, args = self.parse([
            '--compute-endpoint', 'http://127.0.0.1:9/v2.1',
            '--extra-header', 'X-Roles: third_party_gate_reporter',
            '--extra-header', 'X-Auth-Project-Id:p'])
        poster = gate_reference._load_poster(parser, args)
        self.assertIsInstance(poster.adapter.session.auth, noauth.NoAuth)
        self.assertEqual('http://127.0.0.1:9/v2.1',
                         poster.adapter.endpoint_override)
        self.assertEqual({'X-Roles': 'third_party_gate_reporter',
                          'X-Auth-Project-Id': 'p'},
                         poster.adapter.additional_headers)

    def test_keystoneauth_options(self):
        argv = ['--os-auth-type', 'password',
                '--os-auth-url', 'http://127.0.0.1:9/identity',
                '--os-username', 'gate', '--os-password', 'pw',
                '--os-project-name', 'service',
                '--os-user-domain-id', 'default',
                '--os-project-domain-id', 'default',
                '--os-interface', 'internal', '--os-region-name', 'R1']
        parser, args = self.parse(argv)
        poster = gate_reference._load_poster(parser, args)
        self.assertIsInstance(poster.adapter.session.auth, generic.Password)
        self.assertEqual('compute', poster.adapter.service_type)
        self.assertEqual('internal', poster.adapter.interface)
        self.assertEqual('R1', poster.adapter.region_name)
        self.assertIsNone(poster.adapter.endpoint_override)
        parser, args = self.parse(argv + ['--timeout', '5'])
        poster = gate_reference._load_poster(parser, args)
        self.assertEqual(5.0, poster.adapter.session.timeout)

    def test_os_auth_url_implies_password(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_AUTH_URL', 'http://127.0.0.1:9/identity'))
        parser, args = self.parse(['--os-username', 'gate'])
        self.assertEqual('password', args.os_auth_type)

    def test_nothing(self):
        parser, args = self.parse([])
        self.assertIsNone(gate_reference._load_poster(parser, args))


class TestCommand(CLITestCase):
    """Run the real console script code in a child process."""

    def run_cmd(self, *argv, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.Popen(
            [sys.executable, '-m', 'nova_ext.cmd.gate_reference'] + list(argv),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env,
            text=True)
        self.addCleanup(self._reap, proc)
        line = proc.stdout.readline()
        self.assertIn('nova-ext-gate-reference listening on http://', line,
                      proc.stderr.read() if not line else line)
        return proc, line.split()[-1]

    @staticmethod
    def _reap(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()

    def stop(self, proc):
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(0, proc.wait(timeout=30))
        return proc.stderr.read()

    def post(self, url, body, secret=None):
        raw = json.dumps(body).encode('utf-8')
        headers = {protocol.TAG_HEADER: body['tag']}
        if secret:
            headers[protocol.SIGNATURE_HEADER] = protocol.sign(secret, raw)
        return requests.post(url, data=raw, headers=headers, timeout=30)

    def test_sync_with_secret_file(self):
        secret_file = os.path.join(self.tmp, 'secret')
        with open(secret_file, 'w') as f:
            f.write('s3cret\n')
        proc, url = self.run_cmd('--secret-file', secret_file,
                                 '--reject-name', '^bad')
        body = ref_base.gate_body(display_name='bad-1')
        self.assertEqual(401, self.post(url, body, 'wrong').status_code)
        resp = self.post(url, body, 's3cret')
        self.assertEqual({'status': 'failed',
                          'reason': 'display name matches ^bad'},
                         resp.json())
        log = self.stop(proc)
        self.assertIn('display name matches ^bad', log)
        self.assertIn(body['server_uuid'], log)

    def test_async_with_compute_endpoint(self):
        nova = fakes.FakeNova()
        self.addCleanup(nova.stop)
        proc, url = self.run_cmd(
            '--mode', 'async', '--compute-endpoint', nova.endpoint,
            '--extra-header', 'X-Roles: %s' % events.REPORTER_ROLE,
            '--heartbeat', '0.2', '--delay', '0.5')
        body = ref_base.gate_body()
        resp = self.post(url, body)
        self.assertEqual(202, resp.status_code)
        statuses = nova.wait_for_status('completed')
        # Beats at 0.2 s and 0.4 s (one may be skipped on a slow machine).
        self.assertIn(statuses, (['in-progress', 'completed'],
                                 ['in-progress'] * 2 + ['completed']))
        posts = nova.posts
        self.assertEqual(events.REPORTER_ROLE, posts[0]['headers']['X-Roles'])
        self.assertEqual('compute 2.93',
                         posts[0]['headers']['OpenStack-API-Version'])
        self.stop(proc)

    def test_async_with_clouds_yaml(self):
        nova = fakes.FakeNova()
        self.addCleanup(nova.stop)
        clouds = os.path.join(self.tmp, 'clouds.yaml')
        with open(clouds, 'w') as f:
            f.write('clouds:\n  gate:\n    auth_type: none\n'
                    '    auth:\n      endpoint: %s\n' % nova.endpoint)
        proc, url = self.run_cmd(
            '--mode', 'async', '--os-cloud', 'gate', '--reject-name', 'x',
            '--no-status-url',
            '--extra-header', 'X-Roles: %s' % events.REPORTER_ROLE,
            env={'OS_CLIENT_CONFIG_FILE': clouds})
        body = ref_base.gate_body(display_name='x')
        resp = self.post(url, body)
        self.assertEqual(202, resp.status_code)
        self.assertEqual({'status': 'pending'}, resp.json())
        post, = nova.wait_for_posts(1)
        self.assertEqual('failed', post['body']['events'][0]['status'])
        self.assertEqual('/v2.1/os-server-external-events', post['path'])
        status = requests.get(url.replace('/gate', '/status/') + body['tag'])
        self.assertEqual('display name matches x', status.json()['reason'])
        self.stop(proc)
