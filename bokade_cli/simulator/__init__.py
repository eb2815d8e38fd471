"""The embedded NTjP: scenario files, SOAP answers as the platform gives them, and a loopback server."""

from .core import Simulator
from .inbound import RequestEntry, RequestLog
from .loader import list_scenarios, load_scenario
from .scenario import Scenario
from .server import RunningServer, serve_forever, serve_in_thread

__all__ = [
    "RequestEntry",
    "RequestLog",
    "RunningServer",
    "Scenario",
    "Simulator",
    "list_scenarios",
    "load_scenario",
    "serve_forever",
    "serve_in_thread",
]
