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

"""Tests of the DevStack plugin (devstack/settings and devstack/plugin.sh).

The plugin is sourced by real bash, as stack.sh, unstack.sh and clean.sh
source it, with DevStack's helper functions replaced by the stand-ins of
devstack_stubs.sh: ``iniset`` writes real ini files, while the helpers that
would install packages, talk to Keystone or start services record the
command they were given. nova_ext's console scripts are replaced by scripts
that record their arguments, so that each phase can be checked for the
files it writes and the commands it runs.
"""

import os
import shlex
import shutil
import stat
import subprocess
import sys

import fixtures
from oslo_config import cfg
import testtools
import yaml

from nova_ext.cmd import gate_reference as reference_server
from nova_ext.conf import opts as nova_ext_opts
from nova_ext_tempest_plugin import config as tempest_config

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
DEVSTACK_DIR = os.path.join(REPO, 'devstack')

FAKE_SCRIPT = """#!/bin/bash
name=$(basename "$0")
IFS=$'\\t'
echo "$name	$*" >> "$STUB_LOG"
if [[ ",$STUB_FAIL," == *",$name,"* ]]; then
    echo "$name: simulated failure" >&2
    exit 1
fi
"""

# How users write booleans in local.conf; DevStack's trueorfalse takes them
# all.
TRUE_SPELLINGS = ('True', 'true', 'yes', '1')
FALSE_SPELLINGS = ('False', 'false', 'no', '0')

SCRIPT = """
set -o errexit
source "$STUB_DIR/devstack_stubs.sh"
source "$PLUGIN_DIR/settings"
source "$PLUGIN_DIR/plugin.sh" "$@"
"""


class DevStackPluginTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.dest = os.path.join(self.tmp, 'opt', 'stack')
        self.data_dir = os.path.join(self.dest, 'data')
        self.top_dir = os.path.join(self.dest, 'devstack')
        self.bin_dir = os.path.join(self.tmp, 'bin')
        self.log = os.path.join(self.tmp, 'commands.log')
        self.nova_conf = os.path.join(self.tmp, 'etc', 'nova', 'nova.conf')
        self.tempest_conf = os.path.join(self.tmp, 'tempest.conf')
        self.clouds_yaml = os.path.join(self.tmp, 'etc', 'openstack',
                                        'clouds.yaml')
        for d in (os.path.join(self.dest, 'nova', 'nova'), self.data_dir,
                  os.path.join(self.top_dir, 'tools'), self.bin_dir,
                  os.path.dirname(self.nova_conf),
                  os.path.dirname(self.clouds_yaml)):
            os.makedirs(d)
        shutil.copy(os.path.join(HERE, 'update_clouds_yaml.py'),
                    os.path.join(self.top_dir, 'tools'))
        for name in ('nova-ext-patch', 'nova-ext-manage',
                     'nova-ext-gate-reference'):
            path = os.path.join(self.bin_dir, name)
            with open(path, 'w') as f:
                f.write(FAKE_SCRIPT)
            os.chmod(path, 0o755)
        # What DevStack's configure_nova and configure_tempest wrote.
        with open(self.nova_conf, 'w') as f:
            f.write('[DEFAULT]\ndebug = True\n\n'
                    '[api_database]\nconnection = sqlite:///nova_api.db\n')
        with open(self.tempest_conf, 'w') as f:
            f.write('[compute]\nimage_ref = image-uuid\n')
        open(self.log, 'w').close()

        self.env = {
            'PATH': os.environ['PATH'],
            'HOME': self.tmp,
            'PYTHON': sys.executable,
            'STUB_DIR': HERE,
            'STUB_LOG': self.log,
            'STUB_BIN_DIR': self.bin_dir,
            'PLUGIN_DIR': DEVSTACK_DIR,
            'TOP_DIR': self.top_dir,
            'DEST': self.dest,
            'DATA_DIR': self.data_dir,
            'NOVA_EXT_DIR': REPO,
            'NOVA_CONF': self.nova_conf,
            'TEMPEST_CONFIG': self.tempest_conf,
            'CLOUDS_YAML': self.clouds_yaml,
            'ENABLED_SERVICES': 'key,n-api,n-cpu,placement-api,tempest',
            'SERVICE_PASSWORD': 'service-pass',
            'SERVICE_PROJECT_NAME': 'service',
            'SERVICE_DOMAIN_NAME': 'Default',
            'SERVICE_TIMEOUT': '60',
            'REGION_NAME': 'RegionOne',
            'KEYSTONE_SERVICE_URI': 'http://127.0.0.1/identity',
        }

    def run_plugin(self, *args, expect_failure=False, **env):
        """Source settings and plugin.sh with ``args`` in a fresh bash.

        :returns: (commands recorded, stdout, stderr)
        """
        full_env = dict(self.env, **env)
        proc = subprocess.run(
            ['bash', '-c', SCRIPT, 'plugin.sh'] + list(args),
            env=full_env, capture_output=True, text=True, timeout=60)
        if expect_failure:
            self.assertNotEqual(0, proc.returncode, proc.stdout)
        else:
            self.assertEqual(0, proc.returncode,
                             'stdout:\n%s\nstderr:\n%s' % (proc.stdout,
                                                          proc.stderr))
        with open(self.log) as f:
            commands = [tuple(line.rstrip('\n').split('\t'))
                        for line in f if line.strip()]
        return commands, proc.stdout, proc.stderr

    def _commands_named(self, commands, name):
        return [c for c in commands if c[0] == name]

    def read_ini(self, path):
        parser = cfg.ConfigParser(path, {})
        parser.parse()
        return {section: {k: v[0] for k, v in values.items()}
                for section, values in parser.sections.items()}

    def parse_conf(self, path, register):
        conf = cfg.ConfigOpts()
        register(conf)
        conf(['--config-file', path], project='test', default_config_files=[],
             default_config_dirs=[])
        return conf

    # --- settings ------------------------------------------------------

    def test_settings_defines_plugin_and_phases_without_action(self):
        # stack.sh calls every plugin with phases the plugin does not use.
        commands, _, _ = self.run_plugin('stack', 'pre-install')
        self.assertEqual([('define_plugin', 'nova-ext')], commands)
        with open(self.nova_conf) as f:
            self.assertNotIn('third_party_gate', f.read())

    # --- stack install -------------------------------------------------

    def test_install_installs_package_then_patches_nova(self):
        commands, _, _ = self.run_plugin('stack', 'install')
        self.assertEqual(
            [('setup_develop', REPO),
             ('nova-ext-patch', 'apply', '--nova-dir',
              os.path.join(self.dest, 'nova'), '--branch', 'master')],
            commands[1:])

    def test_install_patches_the_nova_dir_devstack_uses(self):
        nova_dir = os.path.join(self.tmp, 'src', 'nova')
        commands, _, _ = self.run_plugin('stack', 'install',
                                         NOVA_DIR=nova_dir)
        self.assertIn(('nova-ext-patch', 'apply', '--nova-dir', nova_dir,
                       '--branch', 'master'), commands)

    def test_install_picks_the_series_of_nova_branch(self):
        commands, _, _ = self.run_plugin('stack', 'install',
                                         NOVA_BRANCH='stable/2025.1')
        self.assertIn(('nova-ext-patch', 'apply', '--nova-dir',
                       os.path.join(self.dest, 'nova'), '--branch',
                       'stable/2025.1'), commands)

    def test_install_without_patches(self):
        commands, _, _ = self.run_plugin('stack', 'install',
                                         NOVA_EXT_APPLY_PATCHES='False')
        self.assertEqual([], self._commands_named(commands,
                                                  'nova-ext-patch'))
        self.assertIn(('setup_develop', REPO), commands)

    def test_install_stops_stack_when_patch_is_refused(self):
        # A conflicting Nova checkout must stop stack.sh, not give a cloud
        # without the hooks.
        _, _, err = self.run_plugin('stack', 'install', expect_failure=True,
                                    STUB_FAIL='nova-ext-patch')
        self.assertIn('simulated failure', err)

    # --- stack post-config ---------------------------------------------

    def test_post_config_writes_nova_conf_and_syncs_db(self):
        commands, _, _ = self.run_plugin('stack', 'post-config')
        ini = self.read_ini(self.nova_conf)
        self.assertEqual({
            'enabled': 'True',
            'url': 'http://127.0.0.1:9099/gate',
            'secret': 'service-pass',
            'timeout': '60',
            'max_total_wait': '600',
            'timeout_action': 'fail',
            'failure_policy': 'fail',
            'mode': 'enforce',
        }, ini['third_party_gate'])
        self.assertEqual({
            'debug': 'True',
            'multi_instance_display_name_template_enabled': 'True',
            'multi_instance_display_name_template': '%(name)s%(count)d',
            'force_multi_instance_display_name': 'True',
            'multi_instance_display_name_count_scope': 'project',
        }, ini['DEFAULT'])
        # What DevStack wrote before is kept.
        self.assertEqual('sqlite:///nova_api.db',
                         ini['api_database']['connection'])
        self.assertEqual(
            [('nova-ext-manage', '--config-file', self.nova_conf, 'db',
              'sync')],
            self._commands_named(commands, 'nova-ext-manage'))

    def test_compute_only_node_creates_no_tables(self):
        # lib/nova writes [api_database] connection only where nova-api
        # runs: a compute-only node must not run db sync (it would die).
        commands, _, _ = self.run_plugin(
            'stack', 'post-config', ENABLED_SERVICES='n-cpu')
        self.assertEqual([], self._commands_named(commands,
                                                  'nova-ext-manage'))
        ini = self.read_ini(self.nova_conf)
        self.assertEqual('True', ini['third_party_gate']['enabled'])

    def test_empty_secret_stops_stack(self):
        # SERVICE_PASSWORD unset when settings were sourced and still empty:
        # the gate must not sign with an empty secret.
        _, _, err = self.run_plugin('stack', 'post-config',
                                    expect_failure=True, SERVICE_PASSWORD='')
        self.assertIn('must not be empty', err)

    def test_local_conf_example_is_valid_bash(self):
        # stack.sh sources localrc before errexit: a syntax error there
        # silently drops every later line.
        for path, start in (
                (os.path.join(REPO, 'devstack', 'local.conf.example'),
                 '[[local|localrc]]'),
                (os.path.join(REPO, 'doc', 'source', 'install',
                              'devstack.rst'), '[[local|localrc]]')):
            with open(path) as f:
                text = f.read()
            section = text[text.index(start) + len(start):]
            lines = []
            for line in section.splitlines():
                # The next section, or the end of the docs' code block.
                if line.strip().startswith('[[') or (
                        path.endswith('.rst') and line.strip() and
                        not line[0].isspace()):
                    break
                lines.append(line.strip())
            proc = subprocess.run(['bash', '-n'], input='\n'.join(lines),
                                  capture_output=True, text=True)
            self.assertEqual(0, proc.returncode, (path, proc.stderr))
            self.assertIn("NOVA_EXT_NAME_TEMPLATE='%(name)s%(count)d'",
                          lines, path)

    def test_post_config_options_are_nova_ext_options(self):
        # Every option the plugin writes is one nova_ext defines, and its
        # value is valid for the option's type and choices.
        self.run_plugin('stack', 'post-config',
                        NOVA_EXT_GATE_PROJECTS='p1,p2',
                        NOVA_EXT_GATE_FLAVOR_EXTRA_SPEC='gate:third_party',
                        NOVA_EXT_GATE_IMAGE_PROPERTY='gate_required')
        known = {(getattr(group, 'name', group), opt.dest)
                 for group, options in nova_ext_opts.list_opts()
                 for opt in options}
        ini = self.read_ini(self.nova_conf)
        written = {(section, key)
                   for section, values in ini.items()
                   for key in values} - {('DEFAULT', 'debug'),
                                         ('api_database', 'connection')}
        self.assertEqual(set(), written - known)

        def register(conf):
            for group, options in nova_ext_opts.list_opts():
                if group == 'DEFAULT':
                    group = None
                conf.register_opts(options, group=group)

        conf = self.parse_conf(self.nova_conf, register)
        gate = conf.third_party_gate
        self.assertTrue(gate.enabled)
        self.assertEqual('http://127.0.0.1:9099/gate', gate.url)
        self.assertEqual(60, gate.timeout)
        self.assertEqual('enforce', gate.mode)
        self.assertEqual(['p1', 'p2'], gate.projects)
        self.assertEqual('gate:third_party', gate.flavor_extra_spec)
        self.assertEqual('gate_required', gate.image_property)
        self.assertEqual('%(name)s%(count)d',
                         conf.multi_instance_display_name_template)
        self.assertTrue(conf.force_multi_instance_display_name)
        self.assertEqual('project',
                         conf.multi_instance_display_name_count_scope)

    def test_post_config_without_selectors_gates_every_boot(self):
        self.run_plugin('stack', 'post-config')
        gate = self.read_ini(self.nova_conf)['third_party_gate']
        for key in ('projects', 'flavor_extra_spec', 'image_property'):
            self.assertNotIn(key, gate)

    def test_post_config_features_disabled(self):
        commands, _, _ = self.run_plugin(
            'stack', 'post-config', NOVA_EXT_GATE_ENABLED='False',
            NOVA_EXT_NAMING_ENABLED='False')
        ini = self.read_ini(self.nova_conf)
        self.assertEqual({'enabled': 'False'}, ini['third_party_gate'])
        self.assertEqual(
            'False',
            ini['DEFAULT']['multi_instance_display_name_template_enabled'])
        self.assertNotIn('multi_instance_display_name_template',
                         ini['DEFAULT'])
        # The table is still created: enabling naming later needs no
        # re-stack.
        self.assertEqual(1, len(self._commands_named(commands,
                                                     'nova-ext-manage')))

    def test_post_config_overrides_from_local_conf(self):
        self.run_plugin('stack', 'post-config',
                        NOVA_EXT_GATE_PORT='9500',
                        NOVA_EXT_GATE_TIMEOUT='15',
                        NOVA_EXT_GATE_ENFORCEMENT='audit',
                        NOVA_EXT_GATE_SECRET='s3cret',
                        NOVA_EXT_NAME_TEMPLATE='%(project-name)s-%(name)s'
                                               '-%(count)d',
                        NOVA_EXT_NAME_COUNT_SCOPE='global')
        ini = self.read_ini(self.nova_conf)
        gate = ini['third_party_gate']
        self.assertEqual('http://127.0.0.1:9500/gate', gate['url'])
        self.assertEqual('15', gate['timeout'])
        self.assertEqual('audit', gate['mode'])
        self.assertEqual('s3cret', gate['secret'])
        self.assertEqual(
            '%(project-name)s-%(name)s-%(count)d',
            ini['DEFAULT']['multi_instance_display_name_template'])
        self.assertEqual(
            'global',
            ini['DEFAULT']['multi_instance_display_name_count_scope'])

    def test_post_config_stops_stack_when_db_sync_fails(self):
        self.run_plugin('stack', 'post-config', expect_failure=True,
                        STUB_FAIL='nova-ext-manage')

    # --- stack extra ---------------------------------------------------

    def test_extra_creates_reporter_and_starts_reference(self):
        commands, _, _ = self.run_plugin('stack', 'extra')
        self.assertIn(('get_or_create_role', 'third_party_gate_reporter'),
                      commands)
        self.assertIn(('get_or_create_user', 'nova-ext-gate', 'service-pass',
                       'Default'), commands)
        self.assertIn(('get_or_add_user_project_role',
                       'third_party_gate_reporter', 'user-id-nova-ext-gate',
                       'service', 'Default', 'Default'), commands)

        with open(self.clouds_yaml) as f:
            cloud = yaml.safe_load(f)['clouds']['nova-ext-gate']
        self.assertEqual({
            'auth_url': 'http://127.0.0.1/identity',
            'username': 'nova-ext-gate',
            'password': 'service-pass',
            'project_name': 'service',
            'user_domain_id': 'default',
            'project_domain_id': 'default',
        }, cloud['auth'])
        self.assertEqual('RegionOne', cloud['region_name'])

        secret_file = os.path.join(self.data_dir, 'nova-ext', 'gate-secret')
        with open(secret_file) as f:
            self.assertEqual('service-pass', f.read())
        self.assertEqual(0o600, stat.S_IMODE(os.stat(secret_file).st_mode))

        run = self._commands_named(commands, 'run_process')
        self.assertEqual(1, len(run))
        self.assertEqual('nova-ext-gate', run[0][1])
        argv = shlex.split(run[0][2])
        self.assertEqual(
            [os.path.join(self.bin_dir, 'nova-ext-gate-reference'),
             '--host', '127.0.0.1', '--port', '9099',
             '--secret-file', secret_file,
             '--mode', 'async',
             '--reject-name', '^nova-ext-reject',
             '--ignore-name', '^nova-ext-ignore',
             '--os-cloud', 'nova-ext-gate'],
            argv)
        self.assertNotIn('service-pass', run[0][2])
        # The reference service's own parser accepts the command line.
        args = reference_server.build_parser(argv[1:]).parse_args(argv[1:])
        self.assertEqual(('async', 'nova-ext-gate', secret_file, 9099),
                         (args.mode, args.os_cloud, args.secret_file,
                          args.port))
        self.assertIn(('wait_for_service', '60',
                       'http://127.0.0.1:9099/healthz'), commands)
        # Accounts exist before the service that uses them starts.
        self.assertLess(commands.index(('get_or_create_role',
                                        'third_party_gate_reporter')),
                        commands.index(run[0]))

    def test_extra_reference_options(self):
        commands, _, _ = self.run_plugin(
            'stack', 'extra', NOVA_EXT_GATE_REFERENCE_MODE='sync',
            NOVA_EXT_GATE_DELAY='5', NOVA_EXT_GATE_HEARTBEAT='2',
            NOVA_EXT_GATE_REJECT_NAME='^bad', NOVA_EXT_GATE_PORT='9500')
        argv = shlex.split(self._commands_named(commands,
                                                'run_process')[0][2])
        self.assertEqual('sync', argv[argv.index('--mode') + 1])
        self.assertEqual('5', argv[argv.index('--delay') + 1])
        self.assertEqual('2', argv[argv.index('--heartbeat') + 1])
        self.assertEqual('^bad', argv[argv.index('--reject-name') + 1])
        self.assertEqual('9500', argv[argv.index('--port') + 1])
        args = reference_server.build_parser(argv[1:]).parse_args(argv[1:])
        self.assertEqual((5.0, 2.0), (args.delay, args.heartbeat))

    def test_extra_without_reference_service(self):
        # An operator's own third party still needs the reporter role.
        commands, _, _ = self.run_plugin('stack', 'extra',
                                         DISABLED_SERVICES='nova-ext-gate')
        self.assertIn(('get_or_create_role', 'third_party_gate_reporter'),
                      commands)
        self.assertEqual([], self._commands_named(commands, 'run_process'))
        self.assertFalse(os.path.exists(
            os.path.join(self.data_dir, 'nova-ext', 'gate-secret')))

    def test_extra_fails_when_reference_does_not_start(self):
        _, _, err = self.run_plugin('stack', 'extra', expect_failure=True,
                                    STUB_WAIT_FOR_SERVICE_RC='1')
        self.assertIn('nova-ext-gate did not start', err)

    # --- stack test-config ---------------------------------------------

    def test_test_config_writes_tempest_options(self):
        self.run_plugin('stack', 'test-config')
        ini = self.read_ini(self.tempest_conf)
        self.assertEqual({'nova_ext': 'True'}, ini['service_available'])
        self.assertEqual('image-uuid', ini['compute']['image_ref'])
        self.assertEqual({
            'gate_enabled': 'True',
            'gate_mode': 'enforce',
            'gate_timeout': '60',
            'gate_timeout_action': 'fail',
            'reporter_role': 'third_party_gate_reporter',
            'reference_available': 'True',
            'reference_url': 'http://127.0.0.1:9099',
            'reference_mode': 'async',
            'reject_name_regex': '^nova-ext-reject',
            'ignore_name_regex': '^nova-ext-ignore',
            'naming_enabled': 'True',
            'name_template': '%(name)s%(count)d',
            'force_name': 'True',
            'name_count_scope': 'project',
        }, ini['nova_ext'])

    def test_test_config_options_are_tempest_plugin_options(self):
        # Each option written exists in the tempest plugin and parses.
        self.run_plugin('stack', 'test-config', NOVA_EXT_GATE_HEARTBEAT='2',
                        NOVA_EXT_GATE_DELAY='90')

        def register(conf):
            conf.register_opt(tempest_config.service_option,
                              group='service_available')
            conf.register_group(tempest_config.nova_ext_group)
            conf.register_opts(tempest_config.NovaExtGroup,
                               group=tempest_config.nova_ext_group)

        ini = self.read_ini(self.tempest_conf)
        known = {opt.dest for opt in tempest_config.NovaExtGroup}
        self.assertEqual(set(), set(ini['nova_ext']) - known)
        conf = self.parse_conf(self.tempest_conf, register)
        self.assertTrue(conf.service_available.nova_ext)
        self.assertTrue(conf.nova_ext.gate_enabled)
        self.assertEqual(60, conf.nova_ext.gate_timeout)
        self.assertEqual(2, conf.nova_ext.reference_heartbeat)
        self.assertEqual(90, conf.nova_ext.reference_delay)
        self.assertEqual('project', conf.nova_ext.name_count_scope)

    def test_test_config_without_reference_service(self):
        self.run_plugin('stack', 'test-config',
                        DISABLED_SERVICES='nova-ext-gate')
        options = self.read_ini(self.tempest_conf)['nova_ext']
        self.assertEqual('False', options['reference_available'])
        self.assertNotIn('reference_url', options)

    def test_test_config_without_tempest(self):
        self.run_plugin('stack', 'test-config',
                        ENABLED_SERVICES='key,n-api,n-cpu')
        self.assertNotIn('nova_ext', self.read_ini(self.tempest_conf))

    def test_extra_stops_stack_when_patches_were_dropped(self):
        # Nova reinstalled after the install phase: stack.sh must fail
        # before anything else happens, not leave a cloud that boots every
        # server ungated.
        commands, _, err = self.run_plugin('stack', 'extra',
                                           expect_failure=True,
                                           STUB_FAIL='nova-ext-patch')
        self.assertIn("nova-ext's patches are not applied", err)
        self.assertEqual([('nova-ext-patch', 'check', '--branch', 'master')],
                         commands[1:])

    def test_extra_adds_the_cell_indexes_where_nova_api_runs(self):
        commands, _, _ = self.run_plugin('stack', 'extra')
        self.assertEqual(
            [('nova-ext-manage', '--config-file', self.nova_conf, 'db',
              'sync-cell-indexes')],
            self._commands_named(commands, 'nova-ext-manage'))
        commands = self._run_fresh('stack', 'extra',
                                   ENABLED_SERVICES='n-cpu')
        self.assertEqual([], self._commands_named(commands,
                                                  'nova-ext-manage'))

    def test_extra_checks_patches_first(self):
        commands, _, _ = self.run_plugin('stack', 'extra')
        # The Nova the services import: no --nova-dir.
        self.assertEqual(('nova-ext-patch', 'check', '--branch', 'master'),
                         commands[1])

    # --- booleans ------------------------------------------------------

    def _run_fresh(self, *args, **env):
        """run_plugin with a fresh nova.conf, tempest.conf and log."""
        with open(self.nova_conf, 'w') as f:
            f.write('[DEFAULT]\ndebug = True\n')
        with open(self.tempest_conf, 'w') as f:
            f.write('[compute]\nimage_ref = image-uuid\n')
        open(self.log, 'w').close()
        return self.run_plugin(*args, **env)[0]

    def test_boolean_apply_patches(self):
        nova_dir = os.path.join(self.dest, 'nova')
        for value, expected in ([(v, True) for v in TRUE_SPELLINGS] +
                                [(v, False) for v in FALSE_SPELLINGS]):
            env = {'NOVA_EXT_APPLY_PATCHES': value}
            commands = (self._run_fresh('stack', 'install', **env) +
                        self._run_fresh('stack', 'extra', **env) +
                        self._run_fresh('clean', **env))
            patch = self._commands_named(commands, 'nova-ext-patch')
            if expected:
                self.assertEqual(
                    [('nova-ext-patch', 'apply', '--nova-dir', nova_dir,
                      '--branch', 'master'),
                     ('nova-ext-patch', 'check', '--branch', 'master'),
                     ('nova-ext-patch', 'revert', '--nova-dir', nova_dir,
                      '--branch', 'master')],
                    patch, value)
            else:
                self.assertEqual([], patch, value)

    def _check_boolean(self, variable, nova_section, nova_key,
                       tempest_key):
        for value, expected in ([(v, 'True') for v in TRUE_SPELLINGS] +
                                [(v, 'False') for v in FALSE_SPELLINGS]):
            self._run_fresh('stack', 'post-config', **{variable: value})
            nova = self.read_ini(self.nova_conf)
            self._run_fresh('stack', 'test-config', **{variable: value})
            tempest = self.read_ini(self.tempest_conf)
            # nova.conf and tempest.conf always agree.
            self.assertEqual(
                (expected, expected),
                (nova.get(nova_section, {}).get(nova_key),
                 tempest['nova_ext'][tempest_key]),
                '%s=%s' % (variable, value))

    def test_boolean_gate_enabled(self):
        self._check_boolean('NOVA_EXT_GATE_ENABLED', 'third_party_gate',
                            'enabled', 'gate_enabled')

    def test_boolean_naming_enabled(self):
        self._check_boolean(
            'NOVA_EXT_NAMING_ENABLED', 'DEFAULT',
            'multi_instance_display_name_template_enabled',
            'naming_enabled')

    def test_boolean_name_force(self):
        for value, expected in ([(v, 'True') for v in TRUE_SPELLINGS] +
                                [(v, 'False') for v in FALSE_SPELLINGS]):
            self._run_fresh('stack', 'post-config', NOVA_EXT_NAME_FORCE=value)
            nova = self.read_ini(self.nova_conf)['DEFAULT']
            self._run_fresh('stack', 'test-config', NOVA_EXT_NAME_FORCE=value)
            self.assertEqual(
                (expected, expected),
                (nova['force_multi_instance_display_name'],
                 self.read_ini(self.tempest_conf)['nova_ext']['force_name']),
                value)

    def _tempest_plugins(self, **env):
        proc = subprocess.run(
            ['bash', '-c', 'set -o errexit; source "$STUB_DIR/'
             'devstack_stubs.sh"; source "$PLUGIN_DIR/settings"; '
             'echo "$TEMPEST_PLUGINS"'],
            env=dict(self.env, **env), capture_output=True, text=True,
            timeout=60)
        self.assertEqual(0, proc.returncode, proc.stderr)
        return proc.stdout.strip()

    def test_boolean_tempest_plugin(self):
        for value in TRUE_SPELLINGS:
            # Unset, or lib/tempest's "0" (none): this repository alone.
            self.assertEqual(REPO, self._tempest_plugins(
                NOVA_EXT_TEMPEST_PLUGIN=value), value)
            self.assertEqual(REPO, self._tempest_plugins(
                NOVA_EXT_TEMPEST_PLUGIN=value, TEMPEST_PLUGINS='0'), value)
        for value in FALSE_SPELLINGS:
            self.assertEqual('', self._tempest_plugins(
                NOVA_EXT_TEMPEST_PLUGIN=value), value)

    def test_tempest_plugins_keeps_other_plugins_once(self):
        # A Zuul job's tempest_plugins already lists this repository.
        other = '/opt/stack/neutron-tempest-plugin'
        self.assertEqual('%s %s' % (other, REPO),
                         self._tempest_plugins(TEMPEST_PLUGINS=other))
        both = '%s %s' % (REPO, other)
        self.assertEqual(both, self._tempest_plugins(TEMPEST_PLUGINS=both))

    # --- unstack, clean --------------------------------------------------

    def test_unstack_stops_reference(self):
        commands, _, _ = self.run_plugin('unstack')
        self.assertEqual([('stop_process', 'nova-ext-gate')], commands[1:])

    def test_clean_reverts_patches_and_removes_data(self):
        data = os.path.join(self.data_dir, 'nova-ext')
        os.makedirs(data)
        commands, _, _ = self.run_plugin('clean')
        self.assertEqual(
            [('nova-ext-patch', 'revert', '--nova-dir',
              os.path.join(self.dest, 'nova'), '--branch', 'master')],
            commands[1:])
        self.assertFalse(os.path.exists(data))

    def test_clean_without_nova_checkout(self):
        shutil.rmtree(os.path.join(self.dest, 'nova'))
        commands, _, _ = self.run_plugin('clean')
        self.assertEqual([], self._commands_named(commands,
                                                  'nova-ext-patch'))

    def test_plugin_disabled_does_nothing(self):
        for phase in (('stack', 'install'), ('stack', 'post-config'),
                      ('stack', 'extra'), ('stack', 'test-config'),
                      ('unstack',), ('clean',)):
            self.run_plugin(*phase, DISABLED_SERVICES='nova-ext')
        with open(self.log) as f:
            commands = {line.split('\t')[0].strip() for line in f}
        self.assertEqual({'define_plugin'}, commands)
        self.assertNotIn('nova_ext', self.read_ini(self.tempest_conf))
        self.assertNotIn('third_party_gate', self.read_ini(self.nova_conf))

    # --- style -----------------------------------------------------------

    def test_bashate(self):
        bashate = os.path.join(os.path.dirname(sys.executable), 'bashate')
        if not os.path.exists(bashate):
            self.skipTest('bashate is not installed next to %s' %
                          sys.executable)
        files = [os.path.join(DEVSTACK_DIR, name)
                 for name in ('settings', 'plugin.sh')]
        proc = subprocess.run([bashate, '-i', 'E006', '-e', 'E*'] + files,
                              capture_output=True, text=True)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
