"""The tamper-evident chain over audit events: canonical content and hashes
(canonical.py), the sealer and checkpoints (services.py), the check
(verify.py), what the auditor's page shows (selectors.py), the page (views.py,
urls.py) and the scheduled runs (tasks.py)."""
