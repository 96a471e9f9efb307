"""Failed sign-ins, counted for the whole server: guessing gets slower, then stops a while.

A wrong password costs nothing the first few times (people mistype). After that, each key
(the client's address, and the account being guessed: with shared passwords, everyone
guesses the same one) must wait before its next attempt, twice as long each time, and
enough failures lock it for a while. Counting per server rather than per session is what
stops many sessions guessing side by side.

The counts live in the server's memory: a restart forgets them, which only shortens a
lockout. Every failure is also in the audit log (without what was typed).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from ddq import clock


@dataclass(frozen=True)
class Policy:
    """How one kind of key is slowed down and locked."""

    free_failures: int  # failures before any wait (people mistype)
    first_wait: dt.timedelta  # then this wait, doubled by every further failure,
    longest_wait: dt.timedelta  # up to this
    lock_after: int  # this many failures within the window lock the key
    lock_for: dt.timedelta
    window: dt.timedelta  # failures older than this are forgotten


# One client: a person who forgot the password gets 3 tries at once, then waits of 2, 4,
# 8... seconds; 10 failures within 15 minutes lock that address for 15 minutes.
ADDRESS = Policy(3, dt.timedelta(seconds=2), dt.timedelta(seconds=60), 10,
                 dt.timedelta(minutes=15), dt.timedelta(minutes=15))  # fmt: skip
# The account guessed by everyone at once: a room signing in after a password change makes
# a few mistakes between them; 30 failures within 15 minutes from any number of sessions
# are an attack, and lock sign-in with that password for everyone for 5 minutes.
ACCOUNT = Policy(10, dt.timedelta(seconds=1), dt.timedelta(seconds=30), 30,
                 dt.timedelta(minutes=5), dt.timedelta(minutes=15))  # fmt: skip


@dataclass
class _Record:
    failures: list[dt.datetime] = field(default_factory=list)
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class Refusal:
    """Why an attempt may not be made now, and for how long."""

    key: str
    seconds: int
    locked: bool

    def message(self) -> str:
        minutes = (self.seconds + 59) // 60
        if self.locked:
            return (f"Too many wrong passwords: signing in is locked for {minutes} more "
                    f"minute{'s' if minutes != 1 else ''}. Ask an admin if you need in now.")  # fmt: skip
        return f"Too many wrong passwords: wait {self.seconds} s before trying again."


class Throttle:
    """Failures per key, shared by every session of the server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}

    def refusal(self, keys: dict[str, Policy]) -> Refusal | None:
        """The longest wait any of ``keys`` must still sit out, or None: try now."""
        now = clock.now()
        worst: Refusal | None = None
        with self._lock:
            for key, policy in keys.items():
                record = self._forget_old(key, policy, now)
                found = self._wait(record, policy, now)
                if found and (worst is None or found[0] > worst.seconds):
                    worst = Refusal(key, found[0], found[1])
        return worst

    def failed(self, keys: dict[str, Policy]) -> list[str]:
        """Count a failure against each key; return the keys this failure locked."""
        now = clock.now()
        locked = []
        with self._lock:
            for key, policy in keys.items():
                record = self._forget_old(key, policy, now)
                record.failures.append(now)
                if len(record.failures) >= policy.lock_after and not (
                    record.locked_until and record.locked_until > now
                ):
                    record.locked_until = now + policy.lock_for
                    record.failures.clear()
                    locked.append(key)
        return locked

    def succeeded(self, key: str) -> None:
        """A right password clears that client's count (never the account's)."""
        with self._lock:
            self._records.pop(key, None)

    def failures(self, key: str) -> int:
        with self._lock:
            record = self._records.get(key)
            return len(record.failures) if record else 0

    def _forget_old(self, key: str, policy: Policy, now: dt.datetime) -> _Record:
        record = self._records.setdefault(key, _Record())
        record.failures = [f for f in record.failures if now - f < policy.window]
        if record.locked_until and record.locked_until <= now:
            record.locked_until = None
        return record

    @staticmethod
    def _wait(record: _Record, policy: Policy, now: dt.datetime) -> tuple[int, bool] | None:
        if record.locked_until:
            return _seconds(record.locked_until - now), True
        extra = len(record.failures) - policy.free_failures
        if extra < 0 or not record.failures:
            return None
        wait = min(policy.first_wait * (2**extra), policy.longest_wait)
        left = record.failures[-1] + wait - now
        return (_seconds(left), False) if left > dt.timedelta(0) else None


def _seconds(span: dt.timedelta) -> int:
    return max(1, int(span.total_seconds() + 0.999))


# The server's one throttle: every session of the process shares it.
SIGN_IN = Throttle()
