"""Checks Peerlog's signed files and spreadsheet with implementations that share no code
with Peerlog: `cryptography` (Ed25519), `rfc8785` (JSON canonicalisation) and `openpyxl`
(XLSX), all from PyPI. It follows docs/signatures.md step by step, as an auditor would.

Usage: verify_signed_files.py DEMO_DIR

DEMO_DIR is what `cargo xtask demo` leaves in target/demo: a signed report (JSON and the
printable HTML copy) and a signed declaration copy from an enrolled device, the peer's
status (for the chapter key fingerprint on the invitation), and the chapter's report as
XLSX (in Norwegian) and JSON.
"""

import base64
import copy
import datetime
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FAILURES = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def b64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def message(domain, doc):
    """The bytes Peerlog signs: "peerlog/v1/" + domain + NUL + RFC 8785 JSON of doc."""
    return b"peerlog/v1/" + domain.encode() + b"\0" + rfc8785.dumps(doc)


def signature_ok(public_key_b64, domain, doc, signature_b64):
    key = Ed25519PublicKey.from_public_bytes(b64u(public_key_b64))
    try:
        key.verify(b64u(signature_b64), message(domain, doc))
        return True
    except InvalidSignature:
        return False


def chapter_fingerprint(keys):
    digest = hashlib.sha256(
        b"peerlog/v1/chapter\0" + b64u(keys["encryption_key"]) + b64u(keys["signing_key"])
    ).hexdigest()[:32]
    return "-".join(digest[i : i + 4] for i in range(0, 32, 4))


def chain(signed, account_id, device_key):
    """The chapter key fingerprint a file's certificate vouches with, or None."""
    cert = signed.get("certificate")
    if cert is None:
        return None
    enrolled = cert["enrolled"]
    if enrolled["type"] != "peerlog-enrolled-device/1":
        return None
    if not signature_ok(
        enrolled["chapter_keys"]["signing_key"], "enrolled-device", enrolled, cert["signature"]
    ):
        return None
    if enrolled["account_id"] != account_id or enrolled["device_key"] != device_key:
        return None
    return chapter_fingerprint(enrolled["chapter_keys"])


def report_ok(signed):
    r = signed["report"]
    if r.get("format") != "peerlog-report/1":
        return False
    if not signature_ok(r["device_key"], "period-report", r, signed["signature"]):
        return False
    by = Counter(c["category"] for c in r["counted"])
    return (
        r["activity_days"] == len(r["counted"])
        and r["not_counted_total"] == len(r["not_counted"])
        and r["by_category"] == {k: by.get(k, 0) for k in ("outreach", "group", "course")}
    )


def declaration_ok(signed):
    d = signed["doc"]
    return (
        d["type"] == "peerlog-declaration-signature/1"
        and d["accepted"] is True
        and signature_ok(d["device_key"], "declaration-signature", d, signed["signature"])
        and hashlib.sha256(signed["text"].encode()).hexdigest() == d["text_sha256"]
    )


def embedded(html, element_id):
    start_tag = '<script type="application/json" id="%s">' % element_id
    start = html.index(start_tag) + len(start_tag)
    return json.loads(html[start : html.index("</script>", start)])


def signed_files(demo, fingerprint):
    report_json = json.loads((demo / "report-2026-enrolled.json").read_text())
    report_html = embedded(
        (demo / "report-2026-enrolled.html").read_text(), "peerlog-signed-report"
    )
    declaration = embedded(
        (demo / "declaration-enrolled.html").read_text(), "peerlog-signed-declaration"
    )
    for name, signed in [("report (JSON)", report_json), ("report (HTML copy)", report_html)]:
        r = signed["report"]
        check(report_ok(signed), f"{name}: Ed25519 over RFC 8785, totals agree with the dates")
        check(
            chain(signed, r["peer_id"], r["device_key"]) == fingerprint,
            f"{name}: signed by a device the chapter {fingerprint} enrolled",
        )
    d = declaration["doc"]
    check(declaration_ok(declaration), "declaration: signature and text hash")
    check(
        chain(declaration, d["peer_id"], d["device_key"]) == fingerprint,
        "declaration: signed by a device the chapter enrolled",
    )

    # The attacker: a better year, a moved date, another name, a certificate of another
    # chapter. Each must fail.
    tampered = copy.deepcopy(report_json)
    tampered["report"]["activity_days"] += 1
    check(not report_ok(tampered), "refused: a changed number")
    if tampered["report"]["counted"]:
        tampered = copy.deepcopy(report_json)
        tampered["report"]["counted"][0]["date"] = "2026-12-31"
        check(not report_ok(tampered), "refused: a changed date")
    tampered = copy.deepcopy(declaration)
    tampered["doc"]["signer_name"] = "Ola Nordmann"
    check(not declaration_ok(tampered), "refused: a declaration with another name")
    tampered = copy.deepcopy(report_json)
    tampered["certificate"]["enrolled"]["chapter"] = "Oslo"
    r = tampered["report"]
    check(chain(tampered, r["peer_id"], r["device_key"]) is None, "refused: an edited certificate")
    tampered = copy.deepcopy(report_json)
    tampered["certificate"]["enrolled"]["device_key"] = declaration["doc"]["device_key"][::-1]
    check(chain(tampered, r["peer_id"], r["device_key"]) is None, "refused: a certificate of another key")


def spreadsheet(demo):
    report = json.loads((demo / "chapter-2026.json").read_text())
    wb = openpyxl.load_workbook(demo / "chapter-2026.xlsx")
    names = wb.sheetnames
    check(names[:3] == ["Til søknaden", "Per måned", "Likepersoner"], f"sheets in Norwegian: {names}")

    grant = wb["Til søknaden"]
    check(grant.freeze_panes == "A2", "grant sheet: header row frozen")
    check([c.value for c in grant[1]] == ["Tall", "Verdi"], "grant sheet: headers in Norwegian")
    rows = {row[0].value: row[1].value for row in grant.iter_rows(min_row=2)}
    figures = [row[1].value for row in grant.iter_rows(min_row=2)]
    check(rows.get("Organisasjon") == report["organisation"], "grant sheet: organisation")
    check(rows.get("År") == report["year"], "grant sheet: year as a number")
    total = rows.get("Aktivitetsdager i alt")
    check(
        isinstance(total, int) and total == report["activity_days"],
        f"grant sheet: activity-days {total} (a number cell)",
    )
    at = figures.index(total)
    by = report["by_category"]
    check(
        figures[at + 1 : at + 4] == [by["outreach"], by["group"], by["course"]],
        "grant sheet: activity-days per category",
    )
    check(
        rows.get("Aktive likepersoner med signert taushetserklæring")
        == report["active_peers_with_declaration"],
        "grant sheet: active peers with a signed declaration",
    )
    check(grant.column_dimensions["A"].width >= 40, "grant sheet: the labels fit")

    months = wb["Per måned"]
    check(months.freeze_panes == "B2", "month sheet: header row frozen")
    first = months["A2"].value
    check(
        isinstance(first, datetime.datetime) and (first.year, first.month) == (report["year"], 1),
        f"month sheet: months are date cells ({first!r})",
    )
    per_month = [months.cell(row=r, column=5).value for r in range(2, 14)]
    check(sum(per_month) == report["activity_days"], "month sheet: the months add up to the year")

    for peer in report["peers"]:
        name = peer["name"] or peer["account_id"]
        ws = wb[name[:31]]
        check(ws.freeze_panes == "A8", f"{name}: table header frozen")
        check(ws["A7"].value == "Dato", f"{name}: headers in Norwegian")
        dates = [ws.cell(row=r, column=1).value for r in range(8, 8 + len(peer["counted"]))]
        check(
            all(isinstance(d, datetime.datetime) for d in dates)
            and [d.date().isoformat() for d in dates] == [c["date"] for c in peer["counted"]],
            f"{name}: {len(dates)} counted dates as date cells",
        )
        check(ws.column_dimensions["B"].width >= 30, f"{name}: the kinds fit")


def main():
    demo = Path(sys.argv[1])
    status = json.loads((demo / "peer-status.json").read_text())
    fingerprint = status["enrolment"]["chapter_fingerprint"]
    signed_files(demo, fingerprint)
    spreadsheet(demo)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        sys.exit(1)
    print("all checks passed with cryptography, rfc8785 and openpyxl")


if __name__ == "__main__":
    main()
