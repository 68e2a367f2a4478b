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

"""Name new servers from ``multi_instance_display_name_template``.

Loaded by Nova's compute API through the ``nova.compute.api.instance_namers``
entry point (patches/0003). For every create request nova-api calls
:meth:`InstanceNamer.reserve` once, after quotas fixed how many servers the
request makes, then the returned callable once per server, after Nova set
its own display name and hostname.

The data goes one way: this module applies the naming rules
(:mod:`~nova_ext.naming.template`, :mod:`~nova_ext.naming.names`) and asks
the API database (:mod:`~nova_ext.naming.counter`) and the cells
(:mod:`~nova_ext.naming.cells`), which never call back.

Naming is off unless an operator sets the naming options (see
:func:`nova_ext.conf.naming.enabled`), so that installing nova-ext leaves
Nova's behaviour (and Nova's own tests) unchanged.

Past 400 lines on purpose: the request's reservation (:class:`InstanceNamer`,
the family of names read from the cells and :func:`_issue`, one
transaction of counter and issued names) shares the requested name's
template and values; what needs none of them lives in ``counter``,
``cells``, ``names`` and ``template``.
"""

import collections
import functools
import os
import threading
import weakref

from nova import exception as nova_exception
from oslo_config import cfg
from oslo_log import log as logging

from nova_ext.conf import naming as naming_conf
from nova_ext import hooks
from nova_ext.naming import cells
from nova_ext.naming import counter
from nova_ext.naming import names
from nova_ext.naming import template as name_template

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

#: System metadata key recording the count a server got, for audit. System
#: metadata is not shown to, nor editable by, users.
SYSMETA_COUNT = 'nova_ext_name_count'

#: Rounds of asking the cells for servers already carrying the names
#: issued. Each round skips the names found and issues as many again; past
#: this many the create fails rather than loop.
MAX_ROUNDS = 10

#: Counts one round may skip because their names were issued before.
MAX_SKIPS = 1000

#: Highest gap between two counts read from existing servers' names that
#: still continues their sequence when a counter is seeded: ``db7`` after
#: ``db2`` does, ``db20240101`` (a date) does not.
MAX_SEED_GAP = 1000

#: Counter keys this process reserved from, most recent last, at most
#: this many: their counter rows exist, so their creates need no family
#: read (whose cost grows with the servers carrying the requested name's
#: names) to seed them; only the names issued are looked up.
MAX_KNOWN_COUNTERS = 4096

#: API database engines whose naming tables were found, so that each of
#: nova-api's compute APIs does not look them up again.
_CHECKED_ENGINES = weakref.WeakSet()


class CounterTableMissing(RuntimeError):
    """The naming tables are not in the Nova API database."""


class NameReservationFailed(nova_exception.ValidationError):
    """nova-ext could not reserve unique names; the create is refused.

    A subclass of ``ValidationError`` because that is the family Nova's API
    lets through ``expected_errors`` into ``ResourceExceptionHandler``,
    which answers with the exception's own ``code`` and message: here 503,
    the service being unable to honour "names never repeat" for now.
    """

    code = 503
    msg_fmt = ("nova-ext's display name counter could not reserve names: "
               "%(detail)s")


def _noop(instance, index):
    pass


class InstanceNamer(hooks.InstanceNamer):
    """Templated display names and hostnames that never repeat.

    Constructed once per ``nova.compute.API`` object, that is when a
    service starts: options are registered here, once (oslo.config clears
    its option cache on each registration), and the configuration is
    checked so that a bad template or a missing table stops nova-api at
    start rather than failing creates later.
    """

    def __init__(self):
        naming_conf.register_opts(CONF)
        # Where the template comes from is not cached by oslo.config; it
        # cannot change while the service runs.
        self._template_set = naming_conf.template_set(CONF)
        self._known = collections.OrderedDict()
        self._known_lock = threading.Lock()
        if not self._enabled():
            set_ = naming_conf.options_set(CONF, self._template_set)
            if set_:
                LOG.warning(
                    'Display name templating is off although %s %s set: '
                    'multi_instance_display_name_template_enabled is '
                    'false', ' and '.join(set_),
                    'is' if len(set_) == 1 else 'are')
            return
        # Reading the option runs its type, which raises an error naming
        # the option and the bad key for an invalid template.
        template = _template(CONF.multi_instance_display_name_template)
        scope = CONF.multi_instance_display_name_count_scope
        if 'count' not in template.keys and not template.unique_by_uuid:
            LOG.warning('multi_instance_display_name_template %r has '
                        'neither count nor the whole uuid: servers created '
                        'together can get the same name', template.text)
        if scope != 'request' and CONF.api_database.connection:
            # Services without an API database (nova-compute) also build a
            # compute API but never create servers.
            self._check_tables(scope)

    def _enabled(self):
        return naming_conf.enabled(CONF, self._template_set)

    @staticmethod
    def _check_tables(scope):
        """Refuse to start without the naming tables; once per engine.

        nova-api builds a compute API for each of its controllers (34 in
        Nova 34): the tables are looked up for the first only.
        """
        from nova.db.api import api as api_db_api
        from nova_ext.db import migration
        engine = api_db_api.get_engine()
        if engine in _CHECKED_ENGINES:
            return
        missing = migration.missing_naming_tables(engine)
        if not missing:
            _CHECKED_ENGINES.add(engine)
        else:
            raise CounterTableMissing(
                'multi_instance_display_name_count_scope = %s needs the '
                'tables %s in the Nova API database ([api_database] '
                'connection); create them with "nova-ext-manage '
                '--config-file /etc/nova/nova.conf db sync"' % (
                    scope, ', '.join(missing)))

    def reserve(self, context, base_options, num_instances):
        """Reserve the names of a whole request; return the naming callable.

        Names are reserved here, once, so that a multi-create gets
        consecutive numbers, before Nova creates anything for the request.

        :raises NameReservationFailed: (HTTP 503) when names cannot be
            reserved; nothing of the request exists yet.
        """
        if not self._enabled():
            return _noop
        scope = CONF.multi_instance_display_name_count_scope
        project_id = base_options.get('project_id') or context.project_id
        name = base_options.get('display_name')
        if name is None or (
                num_instances < 2 and
                not CONF.force_multi_instance_display_name):
            if scope == 'request':
                return _noop
            return functools.partial(self._record, context, scope,
                                     project_id, keep_display=True)
        template = _template(CONF.multi_instance_display_name_template)
        values = {
            'name': name,
            'project-name': context.project_name or project_id,
            'project_id': project_id,
        }
        keep_hostname = bool(base_options.get('hostname'))
        if (scope == 'request' or 'count' not in template.keys or
                template.unique_by_uuid):
            # Nothing to keep unique (request scope, no count), or the
            # whole UUID does: only the numbering is needed.
            counts = self._counts_only(context, template, scope, values,
                                       num_instances)
        else:
            try:
                counts = self._reserve_names(
                    context, template, scope, values, num_instances,
                    keep_hostname)
            except NameReservationFailed:
                raise
            except Exception as e:
                LOG.exception('Could not reserve display names for %r',
                              name)
                raise NameReservationFailed(
                    detail='%s (see the nova-api log)' % type(e).__name__)

        def name_instance(instance, index):
            instance_values = dict(values, count=counts[index],
                                   uuid=instance.uuid)
            instance.display_name = names.display_name(
                template, instance_values)
            if not keep_hostname:
                hostname = names.hostname(template, instance_values)
                if hostname:
                    instance.hostname = hostname
            else:
                self._record(context, scope, project_id, instance, index,
                             keep_display=False)
            instance.system_metadata[SYSMETA_COUNT] = str(counts[index])
            LOG.debug('Named server %(name)s (count %(count)d)',
                      {'name': instance.display_name,
                       'count': counts[index]}, instance=instance)

        return name_instance

    @staticmethod
    def _record(context, scope, project_id, instance, index, keep_display):
        """Record the names an instance keeps in the issued names.

        Names nova-ext did not make are only known to the cells once a
        conductor builds the server; until then a templated name could
        repeat them. Recorded where still free (see
        :func:`~nova_ext.naming.counter.record`), in the ``project`` and
        ``global`` scopes.
        """
        if scope == 'request':
            return
        scope_str = counter.scope_of(scope, project_id)
        host_scope = counter.host_scope_of(
            scope, project_id, CONF.osapi_compute_unique_server_name_scope)
        display = instance.display_name if keep_display else None
        try:
            _record_names(context, scope_str, display, instance.hostname,
                          host_scope)
        except Exception as e:
            LOG.exception('Could not record the names of server %r',
                          instance.display_name, instance=instance)
            raise NameReservationFailed(
                detail='%s (see the nova-api log)' % type(e).__name__)

    def _counts_only(self, context, template, scope, values, needed):
        if scope == 'request' or 'count' not in template.keys:
            return list(range(1, needed + 1))
        scope_str, key = self._key(scope, values)
        try:
            first = _reserve_counts(context, key, scope_str, values['name'],
                                    needed)
        except Exception as e:
            LOG.exception('Could not reserve display name counts for %r',
                          values['name'])
            raise NameReservationFailed(
                detail='%s (see the nova-api log)' % type(e).__name__)
        return list(range(first, first + needed))

    @staticmethod
    def _key(scope, values):
        scope_str = counter.scope_of(scope, values['project_id'])
        return scope_str, counter.counter_key(scope_str, values['name'])

    def _reserve_names(self, context, template, scope, values, needed,
                       keep_hostname):
        """Issue ``needed`` names no server in scope carries; their counts.

        The requested name's family of existing names is read from the
        cells first, before the API database transaction opens, so that no
        counter row stays locked while the cells answer (each within
        Nova's cell timeout): it seeds a counter row the reservation just
        created, and shows which of the names issued are taken. Only names
        the family read cannot cover (shortened to fit) need a second
        lookup.

        In the ``global`` scope the family is only read when the template
        starts with the requested name (``%(project-name)s-%(name)s...``
        would need an unanchored ``LIKE`` returning every project's names):
        otherwise the count is not seeded from existing servers, and only
        the names issued are looked up. Nor is it read for a requested name
        this process reserved from before (:data:`MAX_KNOWN_COUNTERS`): its
        counter needs no seed, so the cost of a create does not grow with
        the number of servers named like it.
        """
        project_id = None if scope == 'global' else values['project_id']
        scope_str, key = self._key(scope, values)
        host_scope = counter.host_scope_of(
            scope, values['project_id'],
            CONF.osapi_compute_unique_server_name_scope)
        family = seed = None
        with self._known_lock:
            known = key in self._known
        anchored = project_id is not None or template.name_anchored({})
        if anchored and not known:
            family = _Family(template, values, project_id, keep_hostname)
            family.read(context)
            seed = family.seed
        elif anchored:
            # The counter row exists (unless removed since: then it is
            # seeded as it is created, with the row locked meanwhile).
            def seed():
                late = _Family(template, values, project_id, keep_hostname)
                late.read(context)
                return late.seed()

        counts = []
        for _round in range(MAX_ROUNDS):
            issued = _issue(context, template, values, key, scope_str,
                            needed - len(counts), seed, keep_hostname,
                            host_scope)
            if family is not None and family.covers(issued):
                found = family.found
            else:
                found = cells.find(
                    context, project_id,
                    display_names=[d for c, d, h in issued],
                    hostnames=[h for c, d, h in issued if h])
            if (project_id is not None and
                    host_scope == counter.GLOBAL_SCOPE):
                # Nova refuses a hostname any project's server carries
                # (osapi_compute_unique_server_name_scope = global): the
                # project's lookups above cannot see the others.
                found = found + [(None, h) for d, h in cells.find(
                    context, None,
                    hostnames=[h for c, d, h in issued if h])]
            family = seed = None
            displays = {names.fold(d) for d, h in found if d is not None}
            hosts = {names.fold(h) for d, h in found if h is not None}
            for count, display, hostname in issued:
                if names.fold(display) in displays or (
                        hostname is not None and
                        names.fold(hostname) in hosts):
                    LOG.info('Skipping display name count %(count)d: a '
                             'server named %(name)r exists',
                             {'count': count, 'name': display})
                else:
                    counts.append(count)
            if len(counts) == needed:
                self._remember(key)
                return counts
        raise NameReservationFailed(
            detail='the next names of %r are taken (servers carry them, or '
                   'they were issued before); the counter moved past those '
                   'it tried, try again' % values['name'])

    def _remember(self, key):
        with self._known_lock:
            self._known[key] = True
            self._known.move_to_end(key)
            while len(self._known) > MAX_KNOWN_COUNTERS:
                self._known.popitem(last=False)


class _Family(object):
    """The names existing servers carry that a requested name could get.

    Read with two SQL ``LIKE`` patterns: the display names the template
    gives for the requested name (any count), and the hostnames they
    sanitize to, cut where counts up to a billion stop sharing text.
    """

    def __init__(self, template, values, project_id, keep_hostname):
        self.template = template
        self.known = {'name': values['name'].strip()}
        if project_id is not None:
            self.known['project-name'] = values['project-name']
            self.known['project_id'] = project_id
        self.project_id = project_id
        self.pattern = template.pattern(self.known)
        self.like = template.like_pattern(self.known)
        self.host_prefix = None
        if not keep_hostname:
            hosts = [names.hostname(template, dict(values, count=c, uuid=''))
                     for c in (1, 2, 10 ** 9)]
            if None not in hosts:
                self.host_prefix = os.path.commonprefix(hosts)
        self.found = []

    def read(self, context):
        host_like = None
        if self.host_prefix:
            host_like = name_template.like_escape(self.host_prefix) + '%'
        self.found = cells.find(context, self.project_id, like=self.like,
                                host_like=host_like)

    def seed(self):
        """Return the highest count the family continues, or 0.

        Only names this template could have produced for the requested
        name count (:meth:`Template.count_from`), and a count only
        continues the sequence read so far if it is at most
        :data:`MAX_SEED_GAP` further.
        """
        if self.pattern is None:
            return 0
        read = sorted({self.template.count_from(d, self.known, self.pattern)
                       for d, h in self.found if d is not None} - {None})
        seed = 0
        for count in read:
            if count - seed > MAX_SEED_GAP:
                break
            seed = count
        return seed

    def covers(self, issued):
        """Tell whether the rows read include any that could take ``issued``.

        True when each issued display name is of the family (the display
        pattern read it back) and each hostname starts with the hostname
        prefix read; otherwise (names shortened to fit, counts past a
        billion) the caller asks the cells for the exact names.
        """
        if self.pattern is None:
            return False
        for count, display, hostname in issued:
            if self.template.count_from(display, self.known,
                                        self.pattern) != count:
                return False
            if hostname is not None and not (
                    self.host_prefix and hostname.startswith(
                        self.host_prefix)):
                return False
        return True


@counter.retried
def _record_names(context, scope, display_name, hostname, host_scope):
    with counter.transaction(context) as conn:
        counter.record(conn, scope, display_name, hostname, host_scope)


@counter.retried
def _reserve_counts(context, key, scope, name, needed):
    with counter.transaction(context) as conn:
        return counter.reserve(conn, key, scope, name, needed)


@counter.retried
def _issue(context, template, values, key, scope, needed, seed,
           keep_hostname, host_scope=None):
    """Reserve counts and issue their names, in one transaction.

    Counts whose display name or hostname was issued before are skipped,
    and more reserved in their place, while the counter row stays locked;
    past :data:`MAX_SKIPS` of them the transaction commits with fewer
    names than asked (the caller's next round continues).

    :param seed: None, or a callable returning the count existing servers'
        names reach, called only when this transaction creates the counter
        row (its first count is then 1), which then starts after it.
    :param host_scope: the scope hostnames are issued in, if not ``scope``
        (Nova's ``osapi_compute_unique_server_name_scope = global``).
    :returns: ``(count, display name, hostname)`` of ``needed`` names.
    """
    issued = []
    skipped = 0
    with counter.transaction(context) as conn:
        while len(issued) < needed:
            want = needed - len(issued)
            first = counter.reserve(conn, key, scope, values['name'], want)
            if first == 1 and seed is not None:
                # A row already there never gives 1 again: this one is new,
                # and locked by this transaction until it commits.
                start = seed()
                if start:
                    counter.advance(conn, key, start)
                    first += start
            seed = None
            for count in range(first, first + want):
                count_values = dict(values, count=count, uuid='')
                display = names.display_name(template, count_values)
                hostname = (None if keep_hostname else
                            names.hostname(template, count_values))
                if counter.issue(conn, scope, display, hostname,
                                 host_scope):
                    issued.append((count, display, hostname))
                    continue
                LOG.debug('Display name %(name)r or hostname %(host)r was '
                          'issued before; skipping count %(count)d',
                          {'name': display, 'host': hostname,
                           'count': count})
                skipped += 1
                if skipped > MAX_SKIPS:
                    # Commit the counts skipped so far rather than roll
                    # them back: a counter behind its issued names (its
                    # row deleted, or set back, by hand) would otherwise
                    # skip the same names, and fail, on every create. The
                    # caller's next round goes on from here.
                    LOG.warning('Display name counter of %(name)r skipped '
                                '%(n)d names issued before, up to %(last)r; '
                                'was its row removed or set back?',
                                {'name': values['name'], 'n': skipped,
                                 'last': display})
                    return issued
    return issued


@functools.lru_cache(maxsize=8)
def _template(text):
    return name_template.Template(text)
