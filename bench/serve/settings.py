"""The test profile, with the benchmark's URLs and no per-key limit (the
benchmark measures throughput, not the throttle)."""

from config.settings.test import *  # noqa: F403
from config.settings.test import REST_FRAMEWORK

ROOT_URLCONF = "bench.serve.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "provider_api": "100000000/minute",
        "voucher_lookup": "100000000/minute",
    },
}
