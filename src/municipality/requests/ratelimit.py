"""A sliding-window rate limit per client address, kept in memory.

Used for anonymous submissions (setting ``anonymous_per_hour``). The counts
live in the memory of **one Zope process**: with several Zope instances
behind a load balancer each counts on its own, so an address may get up to
``limit`` submissions per instance; a restart forgets them. That is enough
against a script that floods the form; a shared limit would need ZODB writes
on every attempt (conflicts) or an external store. A submission that Zope
retries after a ZODB conflict counts once per attempt.
"""

from collections import deque

import threading
import time


class SlidingWindowLimiter:
    """At most ``limit`` hits per ``window`` seconds for each key."""

    def __init__(self, window=3600, max_keys=100_000):
        self.window = window
        self.max_keys = max_keys
        self._hits = {}
        self._lock = threading.Lock()

    def _prune(self, key, now):
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def retry_after(self, key, limit, now=None):
        """Seconds until ``key`` may hit again; 0 when it may now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._prune(key, now)
            if hits is None or len(hits) < limit:
                return 0
            # The oldest hit that must leave the window before one more fits.
            return max(1, int(hits[len(hits) - limit] + self.window - now) + 1)

    def allowed(self, key, limit, now=None):
        return self.retry_after(key, limit, now) == 0

    def hit(self, key, now=None):
        """Count one hit of ``key``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if key not in self._hits and len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            self._hits.setdefault(key, deque()).append(now)

    def _forget_idle(self, now):
        for key in list(self._hits):
            self._prune(key, now)
        if len(self._hits) >= self.max_keys:
            # Still full of active keys (a flood from many addresses): drop
            # the oldest half rather than grow without bound.
            by_age = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in by_age[: len(by_age) // 2]:
                del self._hits[key]

    def reset(self):
        with self._lock:
            self._hits.clear()


# The limiter of anonymous submissions in this process.
anonymous_submissions = SlidingWindowLimiter(window=3600)
