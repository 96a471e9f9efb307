"""Web addresses a secret may be sent to: https anywhere, plain http only on this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ddq.errors import DdqError


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str = "--url", example: str = "https://example.atlassian.net") -> str:
    """The URL without a trailing slash; DdqError when it is not one a token may go to."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DdqError(f"{what} {url!r} is not a web address; write it like {example}.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise DdqError(
            f"{what} {url!r} uses plain http: a token would cross the network unencrypted. "
            "Use https (plain http is accepted only for this machine: localhost, 127.0.0.1)."
        )
    if parts.username or parts.password:
        raise DdqError(
            f"{what} holds a user name or password; give the secret through an environment "
            "variable instead (--token-env)."
        )
    return text
