"""団体コード (local government code) validation.

The 6-digit code of 総務省 is a 2-digit prefecture, a 3-digit municipality
number and a check digit: multiply the five digits by 6, 5, 4, 3, 2, sum,
take the remainder modulo 11, subtract it from 11 and keep the last digit.
A typo in a tenant's code would silently mis-route exports to core systems,
so the check digit is enforced wherever a code is entered.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

_WEIGHTS = (6, 5, 4, 3, 2)


def municipality_check_digit(first_five: str) -> int:
    if len(first_five) != 5 or not first_five.isascii() or not first_five.isdigit():
        raise ValueError("first_five must be 5 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def is_valid_municipality_code(code: str) -> bool:
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    if not 1 <= int(code[:2]) <= 47:
        return False
    return municipality_check_digit(code[:5]) == int(code[5])


def validate_municipality_code(code: str) -> None:
    """Django validator: raises a bilingual ValidationError for a bad 団体コード."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(
            "団体コードは6桁の数字です / The municipality code is 6 digits.", code="format"
        )
    if not 1 <= int(code[:2]) <= 47:
        raise ValidationError(
            "団体コードの都道府県番号(先頭2桁)は01〜47です / "
            "The prefecture part (first 2 digits) must be 01-47.",
            code="prefecture",
        )
    expected = municipality_check_digit(code[:5])
    if expected != int(code[5]):
        raise ValidationError(
            f"団体コードの検査数字が違います(正しくは{expected}) / "
            f"Check digit mismatch (expected {expected}).",
            code="check_digit",
        )
