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
devstack/settings, tox.ini and the tempest plugin's tests; and every Nova
release nova-ext supports (nova_ext.compat.SERIES) to jobs that run it.
"""

import ast
import configparser
import itertools
import os
import re
import subprocess
import sys

import testtools
import yaml

from nova_ext import compat

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

# The jobs every supported release has: without a suffix for the newest
# (compat.MASTER), <job>-<release> for the earlier ones.
RELEASE_JOBS = ('nova-ext-tempest', 'nova-ext-functional', 'nova-ext-upstream')
# The tox envs of an earlier release: <kind>-<release>.
RELEASE_ENV_KINDS = ('functional', 'upstream')
EARLIER_RELEASES = sorted(set(compat.SERIES.values()) - {compat.MASTER})


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


def effective_job(jobs, name):
    """The job as Zuul runs it, from its inheritance chain in ``jobs``.

    A variant that only sets override-checkout must still be checked on the
    localrc, services and regex it inherits. As Zuul does: the nearest
    job's value wins, except vars (deep-merged) and required-projects
    (merged by project, the child's entry winning). Attributes of upstream
    parents are unknown here and left out.
    """
    chain = []
    while name in jobs:
        chain.append(jobs[name])
        name = jobs[name].get('parent')
    job = {}
    for link in reversed(chain):
        for key, value in link.items():
            if key == 'vars':
                job['vars'] = _deep_merge(job.get('vars', {}), value)
            elif key == 'required-projects':
                projects = dict(job.get('required-projects', {}))
                for project in value:
                    if isinstance(project, str):
                        project = {'name': project}
                    projects[project['name']] = project
                job['required-projects'] = projects
            else:
                job[key] = value
    job['ancestors'] = [link['parent'] for link in chain]
    return job


def _deep_merge(base, update):
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def job_release(name):
    """The Nova release a job of ours runs: its suffix, or compat.MASTER."""
    match = re.search(r'-(\d{4}\.\d+)$', name)
    return match.group(1) if match else compat.MASTER


def load_tox():
    """(configparser of tox.ini, {env name: its section}).

    A section name may generate several envs as tox 4 does:
    [testenv:{functional,upstream}-{2025.1,2025.2}] is functional-2025.1,
    functional-2025.2, upstream-2025.1 and upstream-2025.2.
    """
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(REPO, 'tox.ini'))
    envs = {}
    for section in parser.sections():
        if not section.startswith('testenv:'):
            continue
        parts = re.split(r'\{([^}]*)\}', section[len('testenv:'):])
        choices = [[part] if i % 2 == 0 else part.split(',')
                   for i, part in enumerate(parts)]
        for combination in itertools.product(*choices):
            envs[''.join(combination)] = section
    return parser, envs


def factor_values(text, name):
    """{factor: value} of the ``factor: NAME=value`` lines of a setting."""
    return dict(re.findall(r'^\s*([\w.]+): *%s *= *(\S+)$' % name, text,
                           re.M))


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
        self.effective = {name: effective_job(self.jobs, name)
                          for name in self.jobs}
        self.tempest_job = self.effective['nova-ext-tempest']
        # The DevStack job and its per-release variants, as Zuul runs them.
        self.tempest_jobs = {
            name: job for name, job in self.effective.items()
            if 'devstack-tempest' in job['ancestors']}
        self.assertIn('nova-ext-tempest-2025.1', self.tempest_jobs)
        self.tox_jobs = {
            name: job for name, job in self.effective.items()
            if name not in self.tempest_jobs and
            'tox_envlist' in job.get('vars', {})}

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

    def test_every_release_has_its_jobs(self):
        self.assertEqual('2026.2', compat.MASTER)
        self.assertEqual(['2025.1', '2025.2', '2026.1'], EARLIER_RELEASES)
        for release in compat.SERIES.values():
            suffix = '' if release == compat.MASTER else '-' + release
            for job in RELEASE_JOBS:
                self.assertIn(job + suffix, self.jobs)
        # And no job for a release nova-ext does not support.
        for name in self.jobs:
            self.assertIn(job_release(name), compat.SERIES.values(), name)

    def test_jobs_run_their_release(self):
        # Zuul checks out master for a required project without the
        # change's branch: each DevStack job must ask for its Nova release
        # (DevStack then sets NOVA_BRANCH, which picks the series), each
        # tox job for its release's upper-constraints.
        for name, job in self.tempest_jobs.items():
            self.assertEqual('stable/' + job_release(name),
                             job.get('override-checkout'), name)
        for name, job in self.tox_jobs.items():
            release = job_release(name)
            self.assertEqual(
                {'name': 'openstack/requirements',
                 'override-checkout': 'stable/' + release},
                job['required-projects'].get('openstack/requirements'),
                name)
            if release != compat.MASTER:
                # The tox env of that release, and only that one.
                for env in job['vars']['tox_envlist'].split(','):
                    self.assertTrue(env.endswith('-' + release), name)
        pinned = {'name': 'openstack/requirements',
                  'override-checkout': 'stable/' + compat.MASTER}
        for template in self.config['project-template'].values():
            for entry in template['check']['jobs']:
                if isinstance(entry, dict):
                    (name, variant), = entry.items()
                    self.assertIn(pinned, variant['required-projects'], name)
                else:
                    self.assertTrue(entry in self.jobs or
                                    entry == 'build-openstack-releasenotes',
                                    entry)

    def test_gate_runs_what_check_runs(self):
        # Every voting check job gates (OpenStack's rule); there is no
        # non-voting job.
        for template in self.config['project-template'].values():
            self.assertEqual(template['check']['jobs'],
                             template['gate']['jobs'])
        for name, job in self.effective.items():
            self.assertTrue(job.get('voting', True), name)

    def test_functional_jobs_require_the_db_servers(self):
        env = self.jobs['nova-ext-functional']['vars']['tox_environment']
        self.assertEqual('1', env['NOVA_EXT_REQUIRE_DB_SERVERS'])

    def test_tox_envs_exist(self):
        _, envs = load_tox()
        # The upstream jobs' own envs: py311 and py313 are tox's default
        # [testenv]; docs and releasenotes are defined here.
        self.assertLessEqual({'pep8', 'docs', 'releasenotes'}, set(envs))
        for name, job in self.tox_jobs.items():
            for env in job['vars']['tox_envlist'].split(','):
                self.assertIn(env, envs, name)

    def test_tox_envs_may_run_their_scripts(self):
        # tox 4 refuses, before running anything, a command from outside
        # the env that allowlist_externals does not name: a script of the
        # repository, or bash.
        parser, envs = load_tox()
        for env, section in envs.items():
            allowed = parser[section].get('allowlist_externals', '').split()
            for line in parser[section].get('commands', '').split('\n'):
                # A factor-conditional line runs its command after "f: ".
                command = re.sub(r'^[\w.,-]+: ', '', line.strip())
                program = command.split(' ', 1)[0]
                if program.startswith('{toxinidir}/') or program == 'bash':
                    self.assertIn(program, allowed, env)

    def test_release_tox_envs(self):
        # functional-<release> and upstream-<release> for every earlier
        # release, each installing that release's Nova from its
        # constraints file; the harness of Nova 31-33 runs on eventlet.
        parser, envs = load_tox()
        for release in EARLIER_RELEASES:
            major, = [m for m, r in compat.SERIES.items() if r == release]
            constraints = os.path.join(REPO, 'constraints',
                                       '%s.txt' % release)
            with open(constraints) as f:
                self.assertRegex(f.read(),
                                 r'(?m)^nova==%d\.\d+\.\d+$' % major)
            for kind in RELEASE_ENV_KINDS:
                env = '%s-%s' % (kind, release)
                self.assertIn(env, envs)
                section = parser[envs[env]]
                self.assertEqual(
                    release,
                    factor_values(section['setenv'],
                                  'NOVA_EXT_RELEASE').get(release), env)
                self.assertIn('OS_NOVA_DISABLE_EVENTLET_PATCHING=false',
                              section['setenv'])
                deps = section['deps'].split('\n')
                self.assertIn(
                    '-c{toxinidir}/constraints/{env:NOVA_EXT_RELEASE}.txt',
                    deps)
                self.assertIn('nova', deps)
                self.assertIn('nova-ext-patch apply', section['commands_pre'])
        # The functional envs run the releases suite's selection.
        section = parser[envs['functional-' + EARLIER_RELEASES[0]]]
        self.assertIn('--include-list '
                      '{toxinidir}/tests/functional/releases-include.txt',
                      section['commands'])
        # No factor maps a release that is not an earlier supported one.
        for section in set(envs.values()):
            values = factor_values(parser[section].get('setenv', ''),
                                   'NOVA_EXT_RELEASE')
            self.assertLessEqual(set(values), set(EARLIER_RELEASES))
            for factor, value in values.items():
                self.assertEqual(factor, value)

    def test_tempest_job_shape(self):
        self.assertEqual('devstack-tempest', self.tempest_job['parent'])
        for name, job in self.tempest_jobs.items():
            self.assertLessEqual({'openstack/nova', 'x/nova-ext'},
                                 set(job['required-projects']), name)
            job_vars = job['vars']
            self.assertIn('nova-ext', job_vars['devstack_plugins'])
            self.assertEqual(['nova-ext'], job_vars['tempest_plugins'])
            services = job_vars['devstack_services']
            self.assertTrue(services['nova-ext'])
            self.assertTrue(services['nova-ext-gate'])
            # A release's variant changes the release and nothing else.
            if name != 'nova-ext-tempest':
                self.assertEqual('nova-ext-tempest', self.jobs[name]['parent'])
                self.assertLessEqual(
                    set(self.jobs[name]),
                    {'name', 'parent', 'description', 'override-checkout'})

    def test_irrelevant_files_keep_what_the_job_tests(self):
        patterns = [re.compile(p) for p in
                    self.tempest_job['irrelevant-files']]
        for path in ('devstack/plugin.sh', 'devstack/settings',
                     'patches/2026.2/0002-libvirt-guest-gates.patch',
                     'patches/2025.1/0001-external-event-extensions.patch',
                     'nova_ext/compat.py', 'tox.ini',
                     'constraints/2025.1.txt',
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
        for name, job in self.tempest_jobs.items():
            localrc = job['vars']['devstack_localrc']
            self.assertEqual(set(), set(localrc) - self._settings_variables(),
                             name)

    def test_localrc_values_survive_settings(self):
        localrcs = {yaml.safe_dump(job['vars']['devstack_localrc'])
                    for job in self.tempest_jobs.values()}
        for localrc in localrcs:
            self._check_localrc_values(yaml.safe_load(localrc))

    def _check_localrc_values(self, localrc):
        # Source devstack/settings as stack.sh does, with the job's
        # localrc in the environment: each value comes out as the plugin
        # will use it (booleans normalised by trueorfalse to True/False).
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
        for name, job in self.tempest_jobs.items():
            services = job['vars']['devstack_services']
            ours = {s for s in services if s.startswith('nova-ext')}
            self.assertEqual(PLUGIN_SERVICES, ours, name)
        with open(os.path.join(DEVSTACK_DIR, 'settings')) as f:
            text = f.read()
        for service in PLUGIN_SERVICES:
            self.assertIn('enable_service %s\n' % service, text)

    # --- tempest_test_regex against the plugin's tests ------------------

    def test_regex_selects_every_plugin_test(self):
        test_ids = plugin_test_ids()
        self.assertGreater(len(test_ids), 10)
        for name, job in self.tempest_jobs.items():
            regex = job['vars']['tempest_test_regex']
            self.assertEqual(sorted(test_ids),
                             sorted(select(regex, test_ids)), name)

    def test_regex_selects_no_other_test(self):
        regexes = {job['vars']['tempest_test_regex']
                   for job in self.tempest_jobs.values()}
        self.assertEqual({self.tempest_job['vars']['tempest_test_regex']},
                         regexes)
        regex = regexes.pop()
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
