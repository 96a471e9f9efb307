"""Nobody clears the app's caches from the frontend (DESIGN.md section 8; issue 15, point 1).

Streamlit's frontend can send ``clear_cache``, which would empty every ``st.cache_data`` and
``st.cache_resource`` of the process for all sessions. Whether the caches survived is read
from Streamlit's own metrics (``/_stcore/metrics``, the size of each cache).
"""

from __future__ import annotations

from tests.security.client import Client, cache_bytes

MEETING_READS = "ddq.ui.reads_meetings._meeting"
TREND_READS = "ddq.ui.state._trend"


def test_no_session_can_clear_the_caches(server, client, wait):
    with client.session() as room:
        assert room.run("meeting").headings()[0] == "Weekly meeting"
    wait(lambda: cache_bytes(client.metrics(), MEETING_READS) > 0, "the meeting's reads cached")

    # A viewer, then a signed-in editor, ask again and again; a heartbeat after them is
    # answered once the server has handled them all.
    stranger = Client(server.url)
    with stranger.session() as viewer, stranger.session() as editor:
        viewer.run()
        editor.sign_in("Ann Lee", "correct horse")
        for _ in range(20):
            viewer.clear_cache()
            editor.clear_cache()
        viewer.ping()
        editor.ping()
        # A read that only the Trends page makes: once the metrics show it, they were
        # computed after the requests, and the meeting's reads must still be there.
        assert viewer.run("trends").headings()[0] == "Trends"

    seen: list[str] = []

    def trends_cached() -> bool:
        seen.append(client.metrics())
        return cache_bytes(seen[-1], TREND_READS) > 0

    wait(trends_cached, "the Trends page's reads cached")
    assert cache_bytes(seen[-1], MEETING_READS) > 0, "the meeting's cached reads were cleared"
    refusals = server.log().count("Refused a request from the frontend to clear every cache")
    assert refusals == 2  # the 1st and the 10th of 40 are logged, not every one
