"""釣銭準備金 (opening float) before the first sale, amounts as "1,650円", links to 消込 and 納付書."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from mado.core.models import AuditEntry
from mado.payments.register import services
from mado.payments.register.models import RegisterDay
from mado.payments.register.tests.test_register import HOME, ring
from mado.payments.templatetags.yen import yen

FLOAT = reverse("payments:register_float")


def test_the_float_is_set_before_the_first_sale_and_audited(cashier: Client, fees: Any) -> None:
    page = cashier.get(HOME).content.decode()
    assert 'id="opening_float"' in page
    assert f'href="{reverse("payments:reconcile_home")}"' in page  # 消込
    assert f'href="{reverse("payments:slips")}"' in page  # 納付書
    response = cashier.post(FLOAT, {"opening_float": "３０,０００"})
    assert response.status_code == 302
    day = RegisterDay.unscoped.get()
    assert day.opening_float_yen == 30000
    entry = AuditEntry.objects.filter(action="register_opening_float").get()
    assert entry.detail == {"opening_float_yen": 30000, "before_yen": 0}
    page = cashier.get(HOME).content.decode()
    assert 'value="30000"' in page
    assert ring(cashier, **{"qty-juminhyo-utsushi": "1", "tendered": "300"}).status_code == 302
    page = cashier.get(HOME).content.decode()
    assert 'id="opening_float"' not in page and "30,000円" in page  # shown, no longer editable
    refused = cashier.post(FLOAT, {"opening_float": "5000"})
    assert refused.status_code == 400 and "最初の会計の後" in refused.content.decode()
    assert RegisterDay.unscoped.get().opening_float_yen == 30000


@pytest.mark.parametrize("typed", ["abc", "", "-5", "12345678901"])
def test_a_bad_float_is_refused_and_kept(cashier: Client, typed: str) -> None:
    response = cashier.post(FLOAT, {"opening_float": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#opening_float"' in html and " / " in html  # 日本語 / English, linked
    assert f'value="{typed}"' in html
    assert not RegisterDay.unscoped.filter(opening_float_yen__gt=0).exists()


def test_a_closed_day_refuses_the_float(cashier: Client) -> None:
    cashier.get(HOME)
    day = RegisterDay.unscoped.first()
    if day is None:
        assert cashier.post(FLOAT, {"opening_float": "100"}).status_code == 302
        day = RegisterDay.unscoped.get()
    services.close_day(day)
    with pytest.raises(services.RegisterError, match="締め済み"):
        services.set_opening_float(day.department, 100)


@pytest.mark.parametrize(("value", "shown"), [
    (1650, "1,650円"), (0, "0円"), (-300, "-300円"), (1234567, "1,234,567円"), ("950", "950円"),
    (None, ""), ("", ""), ("n/a", "n/a")])
def test_the_yen_filter(value: Any, shown: str) -> None:
    assert yen(value) == shown
    assert Template("{% load yen %}{{ v|yen }}").render(Context({"v": value})) == shown
