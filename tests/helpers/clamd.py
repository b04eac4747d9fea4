"""The suite's own clamd (clamav/start-clamd.sh with the shipped EICAR-only signatures, 0.1 s to start), and
the settings that point an app at it and at a temporary attachments folder. tests/conftest.py starts one per
run (`scanner`) and stops it at the end."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SETTINGS: dict = {}  # CLAMD_SOCKET and ATTACHMENTS_DIR once the run's clamd is up


def start(folder: Path) -> str:
    return subprocess.run([str(ROOT / "clamav" / "start-clamd.sh"), str(folder)], check=True,
                          capture_output=True, text=True).stdout.strip()


def stop(folder: Path) -> None:
    pid = int((folder / "clamd.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
