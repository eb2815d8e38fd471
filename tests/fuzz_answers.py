"""Hypothesis strategies for platform answers as a hostile or sloppy producer might write them.

An answer is drawn as a small element tree (namespaces, order, missing, extra, misspelt and
repeated elements, values of every odd kind) and then written out with random XML forms:
prefixes or default namespaces, every way of escaping a value (character references, CDATA,
comments between the pieces, predefined entities), and sometimes something that is not
acceptable XML at all (an undefined entity, a DOCTYPE, a cut-off body, another encoding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
HDR = "urn:riv:interoperability:headers:1"
SCHED_R = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
SCHED_C = "urn:riv:crm:scheduling:1"
SCHED_X = "urn:riv:crm:scheduling:1.1"
CC_R = "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:{v}"
CC_C = "urn:riv:clinicalprocess:logistics:logistics:{v}"

PNR = "191212121212"
# The citizen's number as an answer might hold it: bokade must never write any of these.
PNR_FORMS = ("191212121212", "19121212-1212", "19121212+1212")
FACILITIES = ("SE2321000016-0001", "se2321000016-0001", "SE2321000016-0002", "5565594230")


@dataclass
class El:
    ns: str
    local: str
    text: str | None = None
    children: list[El] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)


# --- values ----------------------------------------------------------------------------------

ODD_CHARS = "\u202e\u2066\u200b\ufeff\u2028\u0085\x7f\u00a0\uff11\u0660ÅÄÖ€&<>\"'\t\n\r"
# Things a renderer might read as its own: rich markup, format fields, wide and combining text.
MARKUP = (
    "[/]",
    "[bold red]",
    "[link=http://x]",
    "{0}",
    "%s",
    "\\",
    "😀",
    "e\u0301",
    "א",
    "::error::",
)
odd_text = st.one_of(
    st.text(alphabet=st.sampled_from(list(ODD_CHARS) + list("abc 019-+:")), max_size=12),
    st.lists(st.sampled_from(MARKUP + ("x", " ")), max_size=4).map("".join),
)
huge_digits = st.integers(10, 6000).map(lambda n: "9" * n)
pnr_inside = st.sampled_from(PNR_FORMS).map(lambda p: f"patient {p} here")

times = st.one_of(
    st.sampled_from(
        [
            "20261201100000",  # future, valid
            "20261126115959",  # just passed
            "20291126120001",  # beyond 3 years
            "20261131100000",  # 31 November
            "20260329023000",  # the spring gap
            "20261025023000",  # the autumn overlap
            " 20261201100000",
            "20261201100000 ",
            "2026120110000",
            "202612011000000",
            "２０２６１２０１１０００００",
            "00001201100000",
            "99991231235959",
            "",
        ]
    ),
    huge_digits,
    odd_text,
    st.datetimes().map(lambda d: d.strftime("%Y%m%d%H%M%S")),
)
ids = st.one_of(st.sampled_from(FACILITIES), huge_digits, odd_text, pnr_inside, st.just(""))
booleans = st.one_of(
    st.sampled_from(["true", "false", "1", "0", " true ", "TRUE", "yes", "", "2"]),
    huge_digits,
    odd_text,
)
statuses = st.one_of(
    st.sampled_from(["1", "2", " 01 ", "+1", "-1", "0x1", "1.0", "2147483648", "53631000052103"]),
    st.sampled_from(["tidbokad", "Bokad ", "EJ PÅBÖRJAD", "avbokad", "123456", ""]),
    huge_digits,
    odd_text,
)
any_value = st.one_of(times, ids, booleans, statuses)


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def rarely(one_in: int = 10) -> st.SearchStrategy[bool]:
    """True about once in `one_in` draws (hypothesis favours small integers and first choices)."""
    return st.sampled_from([False] * (one_in - 1) + [True])


# --- elements --------------------------------------------------------------------------------


def _misspelt(local: str) -> st.SearchStrategy[str]:
    return st.sampled_from([local[:-1], local + "s", local.upper(), local.lower(), "x" + local])


@st.composite
def fields(draw: st.DrawFn, ns: str, spec: dict[str, st.SearchStrategy[str]]) -> list[El]:
    """The record's value elements: some missing, some misspelt, odd namespaces, extra ones."""
    found: list[El] = []
    for local, values in spec.items():
        kind = draw(st.sampled_from(["ok"] * 6 + ["missing", "misspelt", "wrong_ns", "twice"]))
        if kind == "missing":
            continue
        name = draw(_misspelt(local)) if kind == "misspelt" else local
        where = draw(st.sampled_from(["", "urn:other", SOAP])) if kind == "wrong_ns" else ns
        for _ in range(2 if kind == "twice" else 1):
            element = El(where, name, draw(values))
            if draw(rarely(8)):
                element.attrs = draw(
                    st.dictionaries(
                        st.sampled_from(["id", "xml:lang", "a"]), odd_text.map(_attr), max_size=2
                    )
                )
            if draw(rarely(30)):  # element content where a value belongs
                element = El(where, name, None, [El(ns, "inner", draw(values))])
            found.append(element)
    for _ in range(draw(st.integers(0, 2))):
        found.append(El(draw(st.sampled_from([ns, "urn:x", ""])), "extra", draw(any_value)))
    return draw(st.permutations(found))


@st.composite
def timeslot(draw: st.DrawFn) -> El:
    spec = {
        "startTimeInclusive": times,
        "endTimeExclusive": times,
        "healthcare_facility": ids,
        "healthcare_facility_name": odd_text,
        "bookingId": ids,
        "subject_of_care": st.just(PNR),
    }
    children = draw(fields(SCHED_C, spec))
    if draw(st.booleans()):
        children.append(El(SCHED_X, "isInvitation", draw(booleans)))
    return El(SCHED_R, "timeslotDetail", None, children)


@st.composite
def care_contact(draw: st.DrawFn, version: int) -> El:
    core = CC_C.format(v=version)
    header = draw(
        fields(
            core,
            {
                "documentId": ids,
                "sourceSystemHSAId": ids,
                "approvedForPatient": booleans,
                "nullified": booleans,
            },
        )
    )
    header.append(El(core, "patientId", None, [El(core, "id", PNR), El(core, "type", "x")]))
    org = El(core, "careContactOrgUnit", None, draw(fields(core, {"orgUnitHSAId": ids})))
    period = El(
        core, "careContactTimePeriod", None, draw(fields(core, {"start": times, "end": times}))
    )
    body = [org, period]
    if draw(st.booleans()):
        if version == 2:
            body.append(El(core, "careContactStatus", draw(statuses)))
        else:
            cv = draw(
                fields(core, {"code": statuses, "displayName": statuses, "originalText": statuses})
            )
            body.append(El(core, "careContactStatus", None, cv))
    return El(
        CC_R.format(v=version),
        "careContact",
        None,
        [
            El(core, "careContactHeader", None, header),
            El(core, "careContactBody", None, draw(st.permutations(body))),
        ],
    )


@st.composite
def processing_status(draw: st.DrawFn) -> El:
    entries = []
    for _ in range(draw(st.integers(0, 3))):
        spec = {
            "logicalAddress": ids,
            "statusCode": st.sampled_from(
                ["DataFromSource", "DataFromCache", "NoDataSynchFailed", "Odd", ""]
            ),
            "isResponseFromCache": booleans,
        }
        children = draw(fields(HDR, spec))
        if draw(st.booleans()):
            error = draw(fields(HDR, {"causingAgent": odd_text, "code": ids, "text": any_value}))
            children.append(El(HDR, "lastUnsuccessfulSynchError", None, error))
        entries.append(El(HDR, "ProcessingStatusList", None, children))
    return El(HDR, "ProcessingStatus", None, entries)


@st.composite
def envelope(draw: st.DrawFn, contract: str) -> El:
    """A whole SOAP envelope for one contract ("GetSubjectOfCareSchedule", "GetCareContacts/3")."""
    if contract == "GetSubjectOfCareSchedule":
        responder, local, records = SCHED_R, "GetSubjectOfCareScheduleResponse", timeslot()
    else:
        version = int(contract[-1])
        responder, local, records = (
            CC_R.format(v=version),
            "GetCareContactsResponse",
            care_contact(version),
        )
    items = draw(st.lists(records, max_size=4))
    if draw(rarely()):  # a record in the core namespace: not the contract's
        items.append(
            El(
                SCHED_C if "Schedule" in contract else "urn:x",
                items[0].local if items else "timeslotDetail",
            )
        )
    response_ns = draw(st.sampled_from([responder] * 8 + ["urn:wrong", ""]))
    response = El(response_ns, draw(st.sampled_from([local] * 8 + [local + "x"])), None, items)
    body = El(SOAP, "Body", None, [response])
    if draw(rarely(15)):
        body.children = [
            El(
                SOAP,
                "Fault",
                None,
                [El("", "faultcode", "soap:Server"), El("", "faultstring", draw(any_value))],
            )
        ]
    header = El(SOAP, "Header", None, [draw(processing_status())] if draw(st.booleans()) else [])
    return El(SOAP, "Envelope", None, draw(st.permutations([header, body])))


# --- writing it out --------------------------------------------------------------------------

_PREFIXES = ("a", "ns0", "S", "soap", "x-1", "urn1", "é")


@st.composite
def escaped(draw: st.DrawFn, value: str) -> str:
    """`value` written in a random XML form that reads back as exactly `value`."""
    form = draw(st.sampled_from(["plain", "decimal", "hex", "cdata", "comments", "mixed"]))
    if value == "":
        return draw(st.sampled_from(["", "<!---->", "<![CDATA[]]>"]))

    def plain(text: str) -> str:
        return (
            text.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\r", "&#13;")
        )

    if form == "plain":
        return plain(value)
    if form == "decimal":
        return "".join(f"&#{ord(c)};" for c in value)
    if form == "hex":
        return "".join(f"&#x{ord(c):x};" for c in value)
    if form == "cdata" and "]]>" not in value and "\r" not in value:
        return f"<![CDATA[{value}]]>"
    cut = draw(st.integers(0, len(value)))
    head, tail = value[:cut], value[cut:]
    if form == "comments":
        return f"{plain(head)}<!-- {draw(st.sampled_from(['x', '-', PNR]))} -->{plain(tail)}"
    return plain(head).replace("'", "&apos;") + "".join(f"&#{ord(c)};" for c in tail)


@st.composite
def written(draw: st.DrawFn, root: El) -> str:
    """The tree as XML text, each element's namespace declared in a randomly chosen way."""

    # One style for the whole document, or a choice per element (slower to draw, rarer).
    overall = draw(st.sampled_from(["inherit", "default", "prefix", "mixed"]))

    def write(el: El, scope: dict[str, str]) -> str:
        declared = ""
        scope = dict(scope)
        if el.ns == "":
            name = el.local
            if scope.get("") not in (None, ""):
                declared, scope[""] = ' xmlns=""', ""
        else:
            style = overall
            if overall == "mixed":
                style = draw(st.sampled_from(["inherit", "default", "prefix"]))
            inherited = [p for p, ns in scope.items() if ns == el.ns]
            if style == "inherit" and inherited:
                prefix = inherited[0]
            elif style == "default":
                prefix = ""
                declared = f' xmlns="{el.ns}"'
            else:
                prefix = (
                    _PREFIXES[len(scope) % len(_PREFIXES)]
                    if overall != "mixed"
                    else draw(st.sampled_from(_PREFIXES))
                )
                declared = f' xmlns:{prefix}="{el.ns}"'
            scope[prefix] = el.ns
            name = f"{prefix}:{el.local}" if prefix else el.local
        attrs = "".join(f' {k}="{v}"' for k, v in el.attrs.items())
        inner = "".join(write(c, scope) for c in el.children)
        if el.text is not None:
            inner = draw(escaped(el.text)) + inner
        return f"<{name}{declared}{attrs}>{inner}</{name}>"

    return write(root, {})


@st.composite
def answers(draw: st.DrawFn, contract: str) -> tuple[int, bytes]:
    """(HTTP status, body) of one answer: mostly well-formed SOAP, sometimes not acceptable."""
    text = draw(written(draw(envelope(contract))))
    declaration = draw(
        st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>\n'])
    )
    body = (declaration + text).encode("utf-8")
    spoil = draw(
        st.sampled_from(
            ["none"] * 12 + ["cut", "entity", "doctype", "latin1", "utf16", "bom", "junk"]
        )
    )
    if spoil == "cut":
        body = body[: draw(st.integers(0, len(body)))]
    elif spoil == "entity":
        body = body.replace(b"</", b"&undefined;</", 1)
    elif spoil == "doctype":
        body = (
            b'<!DOCTYPE x [<!ENTITY e "' + PNR.encode() + b'">]>' + body.replace(b"</", b"&e;</", 1)
        )
    elif spoil == "latin1":
        body = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + text.encode("latin-1", "replace")
    elif spoil == "utf16":
        body = ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")
    elif spoil == "bom":
        body = b"\xef\xbb\xbf" + body
    elif spoil == "junk":
        body = draw(st.binary(max_size=64))
    status = draw(st.sampled_from([200] * 12 + [500, 503, 302, 404, 201]))
    return status, body
