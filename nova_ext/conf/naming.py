"""Display-name templating options, in ``[DEFAULT]`` (read by nova-api).

``multi_instance_display_name_template`` was removed from Nova; nova-ext
brings it back under the same name so that operators' existing nova.conf
files keep working.
"""

from oslo_config import cfg
from oslo_config import types

#: Keys the template may use.
TEMPLATE_KEYS = ('name', 'count', 'uuid', 'project-name', 'project_id')


class DisplayNameTemplate(types.String):
    """A ``%``-format template that may only use :data:`TEMPLATE_KEYS`.

    Checking the template when the option is read, rather than when a server
    is created, turns a typo into an error at nova-api start that names the
    option and the bad key, instead of a 500 on the first create.
    """

    def __init__(self):
        super().__init__(type_name='display name template')

    def __call__(self, value):
        value = super().__call__(value)
        # Imported here: nova_ext.naming imports this module.
        from nova_ext.naming import template
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
        default=False,
        help="""
Let nova-ext name new servers with ``multi_instance_display_name_template``.

Off by default so that installing nova-ext changes nothing until an operator
asks for it. When off, Nova names servers as upstream does (a multi-create
of "web" gives web-1, web-2).

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
  * ``count``: the server's number (an integer, use ``%(count)d``); see
    ``multi_instance_display_name_count_scope``.
  * ``uuid``: the server's UUID.
  * ``project-name``: the name of the project from the request's token, or
    the project ID when no name is known.
  * ``project_id``: the project ID.

  An unknown key or a malformed template stops nova-api at start.

Related options:

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
never repeat.

Related options:

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
API database (table ``nova_ext_name_counters``, created by
``nova-ext-manage db sync``) so that concurrent creates on any number of
nova-api workers never get the same number, and numbers of deleted servers
are not reused. The requested name is compared with surrounding white space
stripped and case folded.

Related options:

* ``multi_instance_display_name_template``
"""),
]


def register_opts(conf):
    conf.register_opts(naming_opts)


def list_opts():
    return [('DEFAULT', naming_opts)]
