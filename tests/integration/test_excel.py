"""Excel import and export over HTTP, on both shapes (SQLite and PostgreSQL), cross-checked with
openpyxl: a writer SMS did not write makes the import fixtures, a reader SMS did not write reads
every export back."""
import datetime
import io
import json
import sys
import zipfile

import pytest

from conftest import wait_for

try:
    import openpyxl
except ImportError:  # a python3 other than Debian's (e.g. pyenv): use Debian's python3-openpyxl
    sys.path.append("/usr/lib/python3/dist-packages")
    openpyxl = pytest.importorskip("openpyxl")

BOUNDARY = "sms-test-boundary"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ["server_id", "server_name", "ipv4", "hostname", "status", "interval",
           "created_time", "last_updated", "last_seen", "status_changed_at", "tags"]


def workbook(rows, title="Sheet"):
    """An .xlsx written by openpyxl: `rows` from row 1, None for an empty cell, [] for a gap."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(system, data, field="file", content_type=None):
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"fleet.xlsx\"\r\nContent-Type: {XLSX}\r\n\r\n").encode()
    body += data + f"\r\n--{BOUNDARY}--\r\n".encode()
    ct = content_type or f"multipart/form-data; boundary={BOUNDARY}"
    return system.request("POST", "/api/v1/servers/import", raw=body,
                          headers={"Content-Type": ct})


def export_bytes(system, query=""):
    """(status, headers, body bytes) of GET /api/v1/servers/export."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", system.port, timeout=60)
    conn.request("GET", "/api/v1/servers/export" + query, headers=system.auth_header())
    resp = conn.getresponse()
    data = resp.read()
    headers = dict(resp.getheaders())
    conn.close()
    return resp.status, headers, data


def export(system, query=""):
    """(status, headers, workbook or error body) of GET /api/v1/servers/export."""
    status, headers, data = export_bytes(system, query)
    if status != 200:
        return status, headers, json.loads(data)
    return status, headers, openpyxl.load_workbook(io.BytesIO(data))


def total(system):
    return system.get("/api/v1/stats")[1]["total"]


def test_import_takes_good_rows_and_explains_the_others(system):
    s, _, _ = system.request("POST", "/api/v1/servers",
                             {"server_id": "taken", "server_name": "Taken", "ipv4": "10.9.9.9"})
    assert s == 201
    data = workbook([
        ["IPv4", " Server_Name ", "notes", "SERVER_ID", "Hostname", "status"],  # order, case
        ["10.0.0.1", "Web 01", "rack 4", "web-01", "web-01.local", "on"],         # 2 imported
        ["10.0.0.2", "  DB 01  ", None, 12345, None, None],   # 3 numeric id, trimmed: imported
        [],                                                   # 4 a gap
        ["10.0.0.3", "Web 01", None, "web-02"],               # 5 name repeats row 2
        ["10.0.0.4", "Other", None, "web-01"],                # 6 id repeats row 2
        ["10.0.0.256", "Bad IP", None, "bad-ip"],             # 7 invalid ipv4
        [None, "No IP", None, "no-ip"],                       # 8 ipv4 missing
        ["10.0.0.6", "Taken id", None, "taken"],              # 9 stored already
        ["10.0.0.7", "Taken", None, "fresh"],                 # 10 name stored already
        ["10.0.0.8", "Status", None, "status", None, "maybe"],  # 11 bad status
        ["10.0.0.9", "Float id", None, 7.5],                  # 12 a number as server_id: "7.5"
    ])
    s, body, _ = upload(system, data)
    assert s == 200, body
    assert body["imported"]["count"] == 3 and body["imported"]["truncated"] is False
    assert body["failed"]["truncated"] is False
    assert [i["server_id"] for i in body["imported"]["items"]] == ["web-01", "12345", "7.5"]
    assert body["imported"]["items"][0]["status"] == "off"  # status comes from heartbeats
    failed = {f["row"]: f for f in body["failed"]["items"]}
    assert body["failed"]["count"] == len(failed) == 7
    assert [f["row"] for f in body["failed"]["items"]] == [5, 6, 7, 8, 9, 10, 11]
    assert failed[5] == {"row": 5, "server_id": "web-02", "server_name": "Web 01",
                         "reason": "server_name repeats row 2"}
    assert failed[6]["reason"] == "server_id repeats row 2"
    assert "ipv4" in failed[7]["reason"] and failed[7]["server_id"] == "bad-ip"
    assert failed[8]["reason"] == "ipv4 is required"
    assert failed[9]["reason"] == 'server_id "taken" already exists'
    assert failed[10]["reason"] == 'server_name "Taken" already exists'
    assert failed[11]["reason"] == "status must be on or off"
    db = system.server("12345")
    assert db["server_name"] == "DB 01" and db["ipv4"] == "10.0.0.2" and db["hostname"] is None
    assert system.server("web-01")["hostname"] == "web-01.local"
    assert total(system) == 4
    # The imported servers are real ones: a heartbeat turns one on.
    s, _, _ = system.request("POST", "/healthcheck", {"server_id": "web-01"})
    assert s == 202
    wait_for(lambda: system.server("web-01")["status"] == "on", 20, what="web-01 on")


def test_a_large_import_answers_complete_counts_and_ten_thousand_items(system):
    """A 1 M-row import once answered a 100 MB body: each list stops at 10 000 items."""
    before = total(system)
    rows = [["server_id", "server_name", "ipv4"]]
    rows += [[f"big-{i}", f"Big {i}", "10.6.0.1"] for i in range(10_050)]
    rows += [[f"bad-{i}", f"Bad {i}", "10.6.0.300"] for i in range(4)]
    s, body, _ = upload(system, workbook(rows))
    assert s == 200, str(body)[:500]
    imported, failed = body["imported"], body["failed"]
    assert imported["count"] == 10_050 and imported["truncated"] is True
    assert len(imported["items"]) == 10_000
    assert [i["server_id"] for i in imported["items"][:2]] == ["big-0", "big-1"]
    assert imported["items"][-1]["server_id"] == "big-9999"
    assert failed["count"] == len(failed["items"]) == 4 and failed["truncated"] is False
    assert failed["items"][0]["row"] == 10_052
    assert total(system) == before + 10_050


def test_export_is_read_back_by_openpyxl_with_real_dates(system):
    for i in range(12):
        s, _, _ = system.request("POST", "/api/v1/servers",
                                 {"server_id": f"node-{i:02d}", "server_name": f"Node {i}",
                                  "ipv4": f"10.1.0.{i}", "hostname": f"node{i}.example",
                                  "tags": ["even", "node"] if i % 2 == 0 else ["node"]})
        assert s == 201
    system.request("POST", "/api/v1/servers", {"server_id": "other", "server_name": "Other"})
    s, _, _ = system.request("POST", "/healthcheck", {"server_id": "node-03"})
    assert s == 202
    wait_for(lambda: system.server("node-03")["status"] == "on", 20, what="node-03 on")

    utc_date = lambda: datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    dates = {utc_date()}
    s, headers, wb = export(system, "?q=node&sort=ipv4&order=desc")
    dates.add(utc_date())  # the export may straddle midnight
    assert s == 200
    assert headers["Content-Type"] == XLSX
    assert headers["Content-Disposition"] in {f'attachment; filename="servers-{d}.xlsx"'
                                              for d in dates}
    ws = wb.active
    assert ws.title == "servers"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == [f"node-{i:02d}" for i in range(11, -1, -1)]
    by_id = {r[0]: dict(zip(COLUMNS, r)) for r in rows[1:]}
    on = by_id["node-03"]
    assert on["status"] == "on" and on["interval"] == 30
    api = system.server("node-03")
    for column in ("created_time", "last_updated", "last_seen", "status_changed_at"):
        assert isinstance(on[column], datetime.datetime), column
        expected = datetime.datetime.fromisoformat(api[column].replace("Z", "+00:00"))
        assert abs(on[column] - expected.replace(tzinfo=None)) < datetime.timedelta(seconds=0.01)
    assert by_id["node-05"]["last_seen"] is None  # never seen: an empty cell
    assert by_id["node-05"]["hostname"] == "node5.example"
    assert ws["G2"].number_format == "yyyy-mm-dd hh:mm:ss" and ws["A1"].font.b
    assert by_id["node-04"]["tags"] == "even,node" and by_id["node-05"]["tags"] == "node"
    # The tag filters, repeated, narrow the export as they narrow the list.
    s, _, wb = export(system, "?tag=node&tag=even&sort=server_id")
    assert s == 200
    assert [r[0] for r in list(wb.active.iter_rows(values_only=True))[1:]] == \
        [f"node-{i:02d}" for i in range(0, 12, 2)]

    s, _, wb = export(system, "?status=on")
    assert s == 200 and [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)] == \
        ["node-03"]
    s, _, wb = export(system, "?server_id=nobody")
    assert s == 200 and wb.active.max_row == 1  # the header alone


def test_an_export_imports_again_as_it_is(system):
    for i in range(30):
        system.request("POST", "/api/v1/servers", {"server_id": f"r-{i}", "server_name": f"R {i}",
                                                   "ipv4": f"10.2.0.{i}"})
    s, _, data = export_bytes(system)
    assert s == 200
    for i in range(30):
        assert system.request("DELETE", f"/api/v1/servers/r-{i}")[0] == 204
    s, body, _ = upload(system, data)
    assert s == 200, body
    assert body["imported"]["count"] == 30 and body["failed"]["count"] == 0
    assert system.server("r-7")["ipv4"] == "10.2.0.7"


FORMULA_NAMES = ['=HYPERLINK("http://evil.example/?x","click me")', "=cmd|' /C calc'!A0",
                 "+1+2", "-3", "@SUM(A1:A2)", "'=quoted already", "''-two quotes", "'plain'",
                 "a=b"]


def test_names_that_look_like_formulas_export_as_text_and_import_as_they_were(system):
    for i, name in enumerate(FORMULA_NAMES):
        s, body, _ = system.request("POST", "/api/v1/servers", {
            "server_id": f"f-{i}", "server_name": name, "ipv4": f"10.3.0.{i}"})
        assert s == 201, body
    s, _, data = export_bytes(system, "?q=f-")
    assert s == 200
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    for i, name in enumerate(FORMULA_NAMES):
        cell = cells[f"f-{i}"]
        # OWASP: one ' before text that starts (after any ') with = + - @ TAB or CR.
        quoted = name.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r")
        assert cell.value == ("'" + name if quoted else name), (name, cell.value)
        assert cell.data_type == "s"  # text, never a formula
    assert cells["f-0"].value.startswith("'=HYPERLINK(")

    for i in range(len(FORMULA_NAMES)):
        assert system.request("DELETE", f"/api/v1/servers/f-{i}")[0] == 204
    s, body, _ = upload(system, data)
    assert s == 200, body
    assert body["imported"]["count"] == len(FORMULA_NAMES) and body["failed"]["count"] == 0
    for i, name in enumerate(FORMULA_NAMES):
        assert system.server(f"f-{i}")["server_name"] == name


def zip_bytes(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def zip_bomb():
    """A well-formed workbook whose sheet inflates from ~200 KiB to 200 MiB."""
    good = zipfile.ZipFile(io.BytesIO(workbook([["server_id", "server_name", "ipv4"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in good.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                z.writestr(item, good.read(item))
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                        b'main"><sheetData>')
            for _ in range(200):
                sheet.write(b" " * (1 << 20))
    return out.getvalue()


@pytest.mark.parametrize("case", ["not a zip", "no workbook", "missing column", "empty sheet",
                                  "zip bomb", "over 10 MiB", "no file field", "not multipart"])
def test_a_bad_upload_is_refused_clearly_and_imports_nothing(system, case):
    before = total(system)
    good_row = ["a", "A", "10.0.0.1"]
    if case == "not a zip":
        s, body, _ = upload(system, b"server_id,server_name,ipv4\na,A,10.0.0.1\n")
        expected, words = (400, "invalid_argument"), "not a zip archive"
    elif case == "no workbook":
        s, body, _ = upload(system, zip_bytes({"hello.txt": "not a workbook"}))
        expected, words = (400, "invalid_argument"), "no workbook"
    elif case == "missing column":
        s, body, _ = upload(system, workbook([["server_id", "server_name"], good_row[:2]]))
        expected, words = (400, "invalid_argument"), "ipv4"
    elif case == "empty sheet":
        s, body, _ = upload(system, workbook([]))
        expected, words = (400, "invalid_argument"), "empty"
    elif case == "zip bomb":
        s, body, _ = upload(system, zip_bomb())
        expected, words = (413, "payload_too_large"), "expands"
    elif case == "over 10 MiB":
        padding = [["server_id", "server_name", "ipv4", "notes"]]
        s, body, _ = upload(system, workbook(padding) + b"\0" * (10 << 20))
        expected, words = (413, "payload_too_large"), "10 MiB"
    elif case == "no file field":
        s, body, _ = upload(system, workbook([["server_id", "server_name", "ipv4"], good_row]),
                            field="upload")
        expected, words = (400, "invalid_argument"), "file"
    else:
        s, body, _ = upload(system, b"{}", content_type="application/json")
        expected, words = (415, "unsupported_media_type"), "multipart/form-data"
    assert (s, body["error"]["code"]) == expected, body
    assert words in body["error"]["message"], body
    assert body["error"]["field"] in ("file", "content-type")
    assert total(system) == before


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def shared_strings_workbook(strings, rows):
    """An .xlsx written by hand: its shared-string table holds `strings`; `rows` are lists of
    cells, each a str (an inline string), an int (that shared string) or None (empty)."""
    sheet = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(ord('A') + c)}{r}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}" t="s"><v>{value}</v></c>')
            elif value is not None:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        sheet.append(f'<row r="{r}">{"".join(cells)}</row>')
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return zip_bytes({
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                       f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet '
                           f'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{sst}</sst>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(sheet)}'
                                    f'</sheetData></worksheet>',
    })


def incompressible(n):
    """`n` letters and digits deflate cannot shrink much: a large string that is no zip bomb."""
    import random
    import string
    rnd = random.Random(7)
    return "".join(rnd.choices(string.ascii_letters + string.digits, k=n))


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/<pid>/status")


def test_a_shared_string_many_cells_refer_to_is_held_once(smsd):
    """One 1 MiB shared string in 1,500 cells of a column the import ignores: smsd once grew by
    1.4 GiB copying it into every cell."""
    big = incompressible(1 << 20)
    rows = [["server_id", "server_name", "ipv4", "notes"]]
    rows += [[f"n-{i}", f"N {i}", f"10.4.{i // 250}.{i % 250}", 0] for i in range(1500)]
    data = shared_strings_workbook([big], rows)
    assert len(data) < 900 << 10
    before = peak_rss_mib(smsd.proc.pid)
    s, body, _ = upload(smsd, data)
    assert s == 200, body
    assert body["imported"]["count"] == 1500 and body["failed"]["count"] == 0
    grown = peak_rss_mib(smsd.proc.pid) - before
    assert grown < 256, f"smsd's peak RSS grew by {grown:.0f} MiB"


def test_text_past_the_import_limit_is_refused_and_imports_nothing(system):
    """The columns an import reads hold at most 64 MiB of text, counted per cell however the
    cells share their strings."""
    before = total(system)
    rows = [["server_id", "server_name", "ipv4"]]
    rows += [[f"ok-{i}", f"OK {i}", f"10.5.0.{i}"] for i in range(3)]
    rows += [[f"big-{i}", 0, f"10.5.1.{i}"] for i in range(65)]
    s, body, _ = upload(system, shared_strings_workbook([incompressible(1 << 20)], rows))
    assert s == 413, body
    assert body["error"]["code"] == "payload_too_large" and body["error"]["field"] == "file"
    assert "64 MiB" in body["error"]["message"], body
    assert total(system) == before


def test_a_body_past_the_import_limit_is_refused_before_it_is_read(system):
    body = b"x" * (11 << 20)
    s, answer, headers = system.request(
        "POST", "/api/v1/servers/import", raw=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert s == 413 and answer["error"]["code"] == "payload_too_large"


def test_export_refuses_paging_and_unknown_parameters(system):
    s, _, body = export(system, "?limit=10")
    assert s == 400 and body["error"]["field"] == "limit"
    s, _, body = export(system, "?sort=password")
    assert s == 400 and body["error"]["field"] == "sort"
    s, _, body = export(system, "?color=red")
    assert s == 400 and body["error"]["field"] == "color"
