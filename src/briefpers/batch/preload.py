"""Imported by the worker pool's fork server before it forks a worker.

A worker forked from that server (a replacement for one that died, or every
worker of a command that runs threads) starts with WeasyPrint and the
pipeline already imported: half a second of a cold start, paid once per run
instead of once per worker. (The command forks its first workers itself.)
What start-up loaded is frozen out of the garbage collector's reach: workers
never scan it, and copy-on-write pages stay shared.
"""

from __future__ import annotations

import gc

from briefpers.quick_import import import_weasyprint

try:
    import_weasyprint()
    import briefpers.pipeline  # noqa: F401
except (ImportError, OSError):
    pass  # e.g. Pango missing: each worker tries again and reports why (init_worker)

gc.freeze()
