"""Unified social credit codes (GB 32100-2015): enterprises/uscc.py.

No database and no settings needed: messages are lazy, and the tests compare
error codes and params. The tests that render message text configure minimal
settings themselves when pytest-django has not.
"""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from enterprises.uscc import (
    CHARSET,
    WEIGHTS,
    is_market_enterprise,
    make_uscc,
    normalize_uscc,
    org_code_check_character,
    uscc_check_character,
    uscc_org_code_warning,
    uscc_parts,
    validate_uscc,
)

VALID_CODES = [
    "914403001922038216",  # Huawei (zh.wikipedia)
    "91350100M000100Y43",  # GB 32100 worked example with the right check char
    "91110000802100433B",
    "91330100716105852F",
    "91440300708461136T",
    "91310000132260250X",
    "12100000425006133D",  # a "12" public institution
]
# Codes whose embedded organisation code (positions 9-17) passes GB 11714 too.
ORG_CODE_VALID = [
    "914403001922038216",
    "91110000802100433B",
    "91330100716105852F",
    "91440300708461136T",
    "91310000132260250X",
]

LETTERS = [c for c in CHARSET if c.isalpha()]
DIGITS = "0123456789"


def _error(value):
    """Validate and return (code, params) of the single ValidationError."""
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(value)
    errors = excinfo.value.error_list
    assert len(errors) == 1
    return errors[0].code, errors[0].params


def _replace(code, position, char):
    return code[: position - 1] + char + code[position:]


def _ensure_django_for_messages():
    """Rendering a message needs settings and the app registry; pytest-django
    provides both, a plain pytest run gets a minimal configuration."""
    import django
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True)
    if not apps.ready:
        django.setup()


# --- hypothesis strategies ------------------------------------------------

charset_chars = st.sampled_from(CHARSET)
bodies = st.tuples(
    st.text(charset_chars, min_size=2, max_size=2),
    st.text(st.sampled_from(DIGITS), min_size=6, max_size=6),
    st.text(charset_chars, min_size=9, max_size=9),
).map("".join)
valid_codes = bodies.map(lambda body: body + uscc_check_character(body))


# --- the algorithm's parameters ------------------------------------------


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_charset_has_31_characters_without_iosvz():
    assert len(CHARSET) == len(set(CHARSET)) == 31
    assert not set("IOSVZ") & set(CHARSET)


def test_worked_example_of_the_standard():
    # domain brief 4.2: sum 1640, 1640 mod 31 = 28, 31 - 28 = 3
    assert uscc_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "body", ["", "9135010", "91350100M000100Y4X", "91350100M00010OY4"]
)
def test_check_character_rejects_bad_bodies(body):
    with pytest.raises(ValueError, match=r"17 characters|character set"):
        uscc_check_character(body)


# --- valid and invalid codes ----------------------------------------------


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_codes(code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("value", "expected", "actual"),
    [
        ("91350100M000100Y4Z", "3", "Z"),  # the standard's negative example
        ("91310115MA1H8R7C6D", "7", "D"),  # printed in a blog
        ("9144030071526726X7", "G", "7"),  # a fake "Tencent" fixture
    ],
)
def test_wrong_check_character(value, expected, actual):
    assert _error(value) == ("check", {"expected": expected, "actual": actual})


@pytest.mark.parametrize(
    ("value", "length"),
    [
        ("", 0),
        ("   ", 0),
        ("91440300192203821", 17),
        ("9144030019220382166", 19),
        ("91440300 1922038216", 19),  # inner spaces are not removed
    ],
)
def test_wrong_length(value, length):
    assert _error(value) == ("length", {"length": length})


@pytest.mark.parametrize(
    ("value", "char", "position"),
    [
        ("91440300I922038216", "I", 9),
        ("91440300192203821O", None, None),  # position 18: a check error, see below
        ("9O4403001922038216", "O", 2),
        ("914403001922S38216", "S", 13),
        ("914403001922038V16", "V", 16),
        ("Z14403001922038216", "Z", 1),
        ("9144030019-2038216", "-", 11),
        ("91440300中922038216", "中", 9),
    ],
)
def test_characters_outside_the_charset(value, char, position):
    if position is None:
        assert _error(value) == ("check", {"expected": "6", "actual": "O"})
    else:
        assert _error(value) == ("charset", {"char": char, "position": position})


@pytest.mark.parametrize(
    ("value", "position"),
    [
        ("91A403001922038216", 3),
        ("914403B01922038216", 7),
        ("9144030X1922038216", 8),
    ],
)
def test_letters_in_the_division_code(value, position):
    assert _error(value) == ("division", {"position": position})


def test_validation_order():
    # length before charset
    assert _error("91I4")[0] == "length"
    # charset before division (I is in positions 3-8 and not in the charset)
    assert _error("91I403001922038216")[0] == "charset"
    # division before check (this one also has a wrong check character)
    assert _error("91A403001922038210")[0] == "division"


# --- normalisation --------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "914403001922038216",
        " 914403001922038216\n",
        "\u3000914403001922038216\u3000",
        "\t91350100m000100y43 ",
        "９１４４０３００１９２２０３８２１６",
        "９１３５０１００ｍ０００１００Ｙ４３",
        "91350100Ｍ000100ｙ43",
    ],
)
def test_normalisation_then_validation(value):
    normalized = normalize_uscc(value)
    assert normalized in {"914403001922038216", "91350100M000100Y43"}
    assert validate_uscc(value) == normalized


def test_normalize_touches_only_ascii_letters_and_full_width_forms():
    # "ı" (dotless i) would become "I" with str.upper(); it must stay an error.
    assert normalize_uscc("ı") == "ı"
    assert normalize_uscc("ß") == "ß"
    assert normalize_uscc("ａｂｃＸＹＺ０９") == "ABCXYZ09"


def test_non_string_is_a_type_error():
    with pytest.raises(TypeError):
        validate_uscc(914403001922038216)


# --- properties -----------------------------------------------------------


@given(body=bodies)
def test_any_body_with_its_check_character_validates(body):
    code = body + uscc_check_character(body)
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


@given(code=valid_codes, position=st.integers(1, 18), data=st.data())
def test_any_single_substitution_is_rejected(code, position, data):
    old = code[position - 1]
    new = data.draw(st.sampled_from([c for c in CHARSET if c != old]))
    error_code, _params = _error(_replace(code, position, new))
    if 3 <= position <= 8 and new.isalpha():
        assert error_code == "division"
    else:
        assert error_code == "check"


@pytest.mark.parametrize("code", VALID_CODES)
def test_every_single_substitution_of_a_known_code_is_rejected(code):
    # Exhaustive: 18 positions x 30 other characters. 31 is prime and no weight
    # is 0 mod 31, so a changed character always changes the sum mod 31.
    for position in range(1, 19):
        for new in CHARSET:
            if new == code[position - 1]:
                continue
            mutated = _replace(code, position, new)
            with pytest.raises(ValidationError):
                validate_uscc(mutated)


@given(code=valid_codes, position=st.integers(1, 16))
def test_adjacent_transpositions_in_the_body_are_rejected(code, position):
    # Swapping a, b at weights w, 3w changes the sum by 2w(a - b), never 0 mod 31.
    a, b = code[position - 1], code[position]
    if a == b:
        return
    mutated = code[: position - 1] + b + a + code[position + 1 :]
    error_code, _params = _error(mutated)
    assert error_code in {"check", "division"}


# --- organisation code (GB 11714) warning ---------------------------------


@pytest.mark.parametrize("code", ORG_CODE_VALID)
def test_org_code_check_passes_for_real_codes(code):
    assert uscc_org_code_warning(code) is None
    assert org_code_check_character(code[8:16]) == code[16]


def test_org_code_check_of_the_gb_11714_rules():
    # 11 - (sum mod 11): sum 12 gives 10, written "X"; sum 0 gives 11, written "0"
    assert org_code_check_character("00000006") == "X"
    assert org_code_check_character("00000000") == "0"
    assert org_code_check_character("13226025") == "0"  # SAIC, 132260250
    assert org_code_check_character("42500613") == "3"
    # letters count as ASCII - 55: A=10
    assert org_code_check_character("A0000000") == str(11 - 30 % 11)


def _with_wrong_org_check(code):
    """Same code with another position-17 character and a fixed GB 32100 check."""
    expected = org_code_check_character(code[8:16])
    wrong = "1" if expected != "1" else "2"
    body = code[:16] + wrong
    return body + uscc_check_character(body), expected


def test_org_code_warning_when_positions_9_to_17_fail():
    code, expected = _with_wrong_org_check("914403001922038216")
    assert validate_uscc(code) == code  # GB 32100 still passes
    assert uscc_org_code_warning(code) is not None
    assert expected == "1"


def test_org_code_warning_for_the_blog_example():
    assert uscc_org_code_warning("91310115MA1H8R7C6D") is not None


@pytest.mark.parametrize("value", ["", "9144", "91440300I922038216", None, 42])
def test_org_code_warning_ignores_malformed_values(value):
    assert uscc_org_code_warning(value) is None


@given(st.text(max_size=30))
def test_org_code_warning_never_raises(value):
    uscc_org_code_warning(value)


# --- parts and helpers ----------------------------------------------------


def test_uscc_parts():
    parts = uscc_parts(" 914403001922038216 ")
    assert {k: v for k, v in parts.items() if not k.endswith("_name")} == {
        "registration_authority": "9",
        "category": "1",
        "division_code": "440300",
        "org_code": "192203821",
        "check_character": "6",
    }
    assert parts["registration_authority_name"] is not None
    assert parts["category_name"] is not None


def test_uscc_parts_of_unlisted_category():
    parts = uscc_parts("9Y4403001922038216")
    assert parts["category"] == "Y"
    assert parts["category_name"] is None


def test_uscc_parts_needs_18_characters():
    with pytest.raises(ValueError, match="18 characters"):
        uscc_parts("9144")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("914403001922038216", True),
        ("91350100m000100y43", True),
        ("12100000425006133D", False),
        ("92440300MA5DXXXX00", False),  # individual business
    ],
)
def test_is_market_enterprise(code, expected):
    assert is_market_enterprise(code) is expected


# --- make_uscc ------------------------------------------------------------


@pytest.mark.parametrize(
    ("division", "body8", "prefix", "expected"),
    [
        ("440300", "19220382", "91", "914403001922038216"),
        ("110000", "80210043", "91", "91110000802100433B"),
        ("330100", "71610585", "91", "91330100716105852F"),
        ("310000", "13226025", "91", "91310000132260250X"),
        ("100000", "42500613", "12", "12100000425006133D"),
    ],
)
def test_make_uscc_rebuilds_known_codes(division, body8, prefix, expected):
    assert make_uscc(division, body8, prefix=prefix) == expected


@given(
    division=st.text(st.sampled_from(DIGITS), min_size=6, max_size=6),
    body8=st.text(charset_chars, min_size=8, max_size=8),
    prefix=st.sampled_from(["91", "92", "93", "12", "51", "Y1"]),
)
def test_make_uscc_passes_both_checks(division, body8, prefix):
    code = make_uscc(division, body8, prefix=prefix)
    assert validate_uscc(code) == code
    assert uscc_org_code_warning(code) is None
    assert uscc_parts(code)["division_code"] == division
    assert code.startswith(prefix)


@pytest.mark.parametrize(
    ("division", "body8", "prefix"),
    [
        ("44030", "19220382", "91"),
        ("44030A", "19220382", "91"),
        ("440300", "1922038", "91"),
        ("440300", "1922038I", "91"),
        ("440300", "19220382", "9"),
        ("440300", "19220382", "9O"),
    ],
)
def test_make_uscc_rejects_bad_parts(division, body8, prefix):
    with pytest.raises(ValueError, match="must be"):
        make_uscc(division, body8, prefix=prefix)


# --- messages (rendered text) ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "9144",
            "A unified social credit code has 18 characters; this one has 4.",
        ),
        (
            "91440300O922038216",
            "Character “O” at position 9 is not allowed in a unified social credit "
            "code: the letters I, O, S, V and Z are never used.",
        ),
        (
            "91440300-922038216",
            "Character “-” at position 9 is not allowed in a unified social credit "
            "code.",
        ),
        (
            "91A403001922038216",
            "Positions 3–8 must be digits (the administrative division code).",
        ),
        (
            "91350100M000100Y4Z",
            "The check character is wrong: the last character should be 3.",
        ),
    ],
)
def test_messages_in_english(value, message):
    from django.utils import translation

    _ensure_django_for_messages()
    with pytest.raises(ValidationError) as excinfo:
        validate_uscc(value)
    with translation.override("en"):
        assert excinfo.value.messages == [message]


def test_org_code_warning_message_in_english():
    from django.utils import translation

    _ensure_django_for_messages()
    code, _expected = _with_wrong_org_check("914403001922038216")
    warning = uscc_org_code_warning(code)
    with translation.override("en"):
        text = str(warning)
    assert "positions 9–17" in text
    assert "would normally be 1." in text
