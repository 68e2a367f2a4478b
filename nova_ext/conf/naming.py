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

"""Display-name templating options, in ``[DEFAULT]`` (read by nova-api).

``multi_instance_display_name_template`` was removed from Nova; nova-ext
brings it back under the same name so that operators' existing nova.conf
files keep working.
"""

from oslo_config import cfg
from oslo_config import types

from nova_ext.naming import template


class DisplayNameTemplate(types.String):
    """A ``%``-format template using only the keys of
    :data:`nova_ext.naming.template.KEYS`.

    Checking the template when the option is read, rather than when a server
    is created, turns a typo into an error at nova-api start that names the
    option and the bad key, instead of a 500 on the first create.
    """

    def __init__(self):
        super().__init__(type_name='display name template')

    def __call__(self, value):
        value = super().__call__(value)
        try:
            template.validate(value)
        except ValueError as e:
            raise ValueError(str(e))
        return value

    def _formatter(self, value):
        return value


naming_opts = [
    cfg.BoolOpt(
        'multi_instance_display_name_template_enabled',
        default=None,
        help="""
Force nova-ext's display-name templating on or off.

Left unset (the default), naming is on as soon as
``multi_instance_display_name_template`` is set or
``force_multi_instance_display_name`` is true, as with Nova before Rocky,
and off otherwise, so that installing nova-ext changes nothing until an
operator asks for it. Set means given by any of oslo.config's sources: a
configuration file (``--config-file``, or a file in ``--config-dir``), or
the environment of nova-api (``OS_DEFAULT__`` and the option name in upper
case, e.g. ``OS_DEFAULT__MULTI_INSTANCE_DISPLAY_NAME_TEMPLATE``). A file
that repeats an option's default value also counts as set. These options
have no command-line flags of their own. When off, Nova names servers
as upstream does (a multi-create of "web" gives web-1, web-2).

Possible values:

* Unset: on when the naming options are set.
* ``true``: on, with the defaults of the other naming options.
* ``false``: off even when the naming options are set; nova-api then logs a
  warning at start.

Related options:

* ``multi_instance_display_name_template``
* ``force_multi_instance_display_name``
* ``multi_instance_display_name_count_scope``
"""),
    cfg.Opt(
        'multi_instance_display_name_template',
        type=DisplayNameTemplate(),
        default='%(name)s-%(count)d',
        help="""
Template for the display names of servers created together.

When a request creates several servers (and, with
``force_multi_instance_display_name``, also a single one), each gets the
display name this template gives. The hostname follows the display name
unless the user asked for a hostname.

Possible values:

* A Python ``%``-format string using any of these keys:

  * ``name``: the display name the user asked for.
  * ``count``: the server's number, an integer; see
    ``multi_instance_display_name_count_scope``. Any conversion that
    formats an integer works (``%(count)d``, ``%(count)s``,
    ``%(count)03d``); decimal ones can also be read back from the names of
    existing servers when a count starts.
  * ``uuid``: the server's UUID.
  * ``project-name``: the name of the project from the request's token, or
    the project ID when no name is known.
  * ``project_id``: the project ID.

  Templates Nova accepted before Rocky keep working. An unknown key or a
  template that does not format stops nova-api at start. Setting this
  option turns naming on (see
  ``multi_instance_display_name_template_enabled``). Without ``count`` or
  ``uuid`` the names of a request cannot differ; nova-api warns at start.

Related options:

* ``multi_instance_display_name_template_enabled``
* ``force_multi_instance_display_name``
* ``multi_instance_display_name_count_scope``
"""),
    cfg.BoolOpt(
        'force_multi_instance_display_name',
        default=False,
        help="""
Apply ``multi_instance_display_name_template`` to single-server creates too.

By default a request for one server keeps the display name the user asked
for; with this enabled it is templated like a multi-create, so that names
never repeat. Setting it to true turns naming on (see
``multi_instance_display_name_template_enabled``).

Related options:

* ``multi_instance_display_name_template_enabled``
* ``multi_instance_display_name_template``
"""),
    cfg.StrOpt(
        'multi_instance_display_name_count_scope',
        default='project',
        choices=[
            ('request', 'Number the servers of one request 1..N, as upstream '
                        'Nova did; names may repeat across requests.'),
            ('project', 'Continue the count per requested name within the '
                        'project: "test" gives test1, then test2 on the next '
                        'request.'),
            ('global', 'Continue the count per requested name across all '
                       'projects.'),
        ],
        help="""
Where the ``count`` of the display-name template continues from.

With ``project`` or ``global`` the count is reserved atomically in the Nova
API database (tables ``nova_ext_name_counters`` and
``nova_ext_issued_names``, created by ``nova-ext-manage db sync``): every
name issued is unique in its scope, as display name compared
case-insensitively and as hostname, under any concurrency and on any number
of nova-api workers. A count whose name is already issued, or carried by an
existing server, is skipped; numbers of deleted servers and of failed
creates are not reused. The requested name is compared with surrounding
white space stripped and lower-cased (each character's simple lower
case, as the databases' ``lower()``: ``Straße`` and ``STRASSE`` are two
names). If the database cannot reserve names,
the create fails with HTTP 503 rather than repeat a name.

In ``global`` scope, a skipped number can tell a user that a server in
another project holds that name.

Related options:

* ``multi_instance_display_name_template``
"""),
]


def _is_set(conf, name):
    """Tell whether an operator (file, command line, override) set ``name``.
    """
    location = conf.get_location(name).location
    return location not in (cfg.Locations.opt_default,
                            cfg.Locations.set_default)


def template_set(conf):
    """Tell whether an operator set ``multi_instance_display_name_template``.

    About 50 microseconds: oslo.config does not cache where a value comes
    from. The option is not mutable, so nova-api asks once, at start.
    """
    return _is_set(conf, 'multi_instance_display_name_template')


def options_set(conf, template_is_set=None):
    """Return the names of the naming options that turn naming on.

    :param template_is_set: :func:`template_set`, when the caller has it.
    """
    found = []
    if template_is_set is None:
        template_is_set = template_set(conf)
    if template_is_set:
        found.append('multi_instance_display_name_template')
    if conf.force_multi_instance_display_name:
        found.append('force_multi_instance_display_name')
    return found


def enabled(conf, template_is_set=None):
    """Tell whether nova-ext names new servers.

    ``multi_instance_display_name_template_enabled`` decides when set;
    otherwise setting the template, or forcing it on single creates, is
    what turns naming on (see the option's help).

    :param template_is_set: :func:`template_set`, when the caller has it.
    """
    switch = conf.multi_instance_display_name_template_enabled
    if switch is not None:
        return switch
    return bool(options_set(conf, template_is_set))


def register_opts(conf):
    conf.register_opts(naming_opts)


def list_opts():
    return [('DEFAULT', naming_opts)]
