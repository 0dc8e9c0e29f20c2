"""Factories of voucher programs."""

from enterprises.models import Region


def program_params(code: str = "HZ-COMPUTE-2026", **changes) -> dict:
    """A demo program's parameters as JSON (vouchers/data/demo_programs.yaml),
    with some of them changed."""
    import copy

    from vouchers.demo.programs import demo_program_specs

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
    from vouchers.demo.programs import EFFECTIVE_FROM
    from vouchers.programs import services

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
