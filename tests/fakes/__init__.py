"""Local servers that behave like the trackers' and Slack's APIs, for tests on loopback."""
