from django.utils import translation

from config.formats import join_list


def test_lists_use_the_enumeration_comma_in_chinese_and_commas_in_english():
    with translation.override("zh-hans"):
        assert join_list(["存储", "网络", "安全"]) == "存储、网络、安全"
    with translation.override("en"):
        assert join_list(["storage", "network"]) == "storage, network"
    assert join_list([]) == ""
