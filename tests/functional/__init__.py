# Functional tests run Nova's own in-process harness (nova.tests.functional)
# with the patches from patches/ applied to the installed Nova.
#
# Like Nova's own test packages, this one picks the concurrency backend
# before anything else is imported: eventlet by default, native threading
# with OS_NOVA_DISABLE_EVENTLET_PATCHING=true. .ci/run runs both.
from nova import monkey_patch; monkey_patch.patch()  # noqa

import os  # noqa: E402
import sys  # noqa: E402

# Nova's wheel installs api-paste.ini under sys.prefix, not next to the
# package where [wsgi] api_paste_config looks by default; oslo.config reads
# OS_<GROUP>__<OPTION> environment variables, which also reach the tests of
# upstream Nova that .ci/run runs.
os.environ.setdefault(
    'OS_WSGI__API_PASTE_CONFIG',
    os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini'))
