"""A term on one machine: hours of mixed load with faults overlapping, and every job accounted.

    flock /tmp/backprop-bench.lock python -m bench.term --minutes 20 --broker redis --seed 1

Against the processes `backprop-lab run` starts (bench/processes.py): the interactive and the
batch worker (a pool of one process per core each) and the API (gunicorn), on a redis-server
the run starts itself so that it can stop and restart it (append-only, `appendfsync always`,
as in production: docs/durability.md), with Redis or RabbitMQ (a vhost of the run's own on the
machine's RabbitMQ) as the broker. Job records live a short time (JOB_TTL) so that Redis'
memory returns to its baseline as they expire.

- load (load.py): interactive page jobs at a steady rate, students answering the exercises of
  a page job, event streams held open on batch jobs, researchers' naive jobs (split into parts)
  and training jobs, big results, cancels and deletes;
- faults (faults.py), on a schedule drawn from the seed and printed as they happen, overlapping:
  SIGKILL of a worker's pool process and of a whole worker (the run command starts a new one),
  SIGKILL of an API process (gunicorn starts a new one), Redis stopped and restarted, a worker
  paused with SIGSTOP past its lease (WORKER_LEASE_SECONDS) and resumed; on a RabbitMQ broker
  the machine's RabbitMQ is shared, so it is not restarted; a worker host's link cut is not
  part of it (tests/e2e/test_worker_hosts.py does that alone);
- samples (samples.py): resident memory and open files of every process, Redis' used memory
  and connections, every few seconds;
- accounting (account.py): each accepted job (a 202 or a 200) ends exactly once (its `ended`
  list holds one entry), with a result equal to `model.run` of its spec recomputed here, or as
  cancelled when it was cancelled; anything lost, duplicated or wrong is listed, and the run
  exits 1.

The report (report.py) prints the faults, the jobs by class, page-job latency between faults
and within 30 s after one, and memory at the start, at 10 minutes and at the end, and writes
them as JSON (`--out`).
"""
