"""A ``fixtures.Fixture`` running the reference third party for a test.

Only tests import this module (``fixtures`` is a test requirement)::

    tp = self.useFixture(fixture.ReferenceThirdPartyFixture(
        mode='async', nova=poster)).server
    self.flags(url=tp.url, group='third_party_gate')

Every keyword goes to :class:`nova_ext.reference.service.ReferenceThirdParty`;
the server is started at setUp and stopped (threads joined) at cleanup.
"""

import fixtures

from nova_ext.reference import service


class ReferenceThirdPartyFixture(fixtures.Fixture):
    """Start a ReferenceThirdParty for the duration of a test."""

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs
        self.server = None

    def _setUp(self):
        self.server = service.ReferenceThirdParty(**self.kwargs)
        self.server.start()
        self.addCleanup(self.server.stop)
