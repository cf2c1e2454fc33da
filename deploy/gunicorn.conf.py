"""gunicorn in production: `gunicorn -c deploy/gunicorn.conf.py config.wsgi:application` (the
`web` service of docker-compose.yml, the Dockerfile's command and bench/_stack.py's stack).

- sync workers, one request at a time per process. A request is mostly CPU-bound Python (a
  wizard update ~20 ms, a quote creation ~20 ms with ~20 queries and a commit). Threads in one
  process share one interpreter lock: a request returning from each of its queries waits for
  a CPU-bound neighbour to release it (up to 5 ms each time), so threads slowed the
  query-heavy requests most (a quote creation next to a busy thread: 125 -> 684 ms wall
  median, next to a busy process: 389 ms; bench/RESULTS.md). Processes are scheduled by the
  kernel, which wakes the one whose query came back at once. And a sync worker accepts a
  connection only when it is free, so requests wait in one queue for the first free worker
  instead of behind a busy one (gthread accepts while busy).
- workers: 2 per core this process may run on (its CPU affinity, which a container's cpuset
  limits) + 1, gunicorn's documented starting point: a worker waiting on PostgreSQL, Redis or
  a commit leaves its core to another. `WEB_WORKERS` overrides (e.g. a cgroup CPU quota
  smaller than the cpuset). Each worker holds one PostgreSQL connection (CONN_MAX_AGE).
- no keep-alive (sync workers close each connection): the proxy in front opens a connection
  per request anyway (deploy/nginx.conf resolves the replicas by name on each request, which
  rules out nginx's upstream connection pool); a loopback connect costs ~0.1 ms.
- timeout 60 s, graceful 30 s: no request renders a document (the `pdf` queue does).
- the access log is the portal's own JSON line per request (apps/ops), not gunicorn's.
- each worker, once it has loaded the application, loads the URL configuration and the
  catalog snapshot and freezes its heap for the garbage collector (`post_worker_init`,
  config/worker.py: full collections then skip start-up's ~100 k objects; `WEB_GC_FREEZE=0`
  turns it off). The app is not preloaded in the master: each worker imports it itself.
"""

import os

cores = len(os.sched_getaffinity(0))

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "sync"
workers = int(os.environ.get("WEB_WORKERS") or 2 * cores + 1)
timeout = 60
graceful_timeout = 30


def post_worker_init(worker: object) -> None:
    from config.worker import warm_and_freeze

    warm_and_freeze()
