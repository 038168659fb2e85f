"""docs/openapi.yaml describes exactly the routes smsd serves, with the access each declares;
it is a well-formed OpenAPI 3.1 document; and a running smsd serves it, and Swagger UI, at
/api/v1/openapi.yaml and /docs."""
import http.client
import json
import os
import re
import subprocess
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from conftest import ROOT, SMSD

SPEC_PATH = os.path.join(ROOT, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SWAGGER_REQUIRED = ("swagger-ui.css", "swagger-ui-bundle.js")


@pytest.fixture(scope="module")
def spec():
    with open(SPEC_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f)


def operations(spec):
    """(METHOD, path, operation, path item) for every operation of the spec."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method], item


def smsd_routes():
    """{(METHOD, pattern): access} from `smsd routes`."""
    out = subprocess.run([SMSD, "routes"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    routes = {}
    for line in out.stdout.splitlines():
        if not line.strip():
            continue
        parts = line.split(" ")
        assert len(parts) == 3, f"not 'METHOD PATTERN ACCESS': {line!r}"
        method, pattern, access = parts
        assert (method, pattern) not in routes, f"route listed twice: {line!r}"
        routes[(method, pattern)] = access
    assert routes, "smsd routes printed no route"
    return routes


def expected_security(access):
    if access == "public":
        return []
    if access == "agent":
        return [{"agentToken": []}, {}]  # open while no agent token is configured
    if access == "authenticated":
        return [{"bearerAuth": []}]
    return [{"bearerAuth": [access]}]


# ---- (a) the spec and the router agree ---------------------------------------------------------

def test_the_spec_has_exactly_the_routes_smsd_serves(spec):
    routes = smsd_routes()
    served = set(routes)
    described = {(method, path) for method, path, _, _ in operations(spec)}
    assert not served - described, f"served but not described: {sorted(served - described)}"
    assert not described - served, f"described but not served: {sorted(described - served)}"


def test_each_operation_declares_the_access_of_its_route(spec):
    routes = smsd_routes()
    wrong = []
    for method, path, op, _ in operations(spec):
        access = routes.get((method, path))
        if access is None:
            continue  # reported by the test above
        if op.get("security") != expected_security(access):
            wrong.append(f"{method} {path}: access {access}, security {op.get('security')}")
    assert not wrong, "\n".join(wrong)


def test_every_scope_a_route_needs_is_documented(spec):
    scopes = {a for a in smsd_routes().values() if a not in ("public", "agent", "authenticated")}
    assert scopes, "no route needs a scope"
    enum = set(spec["components"]["schemas"]["Scope"]["enum"])
    description = spec["info"]["description"]
    for scope in scopes:
        assert scope in enum, f"{scope} missing from components.schemas.Scope"
        assert f"| `{scope}` |" in description, f"{scope} missing from the scope table"


def test_guarded_operations_document_401_and_scoped_ones_403(spec):
    missing = []
    for method, path, op, _ in operations(spec):
        security = op.get("security", [])
        codes = set(op["responses"])
        if any("bearerAuth" in req for req in security) and "401" not in codes:
            missing.append(f"{method} {path}: 401")
        if any(req.get("bearerAuth") for req in security) and "403" not in codes:
            missing.append(f"{method} {path}: 403")
    assert not missing, "\n".join(missing)


# ---- (b) a well-formed OpenAPI 3.1 document ----------------------------------------------------

def resolve(spec, ref):
    assert ref.startswith("#/"), f"only local references are used: {ref}"
    node = spec
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and token in node, f"unresolved $ref {ref}"
        node = node[token]
    return node


def deref(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(spec, node["$ref"])
    return node


def walk(node, where="#"):
    yield where, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{where}/{i}")


def test_the_document_is_openapi_3_1_and_plain_json_data(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] and spec["info"]["version"]
    # YAML 1.1 turns unquoted on/off/yes into booleans and dates into date objects: JSON has
    # neither, so a clean round trip shows every value is what it looks like.
    assert json.loads(json.dumps(spec)) == spec
    for where, node in walk(spec):
        if isinstance(node, dict):
            assert all(isinstance(k, str) for k in node), f"a non-string key at {where}"
        if where.endswith("/enum"):
            assert not any(isinstance(v, bool) for v in node), f"a boolean in {where}"


def test_every_ref_resolves(spec):
    refs = [node["$ref"] for _, node in walk(spec) if isinstance(node, dict) and "$ref" in node]
    assert len(refs) > 50
    for ref in refs:
        resolve(spec, ref)


def test_path_parameters_match_the_templates(spec):
    problems = []
    for method, path, op, item in operations(spec):
        template = set(re.findall(r"{([^}]+)}", path))
        params = [deref(spec, p) for p in item.get("parameters", []) + op.get("parameters", [])]
        declared = {p["name"] for p in params if p["in"] == "path"}
        for p in params:
            assert p["in"] in ("path", "query", "header", "cookie"), p
            assert "schema" in p or "content" in p, f"{method} {path}: {p['name']} has no schema"
            if p["in"] == "path" and p.get("required") is not True:
                problems.append(f"{method} {path}: path parameter {p['name']} not required")
        keys = [(p["in"], p["name"]) for p in map(lambda p: deref(spec, p), op.get("parameters", []))]
        assert len(keys) == len(set(keys)), f"{method} {path}: a parameter twice"
        if template != declared:
            problems.append(f"{method} {path}: template {template}, declared {declared}")
    assert not problems, "\n".join(problems)


def test_every_operation_is_complete(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["agentToken"] == {**schemes["agentToken"], "type": "http", "scheme": "bearer"}
    tags = {t["name"] for t in spec["tags"]}
    ids = []
    for method, path, op, _ in operations(spec):
        ids.append(op["operationId"])
        assert op.get("summary"), f"{method} {path}: no summary"
        assert "security" in op, f"{method} {path}: no security"
        for requirement in op["security"]:
            for name in requirement:
                assert name in schemes, f"{method} {path}: unknown scheme {name}"
        assert set(op.get("tags", [])) <= tags, f"{method} {path}: undeclared tag"
        assert op["responses"], f"{method} {path}: no responses"
        for code, response in op["responses"].items():
            assert re.fullmatch(r"[1-5][0-9][0-9]|default", code), f"{method} {path}: {code!r}"
            assert deref(spec, response).get("description"), f"{method} {path} {code}"
        if "requestBody" in op:
            assert op["requestBody"]["content"], f"{method} {path}: empty requestBody"
    assert len(ids) == len(set(ids)), "operationIds repeat"


def test_required_properties_exist(spec):
    for where, node in walk(spec["components"]["schemas"], "#/components/schemas"):
        if isinstance(node, dict) and isinstance(node.get("required"), list) \
                and "properties" in node:
            for name in node["required"]:
                assert name in node["properties"], f"{where}: required {name} is not a property"


# ---- (c) a running smsd serves the spec and Swagger UI -----------------------------------------

def fetch(port, target, headers=None):
    """GET without credentials: (status, headers with lower-case names, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", target, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def swagger_dir():
    out = subprocess.run([os.path.join(ROOT, "scripts", "fetch-swagger-ui"), "--print-dir"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def swagger_fetched():
    d = swagger_dir()
    return all(os.path.isfile(os.path.join(d, f)) for f in SWAGGER_REQUIRED)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])


CONTENT_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png"}


def test_smsd_serves_the_spec_byte_for_byte(smsd):
    status, headers, body = fetch(smsd.port, "/api/v1/openapi.yaml")
    assert status == 200, body
    assert headers["content-type"] == "application/yaml"
    with open(SPEC_PATH, "rb") as f:
        assert body == f.read()
    etag = headers["etag"]
    status, _, body = fetch(smsd.port, "/api/v1/openapi.yaml", {"If-None-Match": etag})
    assert status == 304 and body == b""


def test_smsd_serves_swagger_ui_and_every_file_its_page_loads(smsd):
    status, headers, body = fetch(smsd.port, "/docs")
    if not swagger_fetched():
        # A build without the files still serves the spec, and says how to get them.
        assert status == 503, body
        assert json.loads(body)["error"]["code"] == "docs_unavailable"
        pytest.skip("swagger-ui-dist is not fetched (scripts/fetch-swagger-ui): /docs is 503")
    assert status == 200, body
    assert headers["content-type"].startswith("text/html")
    page = Links()
    page.feed(body.decode())
    page_url = smsd.url + "/docs"
    files = {}
    for url in page.urls:
        absolute = urljoin(page_url, url)
        path = urlsplit(absolute).path
        assert path.startswith("/docs/"), f"the page loads {absolute} from outside /docs/"
        target = path + ("?" + urlsplit(absolute).query if urlsplit(absolute).query else "")
        status, h, data = fetch(smsd.port, target)
        assert status == 200, f"{target}: {status} {data[:200]!r}"
        ext = os.path.splitext(path)[1]
        assert h["content-type"].split(";")[0] == CONTENT_TYPES[ext], target
        assert "max-age" in h["cache-control"] or h["cache-control"] == "no-cache", target
        files[os.path.basename(path)] = data
    assert set(SWAGGER_REQUIRED) <= set(files), f"the page does not load {SWAGGER_REQUIRED}"
    # The files are those of the pinned swagger-ui-dist, unchanged.
    for name in SWAGGER_REQUIRED:
        with open(os.path.join(swagger_dir(), name), "rb") as f:
            assert files[name] == f.read(), name
    # The page's script points Swagger UI at the spec smsd serves.
    assert b"api/v1/openapi.yaml" in files["docs.js"]


def test_an_unknown_docs_file_is_a_json_404(smsd):
    status, headers, body = fetch(smsd.port, "/docs/x")
    assert status == 404
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "not_found"


# ---- (d) what the spec says, the code enforces --------------------------------------------------

def test_the_export_and_import_paths_are_not_server_ids(spec, smsd):
    for server_id in ("export", "import"):
        status, body, _ = smsd.request("POST", "/api/v1/servers",
                                       {"server_id": server_id, "server_name": server_id})
        assert status == 400, body
        assert body["error"]["field"] == "server_id"
        assert f"'{server_id}' is reserved" in body["error"]["message"]
    assert spec["components"]["schemas"]["ServerIdValue"]["not"] == {"enum": ["export", "import"]}
    # The other methods of /servers/{server_id} do not reach these two paths.
    for method, path, allow in (("PATCH", "/api/v1/servers/export", "GET"),
                                ("DELETE", "/api/v1/servers/import", "POST"),
                                ("OPTIONS", "/api/v1/servers/export", "GET")):
        status, body, headers = smsd.request(method, path, {"server_name": "x"})
        assert status == 405, (method, path, body)
        assert dict(headers)["Allow"] == allow, (method, path, headers)
        assert body["error"]["code"] == "method_not_allowed"


def test_a_report_before_1970_names_the_real_limit(smsd):
    status, body, _ = smsd.request("POST", "/api/v1/reports",
                                   {"start": "1969-12-31", "end": "1970-01-02",
                                    "emails": ["ops@example.com"]})
    assert status == 400, body
    assert body["error"] == {"code": "invalid_argument", "field": "start",
                             "message": "start must be 1970-01-01 or later"}


def test_schemas_carry_the_rules_the_code_enforces(spec):
    schemas = spec["components"]["schemas"]
    day = re.compile(schemas["ReportDay"]["pattern"])
    assert day.search("1970-01-01") and day.search("2026-11-27")
    assert not day.search("1969-12-31") and not day.search("2026-13-01")
    name = re.compile(schemas["Name"]["pattern"])
    assert name.search("Café web 01") and name.search(" a ")
    for bad in ("a\x00b", "tab\there", "x\x7fy", "c1\x85", "   "):
        assert not name.search(bad), repr(bad)
    token_scopes = set(schemas["TokenScope"]["enum"])
    assert token_scopes == set(schemas["Scope"]["enum"]) - {"tokens:manage", "users:admin"}
    patch = schemas["ServerPatch"]
    assert {"server_id"} not in [set(alt["required"]) for alt in patch["anyOf"]]
