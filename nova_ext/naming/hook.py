"""Name new servers from ``multi_instance_display_name_template``.

Loaded by Nova's compute API through the ``nova.compute.api.instance_namers``
entry point (patches/0003). For every create request nova-api calls
:meth:`InstanceNamer.reserve` once, after quotas fixed how many servers the
request makes, then the returned callable once per server, after Nova set
its own display name and hostname.

Everything is a no-op unless ``multi_instance_display_name_template_enabled``
is set, so that installing nova-ext leaves Nova's behaviour (and Nova's own
tests) unchanged.
"""

import functools

from oslo_db import api as oslo_db_api
from oslo_log import log as logging
import sqlalchemy as sa

from nova_ext.conf import naming as naming_conf
from nova_ext.naming import counter
from nova_ext.naming import names
from nova_ext.naming import template as name_template

LOG = logging.getLogger(__name__)

#: System metadata key recording the count a server got, for audit. System
#: metadata is not shown to, nor editable by, users.
SYSMETA_COUNT = 'nova_ext_name_count'

#: How many extra reservations may be made to skip counts whose names
#: already exist (servers renamed by hand). Bounded so that a template
#: without ``count`` cannot loop.
MAX_SKIP_ROUNDS = 5


class CounterTableMissing(RuntimeError):
    """The counter table is not in the Nova API database."""


def _noop(instance, index):
    pass


def _conf():
    import nova.conf
    conf = nova.conf.CONF
    naming_conf.register_opts(conf)
    return conf


class InstanceNamer(object):
    """Templated, never repeating display names for new servers.

    Constructed once per ``nova.compute.API`` object, that is when a
    service starts. Checking the configuration here turns a bad template
    or a missing table into an error at nova-api start rather than a failed
    create later.
    """

    def __init__(self):
        conf = _conf()
        # Counter keys known to have a row: their first use needs no
        # existence check nor seeding.
        self._known_keys = set()
        if not conf.multi_instance_display_name_template_enabled:
            return
        # Reading the option runs its type, which raises an error naming
        # the option and the bad key for an invalid template.
        name_template.Template(conf.multi_instance_display_name_template)
        if (conf.multi_instance_display_name_count_scope != 'request' and
                conf.api_database.connection):
            # Services without an API database (nova-compute) also build a
            # compute API but never create servers.
            self._check_table()

    @staticmethod
    def _check_table():
        from nova.db.api import api as api_db_api
        from nova_ext.db import migration
        if not migration.counter_table_exists(api_db_api.get_engine()):
            raise CounterTableMissing(
                'multi_instance_display_name_count_scope = %s needs the '
                'table %s in the Nova API database ([api_database] '
                'connection); create it with "nova-ext-manage --config-file '
                '/etc/nova/nova.conf db sync"' % (
                    _conf().multi_instance_display_name_count_scope,
                    migration.COUNTER_TABLE))

    def reserve(self, context, base_options, num_instances):
        """Reserve the counts of a whole request; return the naming callable.

        Counts are reserved here, once, so that a multi-create gets
        consecutive numbers in one database statement. Any failure falls
        back to Nova's own names (logged): a naming problem must never fail
        a create.
        """
        conf = _conf()
        if not conf.multi_instance_display_name_template_enabled:
            return _noop
        if num_instances < 2 and not conf.force_multi_instance_display_name:
            return _noop
        name = base_options.get('display_name')
        if name is None:
            return _noop
        template = _template(conf.multi_instance_display_name_template)
        scope = conf.multi_instance_display_name_count_scope
        project_id = base_options.get('project_id') or context.project_id
        values = {
            'name': name,
            'project-name': context.project_name or project_id,
            'project_id': project_id,
        }
        if scope == 'request' or 'count' not in template.keys:
            counts = list(range(1, num_instances + 1))
        else:
            try:
                counts = self._reserve_counts(
                    context, template, scope, values, num_instances)
            except Exception:
                LOG.exception(
                    'Could not reserve display name counts for %(name)r; '
                    'keeping the names Nova gave', {'name': name})
                return _noop
        keep_hostname = bool(base_options.get('hostname'))

        def name_instance(instance, index):
            instance_values = dict(values, count=counts[index],
                                   uuid=instance.uuid)
            instance.display_name = names.display_name(
                template, instance_values)
            if not keep_hostname:
                hostname = names.hostname(template, instance_values)
                if hostname:
                    instance.hostname = hostname
            instance.system_metadata[SYSMETA_COUNT] = str(counts[index])
            LOG.debug('Named server %(name)s (count %(count)d)',
                      {'name': instance.display_name,
                       'count': counts[index]}, instance=instance)

        return name_instance

    def _reserve_counts(self, context, template, scope, values, needed):
        """Reserve ``needed`` counts whose names are not taken yet."""
        project_id = None if scope == 'global' else values['project_id']
        scope_str = counter.scope_of(scope, values['project_id'])
        key = counter.counter_key(scope_str, values['name'])
        known = {'name': values['name'].strip()}
        if project_id is not None:
            known['project-name'] = values['project-name']
            known['project_id'] = project_id
        seed = 0
        if key not in self._known_keys:
            if not _counter_exists(context, key):
                seed = _seed(context, template, known, project_id)
                LOG.info('Display name counter for %(name)r in %(scope)s '
                         'starts after %(seed)d, the highest count existing '
                         'servers use', {'name': values['name'],
                                         'scope': scope_str, 'seed': seed})
        counts = []
        for attempt in range(MAX_SKIP_ROUNDS + 1):
            want = needed - len(counts)
            first = _reserve(context, key, scope_str, values['name'], want,
                             seed)
            self._known_keys.add(key)
            batch = list(range(first, first + want))
            if 'uuid' in template.keys or attempt == MAX_SKIP_ROUNDS:
                # A uuid makes every name unique; out of tries, take what
                # we have rather than fail the create.
                if 'uuid' not in template.keys:
                    LOG.warning('Display names for %(name)r still exist '
                                'after %(n)d tries; some may repeat',
                                {'name': values['name'], 'n': attempt})
                counts.extend(batch)
                break
            by_name = {}
            for count in batch:
                display = names.display_name(
                    template, dict(values, count=count, uuid=''))
                by_name[display.casefold()] = (display, count)
            taken = _existing_names(
                context, [d for d, c in by_name.values()], project_id)
            for folded, (display, count) in by_name.items():
                if folded in taken:
                    LOG.info('Skipping display name count %(count)d: a '
                             'server named %(name)r exists',
                             {'count': count, 'name': display})
                else:
                    counts.append(count)
            if len(counts) >= needed:
                break
        return sorted(counts)[:needed]


@functools.lru_cache(maxsize=8)
def _template(text):
    return name_template.Template(text)


def _api_context_manager():
    from nova.db.api import api as api_db_api
    return api_db_api.context_manager


@oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)
def _reserve(context, key, scope, name, count, seed):
    # A plain connection, no ORM session: one statement, then commit.
    with _api_context_manager().writer.connection.using(context) as conn:
        return counter.reserve(conn, key, scope, name, count, seed=seed)


def _counter_exists(context, key):
    with _api_context_manager().reader.connection.using(context) as conn:
        return counter.exists(conn, key)


def _gather(context, fn, *args):
    """Run ``fn`` in every cell; return the results of those that answered.

    Cells that fail or time out are logged and left out: naming is best
    effort about servers it cannot see, the counter itself stays exact.
    """
    from nova import context as nova_context
    results = nova_context.scatter_gather_all_cells(context, fn, *args)
    found = []
    for cell_uuid, result in results.items():
        if nova_context.is_cell_failure_sentinel(result):
            LOG.warning('Cell %s did not answer a display name lookup; '
                        'its servers are not considered', cell_uuid)
            continue
        found.extend(result)
    return found


def _instances_query(project_id):
    from nova.db.main import models
    query = sa.select(models.Instance.display_name)
    if project_id is not None:
        query = query.where(models.Instance.project_id == project_id)
    return query, models.Instance


def _names_in_cell(cctxt, lowered, exact, project_id):
    from nova.db.main import api as main_db_api
    query, instance = _instances_query(project_id)
    query = query.where(
        instance.deleted == 0,
        sa.or_(sa.func.lower(instance.display_name).in_(lowered),
               instance.display_name.in_(exact)))
    cm = main_db_api.get_context_manager(cctxt)
    with cm.reader.connection.using(cctxt) as conn:
        return [row[0] for row in conn.execute(query)]


def _existing_names(context, display_names, project_id):
    """Return the case folded display names that servers in scope have."""
    lowered = sorted({n.lower() for n in display_names})
    found = _gather(context, _names_in_cell, lowered, list(display_names),
                    project_id)
    return {n.casefold() for n in found if n is not None}


def _candidates_in_cell(cctxt, like, project_id):
    from nova.db.main import api as main_db_api
    query, instance = _instances_query(project_id)
    # Deleted servers too, while their rows exist: their numbers are not
    # reused either.
    query = query.where(sa.or_(
        instance.display_name.like(like, escape='\\'),
        sa.func.lower(instance.display_name).like(like.lower(),
                                                  escape='\\')))
    cm = main_db_api.get_context_manager(cctxt)
    with cm.reader.connection.using(cctxt) as conn:
        return [row[0] for row in conn.execute(query)]


def _seed(context, template, known, project_id):
    """Return the highest count existing servers' names use, or 0."""
    like = template.like_pattern(known)
    pattern = template.pattern(known)
    best = 0
    for display in _gather(context, _candidates_in_cell, like, project_id):
        if display is None:
            continue
        match = pattern.fullmatch(display)
        if match is not None and match.groupdict().get('count'):
            best = max(best, int(match.group('count')))
    return best
