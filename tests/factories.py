"""Factories shared by the whole test suite (one module per app would split
the graph of organisations and users that most tests need together)."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model

from accounts.roles import Role
from enterprises.models import Department, Enterprise, Membership, Provider, Region
from enterprises.uscc import make_uscc

PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )
        obj.save()


def _uscc(n: int, division: str = "330106") -> str:
    return make_uscc(division, f"T{n:07d}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: _uscc(n))
    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    region = factory.LazyFunction(lambda: Region.objects.get(code="330106"))


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    uscc = factory.Sequence(lambda n: make_uscc("330108", f"P{n:07d}"))
    name = factory.Sequence(lambda n: f"测试算力服务有限公司{n}")
    status = Provider.Status.APPROVED
    offers_compute = True
    facility = Provider.Facility.DOMESTIC


def department_for(code: str) -> Department:
    region = Region.objects.get(code=code)
    department, _ = Department.objects.get_or_create(
        region=region,
        defaults={"name_zh": f"{region.name_zh}经济和信息化局", "name_en": region.name_en},
    )
    return department


def add_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def membership(user, role, organisation, *, is_owner=False) -> Membership:
    field = {
        Enterprise: "enterprise",
        Provider: "provider",
        Department: "department",
    }[type(organisation)]
    return Membership.objects.create(
        user=user, role=role, is_owner=is_owner, **{field: organisation}
    )


def make_role_user(role: str, *, region: str = "330106", mfa: bool = True, **user_kwargs):
    """A user holding ``role`` in a fresh (or regional) organisation."""
    user = UserFactory(**user_kwargs)
    if role == Role.APPLICANT:
        membership(user, role, EnterpriseFactory(region=Region.objects.get(code=region)), is_owner=True)
    elif role == Role.PROVIDER_STAFF:
        membership(user, role, ProviderFactory())
    else:
        membership(user, role, department_for(region))
        if mfa:
            add_totp(user)
    return user


__all__ = [
    "PASSWORD",
    "Authenticator",
    "EnterpriseFactory",
    "ProviderFactory",
    "UserFactory",
    "add_totp",
    "department_for",
    "make_role_user",
    "membership",
]


# -- voucher programs (appended for tests/vouchers) ------------------------------


def program_params(code: str = "HZ-COMPUTE-2026", **changes) -> dict:
    """A demo program's parameters as JSON (vouchers/data/demo_programs.yaml),
    with some of them changed."""
    import copy

    from vouchers.demo_data import demo_program_specs

    spec = next(s for s in demo_program_specs() if s["code"] == code)
    return copy.deepcopy({**spec["params"], **changes})


def make_program(
    code: str = "TEST-COMPUTE-2026",
    *,
    region: str = "330100",
    kind: str = "compute",
    params: dict | None = None,
    actor=None,
    effective_from=None,
):
    """A draft program made through the services, with version 1 in force
    from 2026-01-01 (Asia/Shanghai) unless ``effective_from`` says otherwise."""
    from vouchers import services
    from vouchers.demo_data import EFFECTIVE_FROM

    return services.program_create(
        code=code,
        name_zh="测试算力券",
        name_en="Test compute voucher",
        kind=kind,
        region=Region.objects.get(code=region),
        params=params or program_params(),
        actor=actor,
        effective_from=effective_from or EFFECTIVE_FROM,
    )


__all__ += ["make_program", "program_params"]
