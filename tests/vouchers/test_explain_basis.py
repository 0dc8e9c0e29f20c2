"""How the calculation's basis reads on the review and application pages
(vouchers.eligibility.explain): in the page's language, amounts with
thousands separators as everywhere else; the stored figures stay plain."""

from django.utils import translation

from vouchers.eligibility.explain import calculation_rows, readable_amounts

STEPS = [
    {
        "step": "rate",
        "value": "0.30",
        "basis": "spend tier: SME year total 500000.00 <= 500000.00",
        "basis_zh": "中小企业年度合同合计 500000.00 ≤ 500000.00",
    },
    {
        "step": "cap_remaining",
        "value": "8000000.00",
        "basis": "10000000.00 - 2000000.00",
        "basis_zh": "10000000.00 − 2000000.00（本年度已占用）",
    },
]


def test_amounts_get_thousands_separators_and_nothing_else_changes():
    assert readable_amounts("500000.00 ≤ 1000000.00") == "500,000.00 ≤ 1,000,000.00"
    assert readable_amounts("12.50") == "12.50"
    assert readable_amounts("版本 3，比例 0.30") == "版本 3，比例 0.30"
    assert readable_amounts("1,250.00") == "1,250.00"  # already grouped


def test_a_chinese_page_reads_the_chinese_basis_with_grouped_amounts():
    with translation.override("zh-hans"):
        rows = calculation_rows(STEPS)
    assert rows[0]["basis"] == "中小企业年度合同合计 500,000.00 ≤ 500,000.00"
    assert rows[1]["basis"] == "10,000,000.00 − 2,000,000.00（本年度已占用）"
    assert all("spend tier" not in r["basis"] for r in rows)


def test_an_english_page_reads_the_english_basis():
    with translation.override("en"):
        [rate, _cap] = calculation_rows(STEPS)
    assert rate["basis"] == "spend tier: SME year total 500,000.00 <= 500,000.00"
