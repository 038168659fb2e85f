"""What the Python test suites share: the repository's root and one way to wait for something.

Each suite puts this folder on sys.path once (tests/integration/conftest.py,
tests/deploy/stackfile.py) and imports from here.
"""
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def wait_for(predicate, timeout, what="condition", interval=0.1, tolerate=()):
    """The first truthy value of predicate(), polled every `interval` s for `timeout` s; an
    AssertionError naming `what` and the last value otherwise. Exceptions of the `tolerate`
    types count as a falsy try (a service still starting refuses connections)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except tolerate as e:
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")
