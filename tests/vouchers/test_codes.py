"""Voucher codes: format, alphabet, the check character, uniqueness.

The check character is Luhn mod 30 over the alphabet's values (A=0 … 8=29),
the last of the 16 characters at the undoubled place. What it catches, by
the arithmetic:

* every single-character substitution: at an undoubled place a value adds
  itself; at a doubled place it adds d(v) = 2v for v < 15 and 2v - 29 for
  v >= 15, which maps 0..29 onto itself (the evens, then the odds), so a
  different character always changes the sum mod 30;
* an adjacent transposition of a and b goes unseen iff d(a) - a ≡ d(b) - b
  (mod 30). d(v) - v is v for v < 15 and v + 1 for v >= 15, so mod 30 it
  takes every value once except 0, taken by 0 ("A") and 29 ("8"). The one
  pair missed is A↔8 (as 0↔9 in decimal Luhn): 2 of the 870 ordered pairs of
  different characters, so 99.77% of adjacent transpositions are caught,
  wherever they are (the check character included).

Positions are counted in the 16 characters without the hyphens: a typist
may swap the characters on either side of a hyphen too.
"""

import string

from hypothesis import given
from hypothesis import strategies as st

from vouchers.issuance import codes
from vouchers.issuance.codes import ALPHABET, LENGTH, N, check_character

LOOK_ALIKES = "0O1IL9"
MISSED_PAIR = frozenset({"A", "8"})

bodies = st.text(alphabet=ALPHABET, min_size=LENGTH - 1, max_size=LENGTH - 1)


def _code(body: str) -> str:
    return body + check_character(body)


def _swap(code: str, i: int) -> str:
    return code[:i] + code[i + 1] + code[i] + code[i + 2 :]


# -- format and alphabet ---------------------------------------------------------


def test_the_alphabet_has_30_characters_and_no_look_alikes():
    # then
    assert len(ALPHABET) == N == 30
    assert len(set(ALPHABET)) == 30
    assert not set(ALPHABET) & set(LOOK_ALIKES)
    assert set(ALPHABET) <= set(string.ascii_uppercase + string.digits)


def test_generated_codes_are_16_characters_in_4_groups_from_the_alphabet_and_valid():
    for _ in range(1000):
        # when
        code = codes.generate()

        # then
        groups = code.split("-")
        assert len(code) == 19
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set(code.replace("-", "")) <= set(ALPHABET)
        assert not set(code) & set(LOOK_ALIKES)
        assert codes.is_valid(code)
        assert codes.format_code(code) == code


def test_10000_generated_codes_are_all_different():
    # when
    generated = [codes.generate() for _ in range(10_000)]

    # then
    assert len(set(generated)) == 10_000


def test_the_code_space_is_30_to_the_15th_and_documented():
    # then: 15 random characters and the check character
    assert N ** (LENGTH - 1) == 30**15 == 14_348_907_000_000_000_000_000
    assert "30^15" in codes.__doc__


def test_is_valid_reads_lower_case_and_spaces_but_not_other_lengths_or_characters():
    # given
    code = codes.generate()

    # then
    assert codes.is_valid(code.lower())
    assert codes.is_valid(code.replace("-", " "))
    assert codes.is_valid(code.replace("-", ""))
    assert not codes.is_valid(code[:-1])
    assert not codes.is_valid(code + "A")
    assert not codes.is_valid("")
    assert not codes.is_valid(None)
    assert not codes.is_valid(code.replace(code[0], "0", 1))


# -- the check character ----------------------------------------------------------


@given(
    body=bodies,
    position=st.integers(0, LENGTH - 1),
    replacement=st.sampled_from(ALPHABET),
)
def test_any_single_character_substitution_is_detected(body, position, replacement):
    # given
    code = _code(body)
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % N]

    # when
    typo = code[:position] + replacement + code[position + 1 :]

    # then
    assert codes.is_valid(code)
    assert not codes.is_valid(typo)


@given(body=bodies, position=st.integers(0, LENGTH - 2))
def test_an_adjacent_transposition_is_detected_unless_it_swaps_a_and_8(body, position):
    # given
    code = _code(body)
    pair = {code[position], code[position + 1]}

    # when
    swapped = _swap(code, position)

    # then
    if len(pair) == 2:
        assert codes.is_valid(swapped) == (pair == MISSED_PAIR)


def _code_with(pair: str, position: int) -> str:
    """A valid code with ``pair`` at ``position`` and ``position + 1``; when
    the pair ends on the check character, the first character is chosen so
    the check comes out right (at a doubled place it takes every value)."""
    filler = "QRST" * 4
    if position + 1 < LENGTH - 1:
        body = filler[:position] + pair + filler[position + 2 : LENGTH - 1]
        return _code(body)
    for first in ALPHABET:
        body = first + filler[1 : LENGTH - 2] + pair[0]
        if check_character(body) == pair[1]:
            return body + pair[1]
    raise AssertionError(f"no code ends in {pair}")


def test_exactly_the_a_8_swaps_of_adjacent_transpositions_go_unseen():
    # given: every ordered pair of different characters at every place
    missed = set()
    tried = 0
    for position in range(LENGTH - 1):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                code = _code_with(a + b, position)
                assert codes.is_valid(code)
                tried += 1
                # when
                if codes.is_valid(_swap(code, position)):
                    missed.add((position, a + b))

    # then
    assert tried == 15 * 870
    assert missed == {(p, ab) for p in range(LENGTH - 1) for ab in ("A8", "8A")}
    assert 1 - len(missed) / tried > 0.997
