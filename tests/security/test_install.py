"""The guard is hooked into the server once, however many sessions run the app."""

from __future__ import annotations

ACTIVE = "ddq server guard active"


def test_the_guard_is_installed_once_and_says_so(server, client):
    with client.session() as first, client.session() as second:
        for session in (first, second, first):
            assert not session.run().problems
    log = server.log()
    assert log.count(ACTIVE) == 1, log[-3000:]
    assert "up to 2 MB a session and 8 MB in all" in log  # 2 and 8 files of the 1 MB limit
