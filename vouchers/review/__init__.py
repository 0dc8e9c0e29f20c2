"""Review: who may decide which application (scope.py), the decisions
(services.py: approve, return, reject, batch approval), what deserves a
second look (hints.py), the queue and its counts (selectors.py), the
reviewers' daily digest (digest.py, tasks.py) and the pages."""
