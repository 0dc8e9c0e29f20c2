"""Factories of the register: enterprises, providers, departments,
memberships, and a user holding a role."""

import factory

from accounts.roles import Role
from enterprises.models import Department, Enterprise, Membership, Provider, Region
from enterprises.uscc import make_uscc

from .accounts import UserFactory, add_totp


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
        defaults={
            "name_zh": f"{region.name_zh}经济和信息化局",
            "name_en": region.name_en,
        },
    )
    return department


def membership(user, role, organisation, *, is_owner=False) -> Membership:
    field = {
        Enterprise: "enterprise",
        Provider: "provider",
        Department: "department",
    }[type(organisation)]
    return Membership.objects.create(
        user=user, role=role, is_owner=is_owner, **{field: organisation}
    )


def make_role_user(
    role: str, *, region: str = "330106", mfa: bool = True, **user_kwargs
):
    """A user holding ``role`` in a fresh (or regional) organisation."""
    user = UserFactory(**user_kwargs)
    if role == Role.APPLICANT:
        membership(
            user,
            role,
            EnterpriseFactory(region=Region.objects.get(code=region)),
            is_owner=True,
        )
    elif role == Role.PROVIDER_STAFF:
        membership(user, role, ProviderFactory())
    else:
        membership(user, role, department_for(region))
        if mfa:
            add_totp(user)
    return user
