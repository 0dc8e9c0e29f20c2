"""Import the list of seriously dishonest entities (严重失信主体名单) from CSV."""

from enterprises.management.list_import import ListImportCommand
from enterprises.services import dishonest_list_import
from enterprises.services.credit import CSV_COLUMNS


class Command(ListImportCommand):
    importer = staticmethod(dishonest_list_import)
    help = (
        "Import a CSV (UTF-8) with the columns "
        + ", ".join(CSV_COLUMNS)
        + ". Entries are matched by credit code and listing date; the whole file "
        "is refused if any line is invalid."
    )
