"""nova-ext: a third-party boot gate and display-name templating for Nova.

All the logic lives in this package. Nova reaches it only through the
stevedore entry points declared in setup.cfg, at the hook points that the
diffs in ``patches/`` add to Nova.
"""
