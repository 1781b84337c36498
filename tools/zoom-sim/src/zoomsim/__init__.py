"""The Zoom simulator: Zoom's OAuth, REST API, recording downloads and webhooks on one local
port, for Classbridge's tests, benchmarks and embedded default. See README.md.
"""

from zoomsim.app import Simulator, create_app
from zoomsim.config import AccountSeed, AppSeed, SimConfig, UserSeed, WebhookTarget
from zoomsim.content import expected_sha256, sha256_of
from zoomsim.fidelity import Fidelity

__all__ = [
    "AccountSeed",
    "AppSeed",
    "Fidelity",
    "SimConfig",
    "Simulator",
    "UserSeed",
    "WebhookTarget",
    "create_app",
    "expected_sha256",
    "sha256_of",
]
