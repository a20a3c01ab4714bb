"""Run the note phase on a Dask distributed cluster (``--engine dask``).

The client (the process running ``sle-abstract``) reads the inputs, sends
chunks of notes to the cluster, and writes what comes back to the run
journal; resolving patients and writing outputs stay on the client, exactly
as with the local engine, so outputs are byte-identical. Each Dask worker
thread builds its own note pipeline once. Workers must have the same version
of this package (and so the same rule files) installed; a worker whose
``pipelines/`` differ refuses the task.

Dask is an optional extra: ``pip install 'sle-abstract[dask]'``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from nlp.engine import CHUNK_NOTES, Chunk, EngineError, process_chunk_checked

DASK_CHUNK_NOTES = 4 * CHUNK_NOTES
"""Notes per Dask task: larger than a local chunk, to amortise scheduler overhead (about 1 ms a task)."""
CONNECT_TIMEOUT = "20s"


class DaskBackend:
    """Chunks of notes as Dask tasks, a bounded number in flight.

    Parameters
    ----------
    workers:
        Worker processes of the local cluster started when ``scheduler`` is
        ``None`` (one thread each).
    scheduler:
        Address of an existing scheduler, e.g. ``tcp://10.0.0.5:8786``.
    rules:
        Fingerprint of the client's rule files; workers check theirs against it.

    Raises
    ------
    EngineError
        Dask is not installed, or the scheduler cannot be reached.
    """

    chunk_notes = DASK_CHUNK_NOTES

    def __init__(self, workers: int, scheduler: str | None, rules: str) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise EngineError("--engine dask needs Dask: pip install 'sle-abstract[dask]'") from None
        self._rules = rules
        self._cluster: Any = None
        # distributed logs every connection at INFO in this process; the CLI prints warnings only.
        logging.getLogger("distributed").setLevel(logging.WARNING)
        try:
            if scheduler:
                self._client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            else:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    # Loopback only (the dashboard has no authentication), any free port.
                    dashboard_address="127.0.0.1:0",
                    silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            where = scheduler or "a local cluster"
            raise EngineError(f"cannot connect to the Dask scheduler at {where}: {exc}") from None
        threads = sum(self._client.nthreads().values()) or workers
        self.max_inflight = max(2, 2 * threads)

    def submit(self, chunk: Chunk) -> Any:
        """Send one chunk to the cluster."""
        return self._client.submit(process_chunk_checked, chunk, self._rules, pure=False)

    def wait_any(self, handles: list[Any]) -> Iterable[Any]:
        """Block until at least one chunk is done."""
        from distributed import wait

        return wait(handles, return_when="FIRST_COMPLETED").done

    def result(self, handle: Any) -> bytes:
        """The journal lines of a done chunk (re-raises a task's error)."""
        lines = handle.result()
        handle.release()
        return lines

    def close(self) -> None:
        """Disconnect; stop the local cluster if this backend started it (idempotent)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
        cluster, self._cluster = self._cluster, None
        if cluster is not None:
            cluster.close()
