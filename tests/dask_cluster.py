"""A real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, for tests.

Used by the tests that check a run on a cluster of separate processes gives the serial run's
numbers exactly (sweeps, assurance).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def real_dask_cluster(folder: Path, *, workers: int = 1) -> Iterator[str]:
    """Start a scheduler and ``workers`` single-threaded worker processes; yield its address.

    Everything runs on 127.0.0.1 with this checkout on ``PYTHONPATH``; the processes are
    terminated (then killed) on exit.
    """
    dask = Path(sys.executable).with_name("dask")
    file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    scheduler = subprocess.Popen(
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file",
         str(file), "--idle-timeout", "600", "--no-dashboard"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    procs = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        worker = subprocess.Popen(
            [str(dask), "worker", address, "--nworkers", str(workers), "--nthreads", "1",
             "--host", "127.0.0.1", "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(worker)
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=120)
            found = client.scheduler_info()["workers"]
            assert len(found) == workers and all(w.startswith("tcp://127.0.0.1:") for w in found)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
