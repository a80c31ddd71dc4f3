"""gunicorn settings the web unit and the container load (`-c deploy/gunicorn.conf.py`); the command line
gives the rest (bind, workers, threads).

/metrics adds up every worker's request metrics from the files prometheus_client keeps in
PROMETHEUS_MULTIPROC_DIR (a folder emptied at each start: the unit's RuntimeDirectory). A worker that exits
is marked dead there, so its live gauges stop counting while its counters stay in the sums.
"""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
