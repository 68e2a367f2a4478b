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

"""Start-time checks of the ``[third_party_gate]`` options.

oslo.config checks each option alone; what it cannot check is here: options
that only make sense together, selectors that must be ``KEY=VALUE``, and the
TLS files, which a gate would otherwise find missing at its first boot (and
then fail every boot, or let every boot through under ``failure_policy =
continue``). ``ThirdPartyGate`` runs ``validate()`` when the libvirt driver
loads it, so that nova-compute refuses to start with a message naming the
option, or warns at start about a configuration that works but is unsafe.
"""

from oslo_config import cfg
from oslo_log import log as logging

from nova_ext.conf import third_party_gate as gate_conf
from nova_ext.gate import exception

LOG = logging.getLogger(__name__)

# Files the TLS options name; each must exist and be readable by
# nova-compute when the gate is enabled.
TLS_FILE_OPTIONS = ('ca_file', 'client_cert', 'client_key')


def opt_name(name):
    """The option as operators write it: ``[third_party_gate] name``."""
    return '[%s] %s' % (gate_conf.GROUP_NAME, name)


def _check_values(conf):
    """Read every option, so that a value oslo.config refuses (out of its
    range, not a number) stops nova-compute now rather than failing each
    gated boot, halfway through, when the gate first reads it.
    """
    for name in sorted(conf):
        try:
            getattr(conf, name)
        except cfg.ConfigFileValueError as e:
            raise exception.GateConfigError(
                reason='%s: %s' % (opt_name(name), e))


def parse_selector(conf, name):
    """Return the (key, value) of a KEY=VALUE option, None when unset.

    :raises: GateConfigError naming the option when the value is malformed.
    """
    value = getattr(conf, name)
    if value is None or value == '':
        return None
    key, sep, expected = value.partition('=')
    key = key.strip()
    if not sep or not key or not expected.strip():
        raise exception.GateConfigError(
            reason='%s must be KEY=VALUE, got %r' % (opt_name(name), value))
    return key, expected.strip()


def _check_readable(conf, name):
    path = getattr(conf, name)
    if not path:
        return
    try:
        with open(path, 'rb'):
            pass
    except OSError as e:
        raise exception.GateConfigError(
            reason='%s names a file nova-compute cannot read: %s' % (
                opt_name(name), e))


def _warn_if_unauthenticated(conf):
    """Warn when anyone on the network path could approve boots.

    Over plain http the third party's synchronous answer is not
    authenticated at all (the secret signs only Nova's request), and
    without a secret the third party cannot tell Nova's requests from
    anyone's either.
    """
    if not conf.url or not conf.url.lower().startswith('http://'):
        return
    if conf.secret:
        LOG.warning('%s is a plain http URL: the verdicts in the third '
                    'party\'s answers are unauthenticated (%s signs only '
                    'the requests), anyone on the network path can approve '
                    'boots. Use https.', opt_name('url'), opt_name('secret'))
    else:
        LOG.warning('%s is a plain http URL and %s is not set: the gate '
                    'requests are unsigned and the verdicts in the third '
                    'party\'s answers unauthenticated, anyone on the '
                    'network path can approve boots. Use https and set %s.',
                    opt_name('url'), opt_name('secret'), opt_name('secret'))


def validate(conf):
    """Check the ``[third_party_gate]`` options that oslo.config cannot.

    :param conf: the ``CONF.third_party_gate`` group.
    :raises: GateConfigError naming the offending option.
    """
    if conf.enabled:
        _check_values(conf)
    if conf.enabled and not conf.url:
        raise exception.GateConfigError(
            reason='%s must be set when %s is true' % (
                opt_name('url'), opt_name('enabled')))
    if conf.max_total_wait < conf.timeout:
        raise exception.GateConfigError(
            reason='%s (%d) must not be smaller than %s (%d)' % (
                opt_name('max_total_wait'), conf.max_total_wait,
                opt_name('timeout'), conf.timeout))
    if conf.client_key and not conf.client_cert:
        raise exception.GateConfigError(
            reason='%s is set but %s is not' % (
                opt_name('client_key'), opt_name('client_cert')))
    parse_selector(conf, 'flavor_extra_spec')
    parse_selector(conf, 'image_property')
    if conf.enabled:
        for name in TLS_FILE_OPTIONS:
            _check_readable(conf, name)
        _warn_if_unauthenticated(conf)
