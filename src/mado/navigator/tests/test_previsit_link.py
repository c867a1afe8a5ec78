"""The plan page of a move offers the pre-visit application (来庁前申請, issue 6).

Why only for moves: the counter's pre-visit page asks the move answers (new
address, move date); for other life events there is nothing to prepare there.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from mado.navigator.tests.test_views import city  # noqa: F401 - the small catalogue fixture

LINK = re.compile(r'<a class="previsit-link" href="([^"]+)">(.*?)</a>', re.S)


@pytest.mark.parametrize("event", ["moving_in", "moving_within", "moving_out"])
def test_a_move_plan_links_to_the_previsit_page(client: Client, city: Any, event: str) -> None:  # noqa: F811
    html = client.get(f"/navi/{event}/?show=plan").content.decode()
    links = LINK.findall(html)
    assert len(links) == 1, html[:3000]
    href, text = unescape(links[0][0]), re.sub(r"<[^>]+>", "", links[0][1])
    assert href == f"/previsit/?life_event={event}"
    assert "来庁前申請（窓口で書かずに手続）" in text and "Prepare your visit" in text
    page = client.get(href)
    assert page.status_code == 200
    assert 'name="new_address"' in page.content.decode()  # the move form, not the event picker


@pytest.mark.parametrize("event", ["birth", "care"])
def test_other_plans_have_no_previsit_link(client: Client, city: Any, event: str) -> None:  # noqa: F811
    response = client.get(f"/navi/{event}/?show=plan")
    assert response.status_code == 200
    assert "previsit" not in response.content.decode()
