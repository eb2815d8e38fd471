"""Every VP fault code gets its own plain-language hint; other faults a generic one."""

from __future__ import annotations

from bokade_cli.engine.vpcodes import fault_hint, vp_code


def test_each_vp_code_has_its_own_hint() -> None:
    generic = fault_hint("Producer database unavailable")
    hints = {fault_hint(f"VP{n:03d} something went wrong") for n in range(1, 16)}
    assert len(hints) == 15 and generic not in hints


def test_the_code_is_found_where_the_platform_puts_it() -> None:
    assert vp_code("VP004 No Logical Adress found for serviceNamespace:x, receiverId:y") == "VP004"
    assert vp_code("Error VP013: Sender NOT on ConsumerList") == "VP013"
    assert vp_code("VP016 unknown") is None
    assert vp_code("XVP0041") is None
