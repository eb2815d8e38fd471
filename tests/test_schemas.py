"""Every request the tool sends validates against the official RIVTA schemas (../shared/rivta).

Runs where the shared folder and the xmlschema package are present (the dev machine and CI);
elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bokade_cli.contracts import CONTRACTS, RequestParams
from bokade_cli.engine.soap import build_envelope

VALIDATOR = Path(__file__).resolve().parents[2] / "shared" / "tools" / "rivta-validate"


def _validator_available() -> str | None:
    if not VALIDATOR.exists():
        return f"{VALIDATOR} not found (no ../shared beside the checkout)"
    try:
        import xmlschema  # noqa: F401
    except ImportError:
        return "xmlschema is not installed"
    return None


pytestmark = [
    pytest.mark.skipif(_validator_available() is not None, reason=str(_validator_available())),
    pytest.mark.slow,  # a validator subprocess per request
]


def validate(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VALIDATOR), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("id_type", ["1.2.752.129.2.1.3.1", "1.2.752.129.2.1.3.3"])
def test_every_request_validates(tmp_path: Path, id_type: str) -> None:
    paths = []
    for contract in CONTRACTS.values():
        for address in ("5565594230", "SE2321000016-92V4"):
            params = RequestParams(address, "191212121212", id_type, date(2028, 2, 29))
            actor = params.subject_of_care if contract.sends_actor else None
            path = tmp_path / f"{contract.key.replace('/', '-')}-{address}.xml"
            path.write_bytes(build_envelope(address, contract.build_body(params), actor))
            paths.append(path)
    result = validate(paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": valid") == len(paths)


def test_the_validator_does_reject_a_broken_request(tmp_path: Path) -> None:
    params = RequestParams("5565594230", "19121212-1212", "1.2.752.129.2.1.3.1", date(2026, 11, 26))
    path = tmp_path / "broken.xml"
    path.write_bytes(
        build_envelope("5565594230", CONTRACTS["GetSubjectOfCareSchedule"].build_body(params))
    )
    result = validate([path])
    assert result.returncode == 1 and "INVALID" in result.stdout
