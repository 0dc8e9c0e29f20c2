"""Provider webhooks: endpoints a provider registers, events emitted in the
transaction of the change they report, signed deliveries retried with
back-off (see docs/architecture.md, "Webhooks")."""
