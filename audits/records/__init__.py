"""The province's records as auditors and program managers read them:
applications, vouchers and charges across every region, filtered, with
totals and an XLSX of the same rows; read only (each row links to its own
page and event history). The listings are declared once in listings.py and
serve the page and the download alike."""
