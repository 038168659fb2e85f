#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Each target gets a handful of small inputs, valid and invalid, that reach the parser's main
paths; libFuzzer mutates from there. The .xlsx seeds are written by openpyxl (Debian:
python3-openpyxl), a writer SMS did not write, and by hand with zipfile for what openpyxl
never writes (inline strings, namespace prefixes, rich text, a zip bomb). Every archive is
repacked with fixed timestamps, so running this again changes no file.

Reproducers of findings are added to the corpora by hand (named after the finding) and are
left alone here. Run from anywhere:  /usr/bin/python3 fuzz/make_corpus.py
"""

import datetime
import io
import pathlib
import zipfile

import openpyxl

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def write(target, name, data):
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def heartbeat():
    seeds = {
        "modern": '{"server_id":"web-01","hostname":"web-01","ipv4":"10.0.0.5","interval":30,'
        '"agent_version":"1.0.0","sent_at":"2026-11-28T06:00:00Z"}',
        "minimal": '{"server_id":"a"}',
        "legacy": '{"ip":"10.0.0.5","time":1795845600000,"duration":15}',
        "legacy_fraction": '{"ip":"10.0.0.5","time":1795845600000.75,"duration":30.0}',
        "bus": '{"i":"0123456789abcdef-1","s":"web-01","h":"web-01","p":"10.0.0.5","n":30,'
        '"v":"1.0.0","t":1795845600000,"r":1795845600123}',
        "nested_and_escapes": '{"server_id":"db\\u00e9-1","extra":{"x":[1,{"y":null}]},'
        '"hostname":"db \\"one\\"","sent_at":"2026-11-28T06:00:00.5+07:00"}',
        "bad_interval": '{"server_id":"x","interval":0}',
        "bad_time": '{"server_id":"x","sent_at":"2026-13-01T00:00:00Z"}',
        "bad_types": '{"server_id":7,"ip":null,"interval":"30"}',
        "not_object": "[1,2,3]",
        "truncated": '{"server_id":"web-01","hostna',
    }
    for name, text in seeds.items():
        write("fuzz_heartbeat", name, text)


def query():
    seeds = {
        "full": "server_id=web-01&status=on&sort=last_seen&order=desc&offset=100&limit=50",
        "filters": "q=web&server_name=db&ipv4=10.0.0.5&sort=status_changed_at&order=asc",
        "defaults": "status=&sort=&order=&limit=",
        "repeated": "limit=10&limit=1000&offset=0&offset=7",
        "bad_limit": "limit=1001",
        "bad_offset": "offset=-1",
        "bad_sort": "sort=password",
        "bad_status": "status=up",
        "unknown": "foo=bar&server_id=a",
        "no_value": "server_id&q",
        # "Café" with a combining accent: the parser brings names to NFC
        "decomposed_name": "server_name=Cafe\u0301&q=cafe\u0301",
    }
    for name, text in seeds.items():
        write("fuzz_query", name, text)


def multipart():
    ct = "multipart/form-data; boundary=XyZ\n"
    file_part = (
        "--XyZ\r\n"
        'Content-Disposition: form-data; name="file"; filename="servers.xlsx"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
        "\r\n"
        "PK\x03\x04 not really a zip\r\n--XyZ-not-a-delimiter\r\n"
    )
    seeds = {
        "upload": ct + file_part + "--XyZ--\r\n",
        "two_parts": ct + "preamble\r\n" + file_part
        + "--XyZ \t\r\ncontent-disposition: FORM-DATA; Name=note\r\n\r\n"
        + "hello\r\n--XyZ--\r\nepilogue",
        "quoted_boundary": "Multipart/Form-Data; charset=utf-8; boundary=\"a b'()+_,-./:=?\"\n"
        "--a b'()+_,-./:=?\r\nContent-Disposition: form-data; name=\"f\\\"x\"\r\n\r\n"
        "\r\n--a b'()+_,-./:=?--",
        "no_closing": ct + file_part,
        "no_name": ct + "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--\r\n",
        "bad_header": ct + "--XyZ\r\n no-colon\r\n\r\nx\r\n--XyZ--\r\n",
        "not_multipart": "application/json\n{}",
        "bad_boundary": "multipart/form-data; boundary=\"unterminated\n--x--",
    }
    for name, text in seeds.items():
        write("fuzz_multipart", name, text)


def report_request():
    seeds = {
        "valid": '{"start":"2026-11-01","end":"2026-11-27",'
        '"emails":["ops@example.com","a.b+c@mail-1.example.org"]}',
        "one_day": '{"emails":["x@y.z"],"end":"2024-02-29","start":"2024-02-29"}',
        "duplicate_emails": '{"start":"2026-01-01","end":"2026-01-31",'
        '"emails":["a@b.co","a@b.co"]}',
        "start_after_end": '{"start":"2026-11-02","end":"2026-11-01","emails":["a@b.co"]}',
        "bad_date": '{"start":"2026-02-30","end":"2026-03-01","emails":["a@b.co"]}',
        "too_long": '{"start":"2024-01-01","end":"2025-12-31","emails":["a@b.co"]}',
        "future": '{"start":"2026-11-01","end":"2027-01-01","emails":["a@b.co"]}',
        "no_emails": '{"start":"2026-11-01","end":"2026-11-02","emails":[]}',
        "bad_email": '{"start":"2026-11-01","end":"2026-11-02","emails":["a@-b.co"]}',
        "unknown_member": '{"start":"2026-11-01","end":"2026-11-02","emails":["a@b.co"],"x":1}',
        "not_object": '"2026-11-01"',
    }
    for name, text in seeds.items():
        write("fuzz_report_request", name, text)


def mail_job():
    seeds = {
        "report": '{"id":"report-7f3a","to":["ops@example.com","Ops Team <ops2@example.com>"],'
        '"subject":"Uptime report 2026-11-27","text":"Total: 3\\nOn: 2\\r\\n","html":"<p>3</p>",'
        '"attachments":[{"filename":"uptime.xlsx","content_type":"application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet","data":"UEsDBA=="}],"attempts":0}',
        "minimal": '{"id":"a","to":["a@b.co"]}',
        "dlq": '{"id":"job-1","to":["a@b.co"],"subject":"s","text":"t","attempts":5,'
        '"error":"smtp: 550 mailbox unavailable"}',
        "unicode": '{"id":"u:1@x","to":["\\u00c9lodie Dupr\\u00e9 <elodie@example.fr>"],'
        '"subject":"R\\u00e9sum\\u00e9 quotidien \\u2014 disponibilit\\u00e9 des serveurs et '
        'des services de la flotte enti\\u00e8re","text":"\\u00e7a va",'
        '"attachments":[{"filename":"rapport d\'\\u00e9t\\u00e9 \\"final\\".xlsx","data":""}]}',
        "bad_base64": '{"id":"a","to":["a@b.co"],"attachments":[{"filename":"f","data":"QQ="}]}',
        "bad_to": '{"id":"a","to":"a@b.co"}',
        "bad_attempts": '{"id":"a","to":["a@b.co"],"attempts":-1}',
        "invalid_mail": '{"id":".hidden","to":["not an address"],"subject":"a\\r\\nBcc: x@y.z"}',
        "not_object": "null",
    }
    for name, text in seeds.items():
        write("fuzz_mail_job", name, text)


def fixed_zip(entries, deflate=True):
    """`entries` ({name: bytes or str}, in order) as zip bytes with fixed timestamps."""
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = method
            z.writestr(info, data)
    return out.getvalue()


def openpyxl_bytes(wb):
    """What openpyxl writes for `wb`, repacked with fixed timestamps."""
    fixed = datetime.datetime(2026, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    raw = io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as z:
        return fixed_zip({i.filename: z.read(i) for i in z.infolist()})


def openpyxl_seeds():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Servers"
    ws.append(["server_id", "server_name", "ipv4", "hostname"])
    ws.append(["web-01", "Web 1", "10.0.0.1", "web-01.example"])
    ws.append(["db-01", "Database", "10.0.0.2", None])
    ws.append([42, 1.5, True, datetime.datetime(2026, 11, 28, 6, 0)])
    ws["F7"] = "far away"
    write("fuzz_xlsx", "servers.xlsx", openpyxl_bytes(wb))

    wb = openpyxl.Workbook()
    write("fuzz_xlsx", "empty.xlsx", openpyxl_bytes(wb))

    wb = openpyxl.Workbook()
    wb.create_chartsheet("Chart", 0)  # the first sheet is not a worksheet
    wb["Sheet"].append(["server_id", "server_name"])
    wb["Sheet"].append(["a", "b"])
    write("fuzz_xlsx", "chartsheet_first.xlsx", openpyxl_bytes(wb))


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/officeDocument" Target="/x/book.xml"/></Relationships>'
)
WORKBOOK = (
    '<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets>'
    '<x:sheet name="Inventory" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>'
)
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="sheets/../sheets/one.xml"/>'
    '<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="strings.xml"/></Relationships>'
)
SHARED = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<si><t>server_id</t></si><si><r><t>server</t></r><r><rPr/><t>_name</t></r>'
    '<rPh><t>x</t></rPh></si><si><t xml:space="preserve"> line_x000D__x000A_break _x005F_x </t>'
    '</si></sst>'
)
SHEET = (
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v>'
    '</x:c><x:c t="s"><x:v>2</x:v></x:c></x:row><x:row><x:c t="inlineStr"><x:is><x:t>web-01</x:t>'
    '</x:is></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c>'
    '<x:c t="d"><x:v>2026-11-28T06:00:00</x:v></x:c><x:c t="str"><x:f>A1</x:f><x:v>s</x:v></x:c>'
    '<x:c r="XFD2"><x:v>1e20</x:v></x:c></x:row><x:row r="1048576"><x:c r="C1048576">'
    '<x:v>0.1</x:v></x:c><x:c r="D1048576"><x:v> </x:v></x:c></x:row></x:sheetData></x:worksheet>'
)


def handmade_seeds():
    package = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "x/book.xml": WORKBOOK,
        "x/_rels/book.xml.rels": WORKBOOK_RELS,
        "x/strings.xml": SHARED,
        "x/sheets/one.xml": SHEET,
    }
    write("fuzz_xlsx", "handmade.xlsx", fixed_zip(package))
    write("fuzz_xlsx", "handmade_stored.xlsx", fixed_zip(package, deflate=False))
    missing = dict(package, **{"x/strings.xml": "<sst><si><t>only</t></si></sst>"})
    write("fuzz_xlsx", "missing_shared_string.xlsx", fixed_zip(missing))
    write("fuzz_xlsx", "no_workbook.xlsx", fixed_zip({"[Content_Types].xml": CONTENT_TYPES}))
    bomb = dict(package, **{"x/sheets/one.xml": "<worksheet>" + " " * (2 << 20) + "</worksheet>"})
    write("fuzz_xlsx", "bomb.xlsx", fixed_zip(bomb))
    write("fuzz_xlsx", "not_zip.xlsx", "server_id,server_name\nweb-01,Web 1\n")


def main():
    heartbeat()
    query()
    multipart()
    report_request()
    mail_job()
    openpyxl_seeds()
    handmade_seeds()


if __name__ == "__main__":
    main()
