"""Demo register: fictional enterprises in all 11 cities of Zhejiang, their
owners, shareholders and investment declarations, providers with offerings,
and two entries on the list of seriously dishonest entities.

Everything is written through ``enterprises.services``, so the audit trail
looks like the one real use leaves. ``load_register_demo`` is idempotent:
enterprises and providers are looked up by credit code and whatever hangs off
them (owner, shareholders, declarations, offerings, status decisions) is made
only when they are created in the same run; users are looked up by e-mail and
dishonesty-list entries by (code, listed on). A second run writes nothing, not
even audit events.

All names, people, addresses and phone numbers are invented. Credit codes are
built with ``make_uscc`` on organisation bodies starting with "DM" (DME… for
enterprises, DMP… for providers, DMH… for corporate shareholders), which pass
both checks but belong to nobody. ID numbers are built with a deliberately
wrong GB 11643 check character, so none of them can be a real person's.

Investment declarations cover 2018–2023 and include cases around the benchmark
(IT investment over 2018–2023 more than 10,000,000 yuan, of it AI more than
5,000,000 yuan): clearly above, one cent above, exactly at the bound, one cent
below, above only after a correction, above only if years outside the window
were counted. ``BENCHMARK_CASES`` names them.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.demo import DemoUsers
from accounts.roles import Role

from . import services
from .filings import filing_key
from .models import DishonestEntity, Enterprise, GenAIFiling, Provider, Region
from .uscc import make_uscc

IMPORT_USER_EMAIL = "register-import@example.com"
IMPORT_USER_NAME = "登记册导入（系统）"
FISCAL_YEAR = 2025
BENCHMARK_YEARS = tuple(range(2018, 2024))
BENCHMARK_IT = Decimal("10000000.00")  # more than this, over BENCHMARK_YEARS
BENCHMARK_AI = Decimal("5000000.00")  # of which AI, more than this
CENT = Decimal("0.01")
D = Decimal


def enterprise_uscc(number: int, region: str) -> str:
    return make_uscc(region, f"DME{number:05d}")


def provider_uscc(number: int, region: str) -> str:
    return make_uscc(region, f"DMP{number:05d}")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_CHARS = "0123456789X"


def fictional_id_number(region: str, born: str, sequence: int) -> str:
    """An 18-character resident ID number (GB 11643) whose check character is
    deliberately wrong: it looks like one, and cannot be anyone's."""
    body = f"{region}{born}{sequence:03d}"
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    right = _ID_CHECK[total % 11]
    wrong = _ID_CHARS[(_ID_CHARS.index(right) + 1) % len(_ID_CHARS)]
    return body + wrong


# --------------------------------------------------------------------------
# Enterprises: fiscal year 2025 figures, money in yuan.
# number, division, name, GB/T 4754 industry, legal representative,
# street address (after province, city and county), established,
# employees, operating revenue, total assets, size class it was designed for.

ENTERPRISES = [
    # 杭州市 Hangzhou
    (1, "330106", "杭州云栖智算科技有限公司", "I65", "郑海川", "文三路478号华星科技大厦9楼", "2016-04-12", 86, "32_600_000.00", "41_000_000.00", "small"),
    (2, "330108", "杭州澜芯微电子有限公司", "C39", "沈若溪", "江南大道3850号创新大厦12楼", "2012-09-03", 420, "268_000_000.00", "315_000_000.00", "medium"),
    (3, "330108", "杭州星澜网络技术有限公司", "I64", "陆景行", "网商路699号星澜中心", "2006-03-18", 2450, "1_268_000_000.00", "2_650_000_000.00", "large"),
    (4, "330110", "杭州青篁数据服务有限公司", "I65", "叶知秋", "文一西路1818号人工智能小镇7幢302室", "2022-07-21", 8, "1_200_000.00", "900_000.00", "micro"),
    (5, "330105", "杭州拱宸物业管理有限公司", "K7020", "钱惠兰", "莫干山路1177号", "2003-11-06", 320, "16_500_000.00", "8_400_000.00", "medium"),
    (6, "330102", "杭州望江餐饮管理有限公司", "H62", "何立群", "秋涛路258号", "2014-05-30", 45, "6_800_000.00", "2_100_000.00", "small"),
    (7, "330109", "杭州萧然精工机械有限公司", "C35", "俞国栋", "经济技术开发区建设一路66号", "1998-08-15", 1260, "512_000_000.00", "690_000_000.00", "large"),
    (8, "330114", "杭州启明生物科技有限公司", "M73", "林晓岚", "下沙街道福城路291号", "2017-02-27", 64, "18_300_000.00", "26_000_000.00", "small"),
    (9, "330113", "杭州织锦供应链管理有限公司", "F51", "高文博", "南苑街道迎宾路368号", "2019-10-09", 12, "38_000_000.00", "9_600_000.00", "small"),
    (10, "330106", "杭州西溪算法研究院有限公司", "M73", "蒋明哲", "紫金港路21号西溪谷C座", "2018-06-01", 150, "48_000_000.00", "62_000_000.00", "medium"),
    (11, "330108", "杭州极目视觉科技有限公司", "I65", "孔令仪", "长河街道滨安路1190号", "2019-12-16", 100, "10_000_000.00", "14_500_000.00", "medium"),
    (12, "330110", "杭州未来数智商务咨询有限公司", "L72", "邵雨桐", "仓前街道良睦路1399号21幢", "2023-03-08", 6, "750_000.00", "850_000.00", "micro"),
    (13, "330105", "杭州运河文创科技有限公司", "I65", "韩书瑶", "丽水路58号", "2020-08-19", 23, "400_000.00", "1_300_000.00", "micro"),
    (14, "330102", "杭州之南电子商务有限公司", "F52", "褚子涵", "凤起路188号", "2015-01-22", 28, "9_500_000.00", "4_200_000.00", "small"),
    (15, "330109", "杭州湘湖新能源科技有限公司", "D44", "卫志强", "湘湖路199号", "2011-04-02", 210, "86_000_000.00", "240_000_000.00", "small"),
    (16, "330111", "杭州富春江生态农业有限公司", "A01", "许春生", "银湖街道富闲路9号", "2009-03-12", 36, "3_800_000.00", "5_500_000.00", "small"),
    # 宁波市 Ningbo
    (17, "330203", "宁波甬创软件有限公司", "I65", "应晨阳", "望春工业园区杉杉路55号", "2010-07-07", 140, "26_000_000.00", "31_000_000.00", "medium"),
    (18, "330206", "宁波港联物流有限公司", "G54", "胡海涛", "新碶街道明州路501号", "2005-05-20", 380, "46_000_000.00", "52_000_000.00", "medium"),
    (19, "330212", "宁波智造模具有限公司", "C35", "周静怡", "姜山镇科技园区兴业路12号", "2013-10-28", 95, "18_000_000.00", "22_000_000.00", "small"),
    (20, "330282", "宁波慈航家电科技有限公司", "C38", "岑国华", "观海卫镇工业东区慈航路8号", "2001-12-01", 1100, "438_000_000.00", "520_000_000.00", "large"),
    (21, "330211", "宁波澥浦新材料有限公司", "C26", "乐志远", "澥浦镇化工区海天路66号", "2008-06-16", 310, "120_000_000.00", "210_000_000.00", "medium"),
    (22, "330203", "宁波三江口贸易有限公司", "F51", "毛佳琪", "药行街120号", "2021-09-14", 4, "2_000_000.00", "600_000.00", "micro"),
    (23, "330212", "宁波东钱湖栖云民宿有限公司", "H61", "史美玲", "东钱湖镇韩岭村青山路7号", "2020-05-01", 9, "900_000.00", "3_500_000.00", "micro"),
    (24, "330205", "宁波云帆数据科技有限公司", "I64", "董翰林", "慈城镇慈湖人家368号", "2018-11-11", 35, "5_600_000.00", "7_800_000.00", "small"),
    # 温州市 Wenzhou
    (25, "330302", "温州瓯江电气有限公司", "C38", "金建伟", "双屿街道鞋都大道188号", "2004-02-16", 180, "76_000_000.00", "88_000_000.00", "small"),
    (26, "330303", "温州龙湾步云鞋业有限公司", "C19", "潘志明", "永中街道永宁西路520号", "1999-09-09", 520, "210_000_000.00", "160_000_000.00", "medium"),
    (27, "330382", "乐清柳川智能电气有限公司", "C38", "黄晓东", "柳市镇柳青北路302号", "2021-04-06", 18, "4_000_000.00", "2_800_000.00", "micro"),
    (28, "330302", "温州五马百货有限公司", "F52", "季文静", "五马街66号", "2007-11-23", 60, "12_000_000.00", "6_500_000.00", "medium"),
    (29, "330381", "瑞安安阳汽配有限公司", "C36", "项国强", "塘下镇罗凤工业区8号", "2016-08-30", 75, "2_600_000.00", "4_100_000.00", "micro"),
    (30, "330304", "温州瓯海智联软件有限公司", "I65", "谢一鸣", "娄桥街道古鳌头路33号", "2020-12-02", 14, "1_800_000.00", "1_200_000.00", "small"),
    # 嘉兴市 Jiaxing
    (31, "330402", "嘉兴湖畔数字科技有限公司", "I65", "吕思源", "亚太路906号科技城3幢", "2019-05-17", 55, "9_000_000.00", "7_300_000.00", "small"),
    (32, "330481", "海宁经编纺织有限公司", "C17", "徐天翔", "马桥街道经编园区经都二路9号", "2006-04-25", 340, "98_000_000.00", "126_000_000.00", "medium"),
    (33, "330421", "嘉善光屿电子有限公司", "C39", "朱雅琴", "惠民街道松江路77号", "2022-01-10", 19, "8_000_000.00", "5_100_000.00", "micro"),
    (34, "330483", "桐乡濮院羊毛衫有限公司", "C18", "沈国良", "濮院镇毛衫城路15号", "2012-03-03", 48, "6_200_000.00", "3_900_000.00", "small"),
    (35, "330482", "平湖乍浦港航物流有限公司", "G54", "张海燕", "乍浦镇雅山西路210号", "2021-06-18", 16, "3_000_000.00", "4_600_000.00", "micro"),
    # 湖州市 Huzhou
    (36, "330502", "湖州吴兴丝韵绸业有限公司", "C17", "钟秀英", "织里镇珍贝路188号", "2003-07-08", 130, "32_000_000.00", "27_000_000.00", "small"),
    (37, "330521", "德清莫干遥感科技有限公司", "I65", "施俊杰", "舞阳街道地信小镇科源路10号", "2017-09-26", 68, "15_000_000.00", "19_000_000.00", "small"),
    (38, "330523", "安吉竹乡林业发展有限公司", "A02", "孙竹青", "递铺街道竹乡大道55号", "2021-11-30", 7, "380_000.00", "1_600_000.00", "micro"),
    (39, "330503", "湖州南浔木语地板有限公司", "C20", "宋建平", "南浔镇木业大道801号", "2009-10-19", 450, "180_000_000.00", "150_000_000.00", "medium"),
    # 绍兴市 Shaoxing
    (40, "330602", "绍兴酿蕴酒业有限公司", "C15", "王绍华", "鉴湖路318号", "2002-01-15", 280, "150_000_000.00", "230_000_000.00", "small"),
    (41, "330603", "绍兴柯桥锦纶轻纺有限公司", "F51", "陈柯然", "柯桥街道中国轻纺城东区3楼", "2011-08-08", 60, "82_000_000.00", "40_000_000.00", "medium"),
    (42, "330681", "诸暨山下湖珠宝有限公司", "F51", "赵珊珊", "山下湖镇珍珠大道99号", "2022-04-20", 3, "5_000_000.00", "1_800_000.00", "micro"),
    (43, "330604", "绍兴上虞杭湾化工有限公司", "C26", "冯启明", "杭州湾经济技术开发区纬三路18号", "1997-05-12", 1350, "620_000_000.00", "980_000_000.00", "large"),
    (44, "330602", "绍兴越韵餐饮有限公司", "H62", "屠晓峰", "解放北路228号", "2010-10-10", 120, "22_000_000.00", "9_000_000.00", "medium"),
    # 金华市 Jinhua
    (45, "330782", "义乌集采跨境电商有限公司", "F52", "楼一帆", "福田街道商城大道L1幢", "2023-02-14", 8, "3_000_000.00", "900_000.00", "micro"),
    (46, "330782", "义乌丝路国际物流有限公司", "G58", "骆振宇", "北苑街道港陆路36号", "2015-06-06", 45, "28_000_000.00", "12_000_000.00", "small"),
    (47, "330784", "永康五金精工有限公司", "C33", "应立新", "经济开发区九鼎路18号", "2008-12-18", 160, "55_000_000.00", "48_000_000.00", "small"),
    (48, "330702", "金华婺州软件有限公司", "I65", "方雨晴", "双龙南街1188号", "2023-07-03", 9, "600_000.00", "500_000.00", "micro"),
    (49, "330783", "东阳木雕装饰工程有限公司", "E50", "厉建华", "吴宁街道木雕城路6号", "2005-03-28", 150, "42_000_000.00", "36_000_000.00", "small"),
    # 衢州市 Quzhou
    (50, "330802", "衢州柯城氟硅新材料有限公司", "C26", "余国庆", "东港五路60号", "2014-09-15", 90, "36_000_000.00", "52_000_000.00", "small"),
    (51, "330881", "江山仙霞门业有限公司", "C20", "毛建军", "贺村镇门业园区2号", "2022-08-08", 15, "3_500_000.00", "2_700_000.00", "micro"),
    (52, "330803", "衢州云谷数据服务有限公司", "I64", "徐立诚", "高家镇数据港路1号", "2019-04-22", 40, "8_800_000.00", "36_000_000.00", "small"),
    # 舟山市 Zhoushan
    (53, "330902", "舟山定海海洋渔业有限公司", "A04", "虞海生", "干览镇渔港路12号", "2000-06-12", 85, "26_000_000.00", "31_000_000.00", "medium"),
    (54, "330903", "舟山普陀冷链仓储有限公司", "G59", "邬晓波", "沈家门街道渔港北路88号", "2018-02-09", 24, "1_500_000.00", "6_000_000.00", "small"),
    (55, "330902", "舟山岑港船舶修造有限公司", "C37", "胡定海", "岑港街道船厂路3号", "2021-10-26", 12, "2_000_000.00", "3_300_000.00", "micro"),
    # 台州市 Taizhou
    (56, "331002", "台州椒江康屿医药有限公司", "C27", "蔡明远", "外沙路46号", "1999-04-30", 380, "260_000_000.00", "410_000_000.00", "medium"),
    (57, "331004", "台州筑澜建设工程有限公司", "E48", "林国栋", "路桥街道银座街518号", "2006-07-19", 260, "72_000_000.00", "58_000_000.00", "medium"),
    (58, "331081", "温岭东海泵业有限公司", "C34", "陈泽华", "大溪镇工业城泵业路9号", "2010-05-05", 58, "22_000_000.00", "17_000_000.00", "small"),
    (59, "331083", "玉环坎门阀门有限公司", "C34", "郭志勇", "坎门街道阀门路21号", "2021-03-15", 17, "2_900_000.00", "2_200_000.00", "micro"),
    # 丽水市 Lishui
    (60, "331102", "丽水莲都瓯江生态农业有限公司", "A01", "叶春华", "碧湖镇平原路16号", "2022-05-09", 5, "280_000.00", "1_100_000.00", "micro"),
    (61, "331181", "龙泉剑瓷青瓷文化有限公司", "C30", "季青云", "剑池街道青瓷路8号", "2013-11-18", 26, "3_200_000.00", "4_500_000.00", "small"),
    (62, "331121", "青田侨乡进出口有限公司", "F51", "邱欧文", "鹤城街道侨乡路200号", "2016-01-08", 22, "11_000_000.00", "5_600_000.00", "small"),
]  # fmt: skip

# Two enterprises were first registered with their 2024 figures and then
# updated to 2025, so their history shows a reclassification.
# number: (fiscal year, employees, revenue, total assets)
EARLIER_FIGURES = {
    11: (2024, 82, "7_600_000.00", "9_200_000.00"),  # small → medium
    13: (2024, 23, "700_000.00", "1_100_000.00"),  # small → micro
}

# number: [(name, ID number or credit code), ...]
_SHARED_PERSON = ("郑海川", fictional_id_number("330106", "19800312", 517))
_PROVIDER_1_USCC = provider_uscc(1, "330108")
SHAREHOLDERS = {
    1: [_SHARED_PERSON, ("杨晓帆", fictional_id_number("330102", "19850621", 224))],
    2: [
        ("沈若溪", fictional_id_number("330108", "19790904", 118)),
        ("杭州澜芯投资合伙企业（有限合伙）", make_uscc("330108", "DMH00002")),
    ],
    3: [("陆景行", fictional_id_number("330106", "19760118", 331))],
    5: [("钱惠兰", fictional_id_number("330105", "19680527", 462))],
    7: [
        ("俞国栋", fictional_id_number("330109", "19650803", 715)),
        ("俞思远", fictional_id_number("330109", "19920411", 716)),
    ],
    # A provider's company holds shares: a related party for voucher checks.
    8: [
        ("林晓岚", fictional_id_number("330114", "19880226", 842)),
        ("浙江钱江智算科技有限公司", _PROVIDER_1_USCC),
    ],
    10: [("蒋明哲", fictional_id_number("330106", "19830709", 153))],
    11: [("孔令仪", fictional_id_number("330108", "19900130", 268))],
    14: [("褚子涵", fictional_id_number("330102", "19930815", 427))],
    17: [
        ("应晨阳", fictional_id_number("330203", "19810506", 339)),
        ("何佳怡", fictional_id_number("330212", "19870922", 548)),
    ],
    19: [("周静怡", fictional_id_number("330212", "19821112", 626))],
    20: [("岑国华", fictional_id_number("330282", "19630719", 911))],
    21: [("乐志远", fictional_id_number("330211", "19750402", 274))],
    26: [("潘志明", fictional_id_number("330303", "19700228", 635))],
    28: [("季文静", fictional_id_number("330302", "19860614", 782))],
    32: [
        ("徐天翔", fictional_id_number("330481", "19720810", 195)),
        ("徐子墨", fictional_id_number("330481", "19980103", 196)),
    ],
    # The same person as in enterprise 1: the two are related.
    37: [("施俊杰", fictional_id_number("330521", "19840918", 357)), _SHARED_PERSON],
    39: [("宋建平", fictional_id_number("330503", "19690305", 573))],
    41: [("陈柯然", fictional_id_number("330603", "19890724", 648))],
    43: [
        ("冯启明", fictional_id_number("330604", "19620616", 519)),
        ("浙江杭湾控股集团有限公司", make_uscc("330604", "DMH00043")),
    ],
    47: [("应立新", fictional_id_number("330784", "19770427", 874))],
    50: [("余国庆", fictional_id_number("330802", "19801001", 432))],
    53: [("虞海生", fictional_id_number("330902", "19660220", 117))],
    56: [("蔡明远", fictional_id_number("331002", "19710813", 295))],
    57: [("林国栋", fictional_id_number("331004", "19731129", 351))],
    61: [("季青云", fictional_id_number("331181", "19910507", 686))],
}

# Owner accounts demo.owner{k}@example.com: number → (k, full name).
OWNERS = {
    1: (1, "郑海川"),
    2: (2, "沈若溪"),
    10: (3, "蒋明哲"),
    11: (4, "孔令仪"),
    17: (5, "应晨阳"),
    19: (6, "周静怡"),
    32: (7, "徐天翔"),
    37: (8, "施俊杰"),
    24: (9, "董翰林"),
    4: (10, "叶知秋"),
}

# Investment declarations 2018–2023: number → (IT total, AI total, IT
# weights, AI weights). The totals are split over the years by weight (None:
# year not declared, 0: declared as zero); the last declared year takes the
# rounding remainder. AI mostly grows late.
W_GROW = (8, 11, 15, 18, 22, 26)
W_STEADY = (15, 17, 16, 18, 16, 18)
W_BUMPY = (10, 25, 8, 12, 30, 15)
A_LATE = (2, 4, 10, 16, 28, 40)
W_RECENT = (None, None, None, 30, 33, 37)
A_RECENT = (None, None, None, 20, 35, 45)
DECLARATIONS = {
    3: ("48_600_000.00", "21_300_000.00", W_GROW, A_LATE),
    1: ("18_650_000.00", "7_240_000.00", W_GROW, A_LATE),
    17: ("12_345_678.90", "5_432_100.00", W_STEADY, W_GROW),
    2: ("10_000_000.01", "5_000_000.01", W_GROW, A_LATE),
    11: ("10_000_000.00", "6_200_000.00", W_GROW, A_LATE),
    10: ("16_800_000.00", "5_000_000.00", W_STEADY, A_LATE),
    19: ("9_999_999.99", "5_600_000.00", W_GROW, A_LATE),
    8: ("13_200_000.00", "4_999_999.99", W_BUMPY, W_GROW),
    20: ("25_000_000.00", "0.00", W_STEADY, W_STEADY),
    26: ("4_200_000.00", "600_000.00", W_BUMPY, W_BUMPY),
    32: ("9_800_000.00", "5_300_000.00", W_GROW, A_LATE),
    41: ("8_000_000.00", "4_000_000.00", W_GROW, W_GROW),
    56: ("11_080_000.00", "5_150_000.00", W_STEADY, W_GROW),
    57: ("10_500_000.00", "5_250_000.00", W_BUMPY, W_BUMPY),
    31: ("3_600_000.00", "1_900_000.00", W_RECENT, A_RECENT),
    37: ("10_600_000.00", "5_100_000.00", W_GROW, A_LATE),
    5: ("1_200_000.00", "150_000.00", W_STEADY, W_STEADY),
    18: ("7_800_000.00", "2_100_000.00", W_BUMPY, A_LATE),
    53: ("2_400_000.00", "360_000.00", W_STEADY, W_STEADY),
    43: ("32_000_000.00", "9_000_000.00", W_GROW, A_LATE),
    44: ("850_000.00", "120_000.00", W_RECENT, W_RECENT),
    47: ("6_400_000.00", "3_200_000.00", W_GROW, W_GROW),
    52: ("10_000_000.00", "5_000_000.00", W_STEADY, W_GROW),
    24: (
        "2_000_000.00",
        "1_400_000.00",
        (0, 0, 20, 25, 25, 30),
        (0, 0, 10, 20, 30, 40),
    ),
}
# Declarations outside 2018–2023: with them enterprise 41 would pass.
# number: [(year, IT, AI), ...]
DECLARATIONS_OUTSIDE_WINDOW = {
    41: [(2017, "1_500_000.00", "600_000.00"), (2024, "3_000_000.00", "1_500_000.00")],
}
# One correction (version 2): below the benchmark before it, above after.
# (number, year, IT added, AI added, note)
CORRECTION = (32, 2022, "400_000.00", "100_000.00", "补录2022年GPU服务器采购发票")

# What each declaring enterprise shows about the benchmark (current versions).
BENCHMARK_CASES = {
    3: "above (large enterprise)",
    1: "above",
    17: "above",
    2: "just above: IT 10,000,000.01 and AI 5,000,000.01",
    11: "below: IT exactly 10,000,000.00 (not more than)",
    10: "below: AI exactly 5,000,000.00",
    19: "below: IT 9,999,999.99",
    8: "below: AI 4,999,999.99",
    20: "below: no AI investment (large enterprise)",
    26: "below",
    32: "above only after the 2022 correction (v1 total IT 9,800,000.00)",
    41: "below in 2018–2023; above if 2017 and 2024 were counted",
    56: "above, but currently on the dishonesty list",
    57: "above; was on the dishonesty list, removed 2024-06-30",
    31: "below: declared 2021–2023 only",
    37: "above",
    5: "below",
    18: "below",
    53: "below",
    43: "above (large enterprise)",
    44: "below: declared 2021–2023 only",
    47: "below",
    52: "below: IT exactly 10,000,000.00 and AI exactly 5,000,000.00",
    24: "below: 2018 and 2019 declared as zero",
}

# Dishonesty list (严重失信主体名单), fictional decisions.
# (number, listed on, removed on, authority, reference)
DISHONEST = [
    (56, "2025-03-01", "", "台州市市场监督管理局", "台市监失信〔2025〕第0301号"),
    (
        57,
        "2023-01-10",
        "2024-06-30",
        "台州市住房和城乡建设局",
        "台建失信〔2023〕第0110号",
    ),
]

# --------------------------------------------------------------------------
# Providers. Model filing numbers are fictional: they only imitate the form
# of the Cyberspace Administration's generative-AI filing numbers.
# number, division, name, legal representative, street address, compute,
# model, facility, final status, offerings (kind, name, unit, price, model
# name, filing number)

COMPUTE, MODEL = "compute", "model"
GPU_HOUR, KTOKENS, MONTH = "gpu_card_hour", "thousand_tokens", "deployment_month"
PROVIDERS = [
    (1, "330108", "浙江钱江智算科技有限公司", "方启航", "西兴街道物联网街451号", True, False, "domestic", "approved", [
        (COMPUTE, "昇腾910B 训练算力（单卡）", GPU_HOUR, "9.8000", "", ""),
        (COMPUTE, "昇腾910B 推理算力（单卡）", GPU_HOUR, "6.5000", "", ""),
    ]),
    (2, "330206", "宁波甬江云计算有限公司", "包海峰", "梅山街道七星路88号", True, False, "other", "approved", [
        (COMPUTE, "A800 80GB 训练算力（单卡）", GPU_HOUR, "12.5000", "", ""),
        (COMPUTE, "L20 48GB 推理算力（单卡）", GPU_HOUR, "4.2000", "", ""),
    ]),
    (3, "330106", "杭州澄观大模型科技有限公司", "顾清扬", "西园一路18号", False, True, "", "approved", [
        (MODEL, "澄观通用大模型 API", KTOKENS, "0.0120", "澄观-Chat-72B", "Zhejiang-ChengguanChatDemo-20240118"),
        (MODEL, "澄观代码大模型 API", KTOKENS, "0.0080", "澄观-Coder-32B", "Zhejiang-ChengguanCoderDemo-20240426"),
    ]),
    (4, "330110", "浙江未来算力网络有限公司", "陶文远", "五常街道文一西路998号", True, True, "domestic", "approved", [
        (COMPUTE, "海光 DCU K100 算力（单卡）", GPU_HOUR, "7.8000", "", ""),
        (MODEL, "未来-7B 行业模型 API", KTOKENS, "0.0040", "未来-7B", "Zhejiang-WeilaiDemo-20240611"),
        (MODEL, "未来-7B 行业模型私有化部署", MONTH, "38000.0000", "未来-7B", "Zhejiang-WeilaiDemo-20240611"),
    ]),
    (5, "330402", "嘉兴长三角算力调度有限公司", "殷志诚", "昌盛南路36号", True, False, "other", "approved", [
        (COMPUTE, "H20 96GB 推理算力（单卡）", GPU_HOUR, "8.6000", "", ""),
    ]),
    (6, "330602", "绍兴越州智语科技有限公司", "倪嘉禾", "迪荡街道延安东路558号", False, True, "", "approved", [
        (MODEL, "越州政务问答大模型 API", KTOKENS, "0.0060", "越州-Gov-14B", "Zhejiang-YuezhouDemo-20240902"),
    ]),
    (7, "330702", "金华婺州算力服务有限公司", "傅晓明", "李渔路1000号", True, False, "domestic", "applied", [
        (COMPUTE, "昇腾910B 训练算力（单卡）", GPU_HOUR, "8.9000", "", ""),
    ]),
    (8, "331002", "台州溟川云智科技有限公司", "罗一舟", "市府大道618号", True, True, "other", "suspended", [
        (COMPUTE, "A100 40GB 训练算力（单卡）", GPU_HOUR, "11.0000", "", ""),
        (MODEL, "溟川-13B 通用模型 API", KTOKENS, "0.0050", "溟川-13B", "Zhejiang-MingchuanDemo-20240305"),
    ]),
]  # fmt: skip
SUSPENSION_REASON = (
    "2025年度服务质量抽查发现计费记录与实际用量不符，暂停服务待整改后复核。"
)
# The demo's list of filed generative-AI services holds every demo model
# offering's number (imported by _Loader.filings) and this revoked one, which
# no offering uses: number → (model name, filed by, province, revoked on).
REVOKED_FILINGS = {
    "Zhejiang-JiuxingDemo-20231120": (
        "九星-6B",
        "杭州九星智能有限公司",
        "浙江",
        "2025-03-31",
    ),
}

# A one-page, well-formed PDF for the demo's (and the browser tests') uploads;
# the upload check sniffs content, not names.
DEMO_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)


def _licence_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("营业执照.pdf", DEMO_PDF, content_type="application/pdf")


def spread(total: Decimal, weights) -> list[Decimal | None]:
    """Split an amount over years by weight, to the cent; None stays None."""
    weighted = [w for w in weights if w]
    if not weighted:
        raise ValueError("at least one year needs a weight")
    whole = sum(weighted)
    last = max(i for i, w in enumerate(weights) if w)
    parts: list[Decimal | None] = [
        None if w is None else (total * w / whole).quantize(CENT, rounding=ROUND_DOWN)
        for w in weights
    ]
    parts[last] = total - sum(p for i, p in enumerate(parts) if p and i != last)
    return parts


def declaration_plan(number: int) -> list[tuple[int, Decimal, Decimal]]:
    """(year, IT, AI) of an enterprise's first declarations, oldest first."""
    it_total, ai_total, it_weights, ai_weights = DECLARATIONS[number]
    if [w is None for w in it_weights] != [w is None for w in ai_weights]:
        raise ValueError(f"enterprise {number}: IT and AI declare different years")
    plan = [
        (year, it, ai)
        for year, it, ai in zip(
            BENCHMARK_YEARS,
            spread(D(it_total), it_weights),
            spread(D(ai_total), ai_weights),
            strict=True,
        )
        if it is not None
    ]
    plan += [
        (y, D(it), D(ai)) for y, it, ai in DECLARATIONS_OUTSIDE_WINDOW.get(number, [])
    ]
    for year, it, ai in plan:
        if ai > it:
            raise ValueError(f"enterprise {number}, {year}: AI {ai} > IT {it}")
    return sorted(plan)


class _Loader:
    def __init__(self, *, manager, actor):
        self.manager = manager
        self.actor = actor
        self.counts = dict.fromkeys(
            (
                "users",
                "enterprises",
                "profile_updates",
                "owners",
                "shareholders",
                "declarations",
                "corrections",
                "providers",
                "provider_decisions",
                "offerings",
                "dishonest_entries",
                "filed_services",
            ),
            0,
        )
        self._users = DemoUsers()
        self._import_user = None
        self._regions = Region.objects.in_bulk()

    # Users -----------------------------------------------------------------

    def user(self, email: str, full_name: str, *, can_sign_in: bool = True):
        user = self._users.user(email, full_name, can_sign_in=can_sign_in)
        self.counts["users"] = self._users.created
        return user

    @property
    def import_actor(self):
        """Who registers imported enterprises and declares for unclaimed ones."""
        if self.actor is not None:
            return self.actor
        if self._import_user is None:
            self._import_user = self.user(
                IMPORT_USER_EMAIL, IMPORT_USER_NAME, can_sign_in=False
            )
        return self._import_user

    # Enterprises -------------------------------------------------------------

    def enterprises(self) -> dict[int, Enterprise]:
        by_number = {}
        for row in ENTERPRISES:
            number, region = row[0], row[1]
            uscc = enterprise_uscc(number, region)
            enterprise = Enterprise.objects.filter(uscc=uscc).first()
            if enterprise is None:
                enterprise = self._create_enterprise(row, uscc)
                self._fill(number, enterprise)
            by_number[number] = enterprise
        return by_number

    def _create_enterprise(self, row, uscc: str) -> Enterprise:
        number, region, name, industry, legal_rep, street, established = row[:7]
        employees, revenue, assets = row[7:10]
        county = self._regions[region]
        city = self._regions[county.parent_id]
        data = {
            "name": name,
            "legal_representative": legal_rep,
            "registered_address": f"浙江省{city.name_zh}{county.name_zh}{street}",
            "region": county,
            "industry_code": industry,
            "established_on": date.fromisoformat(established),
            "contact_phone": str(13800000000 + number),
            "fiscal_year": FISCAL_YEAR,
            "employees": employees,
            "revenue": D(revenue),
            "total_assets": D(assets),
        }
        earlier = EARLIER_FIGURES.get(number)
        if earlier:
            year, emp, rev, ass = earlier
            first = {
                **data,
                "fiscal_year": year,
                "employees": emp,
                "revenue": D(rev),
                "total_assets": D(ass),
            }
            enterprise = services.enterprise_create(
                uscc=uscc, data=first, actor=self.import_actor
            )
            enterprise = services.enterprise_update_profile(
                enterprise=enterprise, data=data, actor=self.import_actor
            )
            self.counts["profile_updates"] += 1
        else:
            enterprise = services.enterprise_create(
                uscc=uscc, data=data, actor=self.import_actor
            )
        self.counts["enterprises"] += 1
        return enterprise

    def _fill(self, number: int, enterprise: Enterprise) -> None:
        """Owner, shareholders and declarations of a newly created enterprise."""
        declarer = self.import_actor
        if number in OWNERS:
            k, full_name = OWNERS[number]
            owner = self.user(f"demo.owner{k}@example.com", full_name)
            # The enterprise is new, so it has no owner yet.
            services.membership_grant(
                user=owner,
                role=Role.APPLICANT,
                organisation=enterprise,
                granted_by=self.manager,
                is_owner=True,
            )
            self.counts["owners"] += 1
            declarer = owner
        for name, id_number in SHAREHOLDERS.get(number, []):
            services.shareholder_add(
                enterprise=enterprise,
                name=name,
                id_number=id_number,
                actor=self.import_actor,
            )
            self.counts["shareholders"] += 1
        if number not in DECLARATIONS:
            return
        note = "" if number in OWNERS else "据企业信息化投入统计导入"
        for year, it, ai in declaration_plan(number):
            services.declaration_save(
                enterprise=enterprise,
                year=year,
                it_amount=it,
                ai_amount=ai,
                actor=declarer,
                note=note,
            )
            self.counts["declarations"] += 1
        corrected, year, it_added, ai_added, why = CORRECTION
        if number == corrected:
            current = enterprise.declarations.get(year=year, superseded_at=None)
            services.declaration_save(
                enterprise=enterprise,
                year=year,
                it_amount=current.it_amount + D(it_added),
                ai_amount=current.ai_amount + D(ai_added),
                actor=declarer,
                note=why,
            )
            self.counts["declarations"] += 1
            self.counts["corrections"] += 1

    # Providers ---------------------------------------------------------------

    def providers(self) -> None:
        for row in PROVIDERS:
            number, region, name, legal_rep, street = row[:5]
            compute, model, facility, status, offerings = row[5:]
            uscc = provider_uscc(number, region)
            if Provider.objects.filter(uscc=uscc).exists():
                continue
            county = self._regions[region]
            city = self._regions[county.parent_id]
            staff = self.user(f"demo.provider{number}@example.com", legal_rep)
            provider = services.provider_apply(
                user=staff,
                uscc=uscc,
                data={
                    "name": name,
                    "legal_representative": legal_rep,
                    "registered_address": f"浙江省{city.name_zh}{county.name_zh}{street}",
                    "contact_phone": str(13900000000 + number),
                    "offers_compute": compute,
                    "offers_model": model,
                    "facility": facility,
                },
                licence_upload=_licence_upload(),
            )
            self.counts["providers"] += 1
            for kind, title, unit, price, model_name, filing in offerings:
                services.offering_add(
                    provider=provider,
                    data={
                        "kind": kind,
                        "name": title,
                        "unit": unit,
                        "list_price": D(price),
                        "model_name": model_name,
                        "filing_number": filing,
                    },
                    actor=staff,
                )
                self.counts["offerings"] += 1
            steps = {
                "applied": [],
                "approved": [("approved", "")],
                "suspended": [("approved", ""), ("suspended", SUSPENSION_REASON)],
            }[status]
            for to_status, reason in steps:
                provider = services.provider_set_status(
                    provider=provider,
                    to_status=to_status,
                    actor=self.manager,
                    reason=reason,
                )
                self.counts["provider_decisions"] += 1

    # The list of filed generative-AI services ---------------------------------

    def filings(self) -> None:
        """Import the demo's list of filed generative-AI services: every
        demo model offering's number (so each can be charged), and one
        revoked filing no offering uses."""
        entries: dict[str, tuple[str, str, str, str]] = {}
        for row in PROVIDERS:
            name, offerings = row[2], row[-1]
            for kind, _title, _unit, _price, model_name, filing in offerings:
                if kind == MODEL and filing:
                    entries.setdefault(filing, (model_name, name, "浙江", ""))
        entries.update(REVOKED_FILINGS)
        lines = ["filing_number,model_name,filer_name,region,filed_on,revoked_on"]
        known = set(
            GenAIFiling.objects.filter(
                number_key__in=[filing_key(n) for n in entries]
            ).values_list("number_key", flat=True)
        )
        for number, (model_name, filer, region, revoked_on) in entries.items():
            if filing_key(number) in known:
                continue
            lines.append(",".join((number, model_name, filer, region, "", revoked_on)))
        if len(lines) == 1:
            return
        result = services.filing_list_import(
            content=("\n".join(lines) + "\n").encode(),
            actor=self.manager,
            source="demo",
        )
        self.counts["filed_services"] += result.created

    # Dishonesty list ---------------------------------------------------------

    def dishonest(self, enterprises: dict[int, Enterprise]) -> None:
        lines = ["uscc,name,listed_on,removed_on,authority,reference"]
        for number, listed_on, removed_on, authority, reference in DISHONEST:
            enterprise = enterprises[number]
            if DishonestEntity.objects.filter(
                uscc=enterprise.uscc, listed_on=date.fromisoformat(listed_on)
            ).exists():
                continue
            lines.append(
                ",".join(
                    (
                        enterprise.uscc,
                        enterprise.name,
                        listed_on,
                        removed_on,
                        authority,
                        reference,
                    )
                )
            )
        if len(lines) == 1:
            return
        result = services.dishonest_list_import(
            content=("\n".join(lines) + "\n").encode(),
            actor=self.manager,
            source="demo",
        )
        self.counts["dishonest_entries"] += result.created


def load_register_demo(*, manager, actor=None) -> dict[str, int]:
    """Load the demo register; return how many of each thing were created.

    ``manager`` (a program manager) decides on the providers, imports the
    list of filed generative-AI services and the dishonesty list and grants the owners' memberships. ``actor`` registers
    the enterprises, adds shareholders and declares for enterprises without
    an owner; without it the system account register-import@example.com
    (no usable password) does. Owners declare for their own enterprises.
    Runs in one transaction.
    """
    with transaction.atomic():
        loader = _Loader(manager=manager, actor=actor)
        enterprises = loader.enterprises()
        loader.providers()
        loader.filings()
        loader.dishonest(enterprises)
    return loader.counts
