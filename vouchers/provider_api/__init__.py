"""The provider API (/api/v1/): keys that provider staff make and revoke
(services), Bearer authentication and per-key throttles (auth), replay of
idempotent requests (idempotency), the endpoints (api, serializers) and the
key management pages (views, forms, urls)."""
