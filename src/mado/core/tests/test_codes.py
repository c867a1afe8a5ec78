"""団体コード check digit: real codes pass, any single-digit typo fails."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from mado.core.codes import (
    is_valid_municipality_code,
    municipality_check_digit,
    validate_municipality_code,
)

REAL = ["011002", "131016", "122106", "122343", "282057", "462152", "130001", "471003"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code: str) -> None:
    assert is_valid_municipality_code(code)
    validate_municipality_code(code)


@pytest.mark.parametrize(
    "bad", ["122107", "12210", "1221066", "12210a", "１２２１０６", "482105", "002105"]
)
def test_invalid_codes(bad: str) -> None:
    assert not is_valid_municipality_code(bad)
    with pytest.raises(ValidationError):
        validate_municipality_code(bad)


@given(
    st.integers(min_value=1, max_value=47),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=1, max_value=9),
)
def test_single_digit_typo_in_first_five_is_caught_or_equivalent(
    pref: int, num: int, pos: int, delta: int
) -> None:
    first = f"{pref:02d}{num:03d}"
    code = first + str(municipality_check_digit(first))
    assert is_valid_municipality_code(code)
    digits = list(first)
    digits[pos] = str((int(digits[pos]) + delta) % 10)
    typo = "".join(digits) + code[5]
    # Weights 6..2 are all coprime with 11, so a changed digit changes the sum mod 11;
    # only when both remainders map to the same last digit (0/1 collapse) can it slip.
    if typo != code and is_valid_municipality_code(typo):
        assert municipality_check_digit("".join(digits)) == int(code[5])


def test_validator_message_is_bilingual() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_municipality_code("122107")
    msg = exc.value.messages[0]
    assert "検査数字" in msg and "Check digit" in msg
