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

"""nova-ext's own policy enforcer.

Nova's enforcer only knows Nova's rules and raises on unknown ones, and
nova-ext must not touch it. This enforcer reads the same configuration
(``[oslo_policy] policy_file`` and ``policy_dirs`` of nova.conf), so that
operators override nova-ext rules in the file they already manage. Nova's
base rules (``admin_api``, ``project_member_api``...) are registered too, so
that an override may refer to them.
"""

import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

_ENFORCER = None
_LOCK = threading.Lock()


def get_enforcer():
    """Return the process-wide enforcer, creating it on first use."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            import nova.conf
            from nova.policies import base as nova_base
            from oslo_policy import policy

            import nova_ext.policies

            enforcer = policy.Enforcer(nova.conf.CONF)
            enforcer.register_defaults(nova_base.list_rules())
            enforcer.register_defaults(nova_ext.policies.list_rules())
            _ENFORCER = enforcer
        return _ENFORCER


def reset():
    """Forget the enforcer (tests change the configuration)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def authorize(context, rule):
    """Whether ``context`` passes ``rule``; never raises for a denial.

    A broken policy file is logged and counts as a denial: the caller falls
    back to Nova's own rule instead of answering 500.
    """
    target = {'project_id': context.project_id, 'user_id': context.user_id}
    try:
        enforcer = get_enforcer()
        enforcer.load_rules()
        return bool(enforcer.authorize(rule, target, context,
                                       do_raise=False))
    except Exception:
        LOG.exception('nova-ext policy check of %s failed', rule)
        return False
