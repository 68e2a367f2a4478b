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

"""The rendered configuration and policy references against the generators.

doc/source/configuration/ renders the references with oslo_config's and
oslo_policy's Sphinx extensions instead of tables kept by hand; a page that
names the wrong namespace or config file would silently render fewer
options than exist. The two real pages are built here with Sphinx and what
they list is compared with what oslo-config-generator and
oslopolicy-sample-generator produce from etc/nova-ext/.
"""

import os
import re
import shutil
import subprocess
import sys

import fixtures
import testtools

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PAGES = os.path.join(REPO, 'doc', 'source', 'configuration')
BIN = os.path.dirname(sys.executable)

CONF_PY = """
extensions = ['oslo_config.sphinxext', 'oslo_policy.sphinxext']
project = 'nova-ext'
master_doc = 'index'
"""
INDEX = """
Index
=====

.. toctree::

   configuration/index
"""


def _generator_options(tmp):
    out = os.path.join(tmp, 'nova-ext.conf.sample')
    subprocess.run(
        [os.path.join(BIN, 'oslo-config-generator'), '--config-file',
         os.path.join(REPO, 'etc', 'nova-ext',
                      'nova-ext-config-generator.conf'),
         '--output-file', out], check=True, cwd=REPO, capture_output=True)
    options = set()
    group = None
    with open(out) as f:
        for line in f:
            section = re.match(r'^\[(\w+)\]$', line)
            if section:
                group = section.group(1)
            option = re.match(r'^#(\w+) =( |$)', line)
            if option:
                options.add('%s.%s' % (group, option.group(1)))
    return options


def _generator_rules(tmp):
    out = os.path.join(tmp, 'policy.yaml.sample')
    subprocess.run(
        [os.path.join(BIN, 'oslopolicy-sample-generator'), '--config-file',
         os.path.join(REPO, 'etc', 'nova-ext',
                      'nova-ext-policy-generator.conf'),
         '--output-file', out], check=True, cwd=REPO, capture_output=True)
    with open(out) as f:
        return set(re.findall(r'^#"([^"]+)": ', f.read(), re.M))


class ReferencePagesTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        # The pages at their place in a doc/source tree, next to the real
        # etc/ (policy.rst names its config file relative to doc/source).
        src = os.path.join(self.tmp, 'doc', 'source')
        shutil.copytree(PAGES, os.path.join(src, 'configuration'))
        os.symlink(os.path.join(REPO, 'etc'), os.path.join(self.tmp, 'etc'))
        with open(os.path.join(src, 'conf.py'), 'w') as f:
            f.write(CONF_PY)
        with open(os.path.join(src, 'index.rst'), 'w') as f:
            f.write(INDEX)
        out = os.path.join(self.tmp, 'html')
        proc = subprocess.run(
            [sys.executable, '-m', 'sphinx', '-W', '-q', '-b', 'html', src,
             out], capture_output=True, text=True, timeout=300)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        with open(os.path.join(out, 'configuration', 'config.html')) as f:
            self.config_html = f.read()
        with open(os.path.join(out, 'configuration', 'policy.html')) as f:
            self.policy_html = f.read()

    def test_config_reference_lists_every_option(self):
        expected = _generator_options(self.tmp)
        self.assertIn('third_party_gate.enabled', expected)
        self.assertIn('DEFAULT.multi_instance_display_name_template',
                      expected)
        rendered = set(re.findall(r'id="((?:DEFAULT|\w+)\.\w+)"',
                                  self.config_html))
        self.assertEqual(expected, rendered)

    def test_policy_reference_lists_every_rule(self):
        expected = _generator_rules(self.tmp)
        self.assertIn('nova_ext:third-party-gate:create', expected)
        rendered = set(re.findall(
            r'<dt><code class="docutils literal notranslate">'
            r'<span class="pre">([^<]+)</span></code></dt>',
            self.policy_html))
        self.assertEqual(expected, rendered)
