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

"""Tests of the event plugin, the policy rules and the extra spec."""

import importlib.metadata
import time

import fixtures
from nova.api.validation.extra_specs import validators
from nova import context as nova_context
from nova import exception as nova_exception
from nova import objects
from nova import test
from nova.tests.unit import fake_instance

from nova_ext.gate import event
from nova_ext.gate import extra_specs
from nova_ext.gate import registry
import nova_ext.policies
from nova_ext.policies import enforcer
from nova_ext.policies import third_party_gate as gate_policies


class TestAuthorize(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.addCleanup(enforcer.reset)
        enforcer.reset()

    def context(self, *roles, **kwargs):
        return nova_context.RequestContext(
            'user', 'project', roles=list(roles), **kwargs)

    def test_reporter_role(self):
        self.assertTrue(event.authorize(
            self.context('third_party_gate_reporter')))

    def test_other_roles_fall_back_to_nova(self):
        for roles in ([], ['member', 'reader'], ['admin'], ['service']):
            self.assertFalse(event.authorize(self.context(*roles)), roles)

    def test_system_scope_refused(self):
        ctxt = nova_context.RequestContext(
            'user', None, roles=['third_party_gate_reporter'],
            system_scope='all')
        self.assertFalse(event.authorize(ctxt))

    def _policy_file(self, text):
        path = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        with open(path, 'w') as f:
            f.write(text)
        self.flags(policy_file=path, group='oslo_policy')
        return path

    def test_operator_override(self):
        self._policy_file(
            '"nova_ext:third-party-gate:create": "role:gatekeeper or '
            'rule:context_is_admin"\n')
        self.assertFalse(event.authorize(
            self.context('third_party_gate_reporter')))
        self.assertTrue(event.authorize(self.context('gatekeeper')))
        self.assertTrue(event.authorize(self.context('admin')))

    def test_broken_policy_file_is_a_denial(self):
        self._policy_file('"nova_ext:third-party-gate:create": [\n')
        log = self.useFixture(fixtures.FakeLogger())
        self.assertFalse(event.authorize(
            self.context('third_party_gate_reporter')))
        self.assertIn('policy check of nova_ext:third-party-gate:create '
                      'failed', log.output)


class TestHandle(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.context = nova_context.get_admin_context()
        self.instance = fake_instance.fake_instance_obj(self.context)

    def ev(self, tag, status='completed'):
        return objects.InstanceExternalEvent(
            name='third-party-gate', tag=tag, status=status,
            instance_uuid=self.instance.uuid)

    def test_delivered(self):
        waiter = registry.REGISTRY.register(
            self.instance.uuid, 'tag1', time.monotonic() + 60)
        self.addCleanup(registry.REGISTRY.unregister, waiter)
        event.handle(self.context, self.instance, self.ev('tag1'))
        self.assertEqual('completed',
                         waiter.next_status(time.monotonic() + 1))

    def test_unknown_tag_logged_and_ignored(self):
        log = self.useFixture(fixtures.FakeLogger())
        event.handle(self.context, self.instance, self.ev('nobody'))
        event.handle(self.context, self.instance, self.ev(None))
        self.assertIn('Ignoring third-party-gate event completed (tag '
                      'nobody...)', log.output)

    def test_registered_with_nova(self):
        from nova.objects import external_event
        self.assertIs(event.EXTENSION, external_event.EXTENSION_EVENTS[
            'third-party-gate'])
        # The event object accepts the name (and still refuses others).
        self.assertEqual('third-party-gate', self.ev('t').name)
        self.assertRaises(ValueError, objects.InstanceExternalEvent,
                          name='third-party-gates')


class TestPolicies(test.NoDBTestCase):

    def test_rules(self):
        rules = list(nova_ext.policies.list_rules())
        self.assertEqual([gate_policies.CREATE], [r.name for r in rules])
        rule = rules[0]
        self.assertEqual('role:third_party_gate_reporter', rule.check_str)
        self.assertEqual(['project'], rule.scope_types)
        self.assertEqual([{'method': 'POST',
                           'path': '/os-server-external-events'}],
                         rule.operations)
        self.assertIn('third_party_gate_reporter', rule.description)

    def test_entry_point(self):
        [ep] = [ep for ep in importlib.metadata.entry_points(
            group='oslo.policy.policies') if ep.name == 'nova_ext']
        self.assertIs(nova_ext.policies.list_rules, ep.load())


class TestExtraSpecs(test.NoDBTestCase):

    def test_registered(self):
        self.assertIn('third_party_gate:enabled', validators.VALIDATORS)
        self.assertIn('third_party_gate', validators.NAMESPACES)
        self.assertEqual(extra_specs.EXTRA_SPEC_VALIDATORS,
                         extra_specs.register())

    def test_validation(self):
        for value in ('true', 'True', 'false', '1', '0', 'yes'):
            validators.validate('third_party_gate:enabled', value)
        for key, value in (('third_party_gate:enabled', 'maybe'),
                           ('third_party_gate:enabled', ''),
                           ('third_party_gate:enable', 'true')):
            self.assertRaises(nova_exception.ValidationError,
                              validators.validate, key, value)
