"""Every response carries the protecting headers (web/security.py): pages, the JSON API, errors
and static files alike, through the real app."""

from __future__ import annotations

import pytest
from conftest import TELEGRAPH_PRINT

from web.security import HEADERS


@pytest.mark.parametrize("url", [
    "/", "/search?q=Amraam", f"/articles/{TELEGRAPH_PRINT}", "/api/search?q=Amraam", "/api/health",
    "/static/style.css", "/no-such-page", "/api/search?q=Amraam&limit=-1",
])
def test_every_response_carries_the_protecting_headers(client, url):
    response = client.get(url)

    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (url, name)


def test_the_policy_allows_no_inline_script_and_no_framing():
    policy = HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
