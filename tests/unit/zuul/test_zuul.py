# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The Zuul configuration of zuul.d/, checked without Zuul.

Zuul cannot run here, and a typo in a job (a parent that does not exist, a
localrc variable the DevStack plugin never reads, a regex that selects no
test) only shows once OpenStack CI runs it, or worse, passes there while
testing nothing. These tests hold the jobs to what the repository defines:
devstack/settings, tox.ini and the tempest plugin's tests.
"""

import ast
import configparser
import os
import re
import subprocess
import sys

import testtools
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
ZUUL_DIR = os.path.join(REPO, 'zuul.d')
DEVSTACK_DIR = os.path.join(REPO, 'devstack')
STUB_DIR = os.path.join(REPO, 'tests', 'unit', 'devstack')
PLUGIN_PACKAGE = 'nova_ext_tempest_plugin'

# Jobs defined outside this repository that nova-ext's jobs may name, and
# where each is defined:
UPSTREAM_JOBS = {
    # openstack/openstack-zuul-jobs, zuul.d/jobs.yaml (the PTI jobs).
    'openstack-tox',
    'openstack-tox-pep8',
    'openstack-tox-py311',
    'openstack-tox-py312',
    'openstack-tox-py313',
    'openstack-tox-functional-py311',
    'openstack-tox-functional-py312',
    'openstack-tox-functional-py313',
    'openstack-tox-cover',
    'openstack-tox-docs',
    'build-openstack-releasenotes',
    # openstack/devstack, .zuul.yaml.
    'devstack',
    'devstack-base',
    'devstack-minimal',
    'devstack-multinode',
    # openstack/tempest, zuul.d/integrated-gate.yaml and base.yaml.
    'devstack-tempest',
    'tempest-full-py3',
    'tempest-integrated-compute',
}

# The services devstack/settings defines.
PLUGIN_SERVICES = {'nova-ext', 'nova-ext-gate'}


def load_zuul():
    """{'job': {name: job}, 'project-template': {...}, 'project': [...]}."""
    config = {'job': {}, 'project-template': {}, 'project': []}
    for name in sorted(os.listdir(ZUUL_DIR)):
        if not name.endswith('.yaml'):
            continue
        with open(os.path.join(ZUUL_DIR, name)) as f:
            for item in yaml.safe_load(f):
                (kind, body), = item.items()
                if kind == 'project':
                    config['project'].append(body)
                else:
                    config[kind][body['name']] = body
    return config


def plugin_test_ids():
    """The test IDs ``tempest run --list-tests`` shows for the plugin.

    tempest is not installed next to nova_ext's unit tests (it has a venv of
    its own), so the test modules cannot be imported here. Instead, the
    directory the plugin's load_tests() returns is walked as unittest
    discovery walks it (test*.py files in packages), and each class's
    test_* methods give the IDs stestr would list: package.module.Class.test.
    """
    test_dir = _load_tests_dir()
    ids = []
    for root, dirs, files in os.walk(os.path.join(REPO, test_dir)):
        if not os.path.exists(os.path.join(root, '__init__.py')):
            dirs[:] = []
            continue
        for name in sorted(files):
            if not (name.startswith('test') and name.endswith('.py')):
                continue
            path = os.path.join(root, name)
            module = os.path.relpath(path, REPO)[:-3].replace(os.sep, '.')
            with open(path) as f:
                tree = ast.parse(f.read())
            for cls in tree.body:
                if not isinstance(cls, ast.ClassDef):
                    continue
                for func in cls.body:
                    if (isinstance(func, ast.FunctionDef) and
                            func.name.startswith('test')):
                        ids.append('%s.%s.%s' % (module, cls.name,
                                                 func.name))
    return ids


def _load_tests_dir():
    """The test directory NovaExtTempestPlugin.load_tests() returns."""
    with open(os.path.join(REPO, PLUGIN_PACKAGE, 'plugin.py')) as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == 'load_tests':
            for assign in ast.walk(node):
                if (isinstance(assign, ast.Assign) and
                        assign.targets[0].id == 'test_dir'):
                    return assign.value.value
    raise AssertionError('load_tests() of %s.plugin sets no test_dir' %
                         PLUGIN_PACKAGE)


def job_names(entries):
    """Names of a pipeline's jobs: a name, or a one-key variant dict."""
    return [e if isinstance(e, str) else next(iter(e)) for e in entries]


def select(regex, test_ids):
    """What stestr (``tempest run --regex``) selects: re.search."""
    pattern = re.compile(regex)
    return [t for t in test_ids if pattern.search(t)]


class ZuulConfigTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.config = load_zuul()
        self.jobs = self.config['job']
        self.tempest_job = self.jobs['nova-ext-tempest']

    def test_parents_are_real_jobs(self):
        self.assertNotEqual({}, self.jobs)
        for name, job in self.jobs.items():
            self.assertIn(job.get('parent'),
                          UPSTREAM_JOBS | set(self.jobs), name)
            self.assertNotIn(name, UPSTREAM_JOBS)

    def test_project_runs_known_jobs(self):
        templates = self.config['project-template']
        (project,) = self.config['project']
        self.assertEqual(set(), set(project['templates']) - set(templates))
        for template in templates.values():
            for pipeline in ('check', 'gate'):
                jobs = job_names(template[pipeline]['jobs'])
                self.assertEqual(set(), set(jobs) - UPSTREAM_JOBS -
                                 set(self.jobs), pipeline)
                # The list: pep8, unit, functional, docs,
                # release notes, the DevStack job; and every job of ours.
                for job in ('openstack-tox-pep8', 'openstack-tox-py311',
                            'openstack-tox-docs',
                            'build-openstack-releasenotes'):
                    self.assertIn(job, jobs, pipeline)
                self.assertEqual(set(), set(self.jobs) - set(jobs))

    def test_everything_runs_against_2026_2(self):
        # Zuul checks out master for a required project without the
        # change's branch: the tempest job must ask for Nova 2026.2 and the
        # tox jobs for the 2026.2 upper-constraints.
        self.assertEqual('stable/2026.2',
                         self.tempest_job.get('override-checkout'))
        pinned = {'name': 'openstack/requirements',
                  'override-checkout': 'stable/2026.2'}
        for name, job in self.jobs.items():
            if 'tox_envlist' in job.get('vars', {}) and \
                    job['parent'] != 'devstack-tempest':
                self.assertIn(pinned, job.get('required-projects', []) or
                              self.jobs[job['parent']]['required-projects'],
                              name)
        for template in self.config['project-template'].values():
            for entry in template['check']['jobs']:
                if isinstance(entry, dict):
                    (name, variant), = entry.items()
                    self.assertIn(pinned, variant['required-projects'], name)
                else:
                    self.assertTrue(entry in self.jobs or
                                    entry == 'build-openstack-releasenotes',
                                    entry)

    def test_functional_jobs_require_the_db_servers(self):
        env = self.jobs['nova-ext-functional']['vars']['tox_environment']
        self.assertEqual('1', env['NOVA_EXT_REQUIRE_DB_SERVERS'])

    def test_tox_envs_exist(self):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(os.path.join(REPO, 'tox.ini'))
        envs = {s[len('testenv:'):] for s in parser.sections()
                if s.startswith('testenv:')}
        # The upstream jobs' own envs: py311 and py313 are tox's default
        # [testenv]; docs and releasenotes are defined here.
        self.assertLessEqual({'pep8', 'docs', 'releasenotes'}, envs)
        for name, job in self.jobs.items():
            env = job.get('vars', {}).get('tox_envlist')
            if env and job['parent'] not in ('devstack-tempest',):
                self.assertIn(env, envs, name)

    def test_tempest_job_shape(self):
        job = self.tempest_job
        self.assertEqual('devstack-tempest', job['parent'])
        self.assertLessEqual({'openstack/nova', 'x/nova-ext'},
                             set(job['required-projects']))
        job_vars = job['vars']
        self.assertIn('nova-ext', job_vars['devstack_plugins'])
        self.assertEqual(['nova-ext'], job_vars['tempest_plugins'])
        services = job_vars['devstack_services']
        self.assertTrue(services['nova-ext'])
        self.assertTrue(services['nova-ext-gate'])

    def test_irrelevant_files_keep_what_the_job_tests(self):
        patterns = [re.compile(p) for p in
                    self.tempest_job['irrelevant-files']]
        for path in ('devstack/plugin.sh', 'devstack/settings',
                     'patches/2026.2/0002-libvirt-guest-gates.patch',
                     'nova_ext/gate/third_party_gate.py',
                     'nova_ext_tempest_plugin/tests/api/test_gate.py',
                     'requirements.txt', 'pyproject.toml', 'setup.cfg',
                     'zuul.d/jobs.yaml', 'tests/tempest_plugin/check-tempest'
                     '-plugin.sh'):
            self.assertFalse(any(p.search(path) for p in patterns), path)
        for path in ('README.rst', 'doc/source/index.rst',
                     'releasenotes/notes/x.yaml',
                     'tests/unit/conf/test_conf.py'):
            self.assertTrue(any(p.search(path) for p in patterns), path)

    # --- devstack_localrc against devstack/settings ---------------------

    def _settings_variables(self):
        """Variables devstack/settings reads from local.conf."""
        with open(os.path.join(DEVSTACK_DIR, 'settings')) as f:
            text = f.read()
        defaults = re.findall(r'^(\w+)=\$\{(\w+):-', text, re.M)
        booleans = re.findall(r'^(\w+)=\$\(trueorfalse \S+ (\w+)\)', text,
                              re.M)
        read = {name for name, source in defaults + booleans
                if name == source}
        self.assertIn('NOVA_EXT_GATE_TIMEOUT', read)
        self.assertIn('NOVA_EXT_GATE_ENABLED', read)
        return read

    def test_localrc_variables_are_read_by_the_plugin(self):
        localrc = self.tempest_job['vars']['devstack_localrc']
        self.assertEqual(set(), set(localrc) - self._settings_variables())

    def test_localrc_values_survive_settings(self):
        # Source devstack/settings as stack.sh does, with the job's
        # localrc in the environment: each value comes out as the plugin
        # will use it (booleans normalised by trueorfalse to True/False).
        localrc = self.tempest_job['vars']['devstack_localrc']
        env = {'PATH': os.environ['PATH'], 'PYTHON': sys.executable,
               'STUB_LOG': os.devnull,
               'DEST': '/opt/stack', 'DATA_DIR': '/opt/stack/data',
               'SERVICE_PASSWORD': 'secret',
               # What the job's tempest_plugins gives lib/tempest.
               'TEMPEST_PLUGINS': '/opt/stack/nova-ext'}
        for name, value in localrc.items():
            # Zuul writes YAML booleans into localrc as True/False.
            env[name] = (str(value) if not isinstance(value, bool)
                         else ('True' if value else 'False'))
        names = sorted(localrc) + ['TEMPEST_PLUGINS']
        script = ('set -o errexit; source "%s/devstack_stubs.sh"; '
                  'source "%s/settings"; ' % (STUB_DIR, DEVSTACK_DIR) +
                  ' '.join('printf "%%s\\n" "$%s";' % n for n in names))
        proc = subprocess.run(['bash', '-c', script], env=env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(0, proc.returncode, proc.stderr)
        values = dict(zip(names, proc.stdout.split('\n')))
        for name, value in localrc.items():
            expected = env[name]
            self.assertEqual(expected, values[name], name)
        # The job's tempest_plugins already names this repository: the
        # plugin does not add it a second time.
        self.assertEqual('/opt/stack/nova-ext', values['TEMPEST_PLUGINS'])

    def test_devstack_services_are_the_plugins(self):
        services = self.tempest_job['vars']['devstack_services']
        ours = {s for s in services if s.startswith('nova-ext')}
        self.assertEqual(PLUGIN_SERVICES, ours)
        with open(os.path.join(DEVSTACK_DIR, 'settings')) as f:
            text = f.read()
        for service in PLUGIN_SERVICES:
            self.assertIn('enable_service %s\n' % service, text)

    # --- tempest_test_regex against the plugin's tests ------------------

    def test_regex_selects_every_plugin_test(self):
        test_ids = plugin_test_ids()
        self.assertGreater(len(test_ids), 10)
        regex = self.tempest_job['vars']['tempest_test_regex']
        self.assertEqual(sorted(test_ids), sorted(select(regex, test_ids)))

    def test_regex_selects_no_other_test(self):
        regex = self.tempest_job['vars']['tempest_test_regex']
        others = [
            'tempest.api.compute.servers.test_create_server.'
            'ServersTestJSON.test_list_servers',
            'tempest.scenario.test_server_basic_ops.'
            'TestServerBasicOps.test_server_basic_ops',
            'nova_ext_tempest_plugin_other.tests.test_x.T.test_y',
            'other_plugin.tests.nova_ext_tempest_plugin.T.test_y',
        ]
        self.assertEqual([], select(regex, others))

    def test_aio_suite_runs_what_the_job_runs(self):
        # tools/aio/run.sh runs the tempest plugin on the all-in-one cloud:
        # its default regex must select the same tests as the Zuul job.
        with open(os.path.join(REPO, 'tools', 'aio', 'run.sh')) as f:
            match = re.search(r'\$\{AIO_TEMPEST_REGEX:-([^}]+)\}', f.read())
        self.assertIsNotNone(match)
        test_ids = plugin_test_ids()
        regex = self.tempest_job['vars']['tempest_test_regex']
        self.assertEqual(select(regex, test_ids),
                         select(match.group(1), test_ids))
