"""Slack: the community's channels, fed and kept alive by ddq through the Slack Web API.

:mod:`ddq.slack.client` talks to Slack (the bot token read from its variable at each use,
rate limits waited out, Slack's errors in words); :mod:`ddq.slack.store` keeps how to reach
it and which channel is whose. On top of them: the meeting summary posted and updated, the
weekly digest, reminders before the meeting, unanswered questions, and coaching and workshop
requests.
"""
