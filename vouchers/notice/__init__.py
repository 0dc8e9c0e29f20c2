"""Public notice (公示) between a final approval and the voucher: services
(open, object, uphold, dismiss, issue when due), selectors, the public page
and objection form, the manager's objection page, the nightly task."""
