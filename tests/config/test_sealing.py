"""Secrets the server reads back are sealed at rest (config.sealing)."""

import pytest
from cryptography.fernet import Fernet

from config.sealing import SealBroken, seal, unseal


def test_a_sealed_secret_opens_only_with_its_key(settings):
    sealed = seal("whsec_abc")
    assert "whsec_abc" not in sealed
    assert unseal(sealed) == "whsec_abc"
    assert seal("whsec_abc") != sealed  # a fresh IV every time

    settings.SEALING_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SealBroken):
        unseal(sealed)


def test_a_new_key_goes_first_and_the_old_one_still_opens(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SEALING_KEYS = [old]
    before = seal("whsec_old")

    settings.SEALING_KEYS = [new, old]
    after = seal("whsec_new")

    assert unseal(before) == "whsec_old"
    settings.SEALING_KEYS = [new]
    assert unseal(after) == "whsec_new"
    with pytest.raises(SealBroken):
        unseal(before)
