# Unit tests may import Nova; pick its concurrency backend first, as Nova's
# own test packages do (eventlet unless OS_NOVA_DISABLE_EVENTLET_PATCHING).
from nova import monkey_patch; monkey_patch.patch()  # noqa
