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

"""Tempest configuration options of the nova-ext tempest plugin.

Only oslo.config is imported here, so that the DevStack plugin's tests (and
the sample config generator) can read the options without tempest.
"""

from oslo_config import cfg

service_option = cfg.BoolOpt(
    'nova_ext',
    default=False,
    help='Whether nova-ext is installed in the cloud under test (its '
         'patches applied to Nova and its package installed). When false, '
         'every test of this plugin is skipped.')

nova_ext_group = cfg.OptGroup(
    name='nova_ext',
    title='nova-ext options',
    help='Which nova-ext features the cloud under test enables and how its '
         'third party behaves. The values must match the cloud\'s nova.conf '
         'and the reference third party\'s command line: the tests derive '
         'the outcome they expect from them.')

NovaExtGroup = [
    # Third-party gate.
    cfg.BoolOpt('gate_enabled',
                default=False,
                help='Whether nova-compute gates boots ([third_party_gate] '
                     'enabled in nova.conf) for every server these tests '
                     'boot (no flavor, image or project selectors).'),
    cfg.StrOpt('gate_mode',
               default='enforce',
               choices=['enforce', 'audit'],
               help='[third_party_gate] mode of the cloud. The rejection and '
                    'timeout tests need enforce.'),
    cfg.IntOpt('gate_timeout',
               default=300,
               min=1,
               help='[third_party_gate] timeout of the cloud, in seconds: '
                    'how long a server waits for a verdict. The timeout '
                    'test waits this long, and checks that the fault names '
                    'it.'),
    cfg.StrOpt('gate_timeout_action',
               default='fail',
               choices=['fail', 'continue'],
               help='[third_party_gate] timeout_action of the cloud.'),
    cfg.StrOpt('reporter_role',
               default='third_party_gate_reporter',
               help='Keystone role that may post third-party-gate events '
                    '(the default of the policy rule '
                    'nova_ext:third-party-gate:create). The least-privilege '
                    'tests get a dynamic-credentials user holding only this '
                    'role; the role must exist in Keystone.'),
    # Reference third party.
    cfg.BoolOpt('reference_available',
                default=False,
                help='Whether the gate\'s third party is nova-ext\'s '
                     'reference service (nova-ext-gate-reference), which '
                     'decides by display name. The verdict tests need it.'),
    cfg.StrOpt('reference_url',
               help='Base URL of the reference third party, e.g. '
                    'http://127.0.0.1:9099; its /healthz is checked before '
                    'the gate tests run.'),
    cfg.StrOpt('reference_mode',
               default='async',
               choices=['sync', 'async'],
               help='Whether the reference third party answers in the HTTP '
                    'response (sync) or with a third-party-gate event '
                    '(async).'),
    cfg.StrOpt('reject_name_regex',
               default='^nova-ext-reject',
               help='The reference third party\'s --reject-name pattern. '
                    'The tests name servers to be rejected after it, so it '
                    'must match names starting with "nova-ext-reject".'),
    cfg.StrOpt('ignore_name_regex',
               default='^nova-ext-ignore',
               help='The reference third party\'s --ignore-name pattern (it '
                    'never answers for these names). It must match names '
                    'starting with "nova-ext-ignore".'),
    cfg.IntOpt('reference_delay',
               default=0,
               min=0,
               help='The reference third party\'s --delay, in seconds (0: '
                    'none). With a heartbeat and a delay longer than '
                    'gate_timeout, the heartbeat test checks that servers '
                    'still become ACTIVE.'),
    cfg.IntOpt('reference_heartbeat',
               default=0,
               min=0,
               help='The reference third party\'s --heartbeat, in seconds '
                    '(0: no heartbeats).'),
    # Display-name template.
    cfg.BoolOpt('naming_enabled',
                default=False,
                help='Whether nova-api names servers with the display-name '
                     'template ([DEFAULT] '
                     'multi_instance_display_name_template_enabled).'),
    cfg.StrOpt('name_template',
               default='%(name)s-%(count)d',
               help='[DEFAULT] multi_instance_display_name_template of the '
                    'cloud; the tests compute the names they expect with '
                    'it.'),
    cfg.BoolOpt('force_name',
                default=False,
                help='[DEFAULT] force_multi_instance_display_name of the '
                     'cloud.'),
    cfg.StrOpt('name_count_scope',
               default='project',
               choices=['request', 'project', 'global'],
               help='[DEFAULT] multi_instance_display_name_count_scope of '
                    'the cloud.'),
]


def register_opts(conf):
    """Register the plugin's options on tempest's ``conf``."""
    conf.register_opt(service_option, group='service_available')
    conf.register_group(nova_ext_group)
    conf.register_opts(NovaExtGroup, group=nova_ext_group)


def list_opts():
    """Options by group, for tempest's sample config generator."""
    return [
        ('service_available', [service_option]),
        (nova_ext_group.name, NovaExtGroup),
    ]
