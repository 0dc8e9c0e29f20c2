"""Import the published list of filed generative-AI services
(生成式人工智能服务已备案信息) from CSV."""

from enterprises.management.list_import import ListImportCommand
from enterprises.services import filing_list_import
from enterprises.services.filings import CSV_COLUMNS


class Command(ListImportCommand):
    importer = staticmethod(filing_list_import)
    help = (
        "Import a CSV (UTF-8) with the columns "
        + ", ".join(CSV_COLUMNS)
        + " (or the published 备案号, 模型名称, 备案单位, 属地, 备案时间). Entries are "
        "matched by filing number; the whole file is refused if any line is "
        "invalid; importing it again changes nothing."
    )
