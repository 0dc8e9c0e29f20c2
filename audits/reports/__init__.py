"""Audit reports: numbered PDF (PDF/A-3b, the detail rows attached as CSV)
and XLSX files built in the background (services.py, tasks.py) from the
figures of data.py, with charts (charts.py); the files' SHA-256 and SM3 are
stored, and the public verify page (views.verify) checks any copy."""
