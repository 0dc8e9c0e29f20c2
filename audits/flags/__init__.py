"""Anomaly flags: the rules that raise them (rules.py, shared with the
review page), the scan and the auditor's triage (services.py), the flags
pages (views.py, urls under /audit/flags/) and the nightly scan (tasks.py)."""
