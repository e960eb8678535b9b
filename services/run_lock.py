"""One signaldesk per DATA_DIR: an exclusive `flock` on DATA_DIR/signaldesk.lock.

The running bot holds the lock for its whole life; `python -m bot restore` takes it too,
so a restore never swaps the database under a running bot and a bot cannot start in the
middle of a restore. The kernel drops the lock when the holder exits, even on SIGKILL, so
a stale file never blocks anything. The file is never deleted: deleting a lock file
while another process waits on it is how two holders happen.

A `flock` belongs to an open file description, so a second `RunLock` on the same path
conflicts with the first even inside one process (which is how the tests hold it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_FILE_NAME = "signaldesk.lock"


class AlreadyRunning(Exception):
    """Another process holds the run lock; the message says which and what to do."""

    def __init__(self, path: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"signaldesk is already running on this data folder ({holder} holds "
                         f"{path}) — stop it first")
        self.path = path
        self.pid = pid


class RunLock:
    """An exclusive, non-blocking lock on `path`; a (async) context manager."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held_here(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock at once or raise `AlreadyRunning` (never waits)."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(self.path, self.holder_pid()) from None
        except BaseException:
            os.close(fd)
            raise
        # The pid is only for the message another process prints; the lock is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor drops the flock

    def is_held(self) -> bool:
        """True when some holder (this object included) has the lock right now.

        The probe takes the lock for an instant when it is free, so a bot starting in that
        instant would be refused: use it for messages and checks, not in a tight loop."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also releases the probe's lock if it got one
        return False

    def holder_pid(self) -> int | None:
        """The pid the holder wrote into the file, if readable."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    async def __aenter__(self) -> RunLock:
        return self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.release()
