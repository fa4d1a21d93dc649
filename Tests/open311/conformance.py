"""Open311 GeoReport v2 conformance, run by scripts/test-live against a live demo server.

Reads go through the independent client `georeport` (PyPI) in JSON and in XML; writes through plain
HTTP as the specification describes them (form-encoded and multipart POST with api_key, class
questions as attribute[CODE] and attribute[CODE][]). Every field list is
checked against the specification's, and bad requests must get its errors.

Usage: conformance.py ROOT API_KEY LAT LONG
"""

import sys

import requests
import xmltodict
from georeport import GeoReport

ROOT, KEY, LAT, LONG = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
    "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
    "lat", "long", "media_url",
}
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def as_list(value):
    """xmltodict gives one element as a dict and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# A report through the specification's POST: form-encoded, the key in the body.
posted = requests.post(
    f"{ROOT}/requests.json",
    data={
        "api_key": KEY, "service_code": "C0101", "lat": LAT, "long": LONG, "description": "井盖缺失 <b>& 路人摔倒</b>",
        "first_name": "三", "last_name": "张", "phone": "13812345678", "email": "", "attribute[cover_use]": "sewage",
    },
)
check(posted.status_code == 200, f"POST requests.json answered {posted.status_code}: {posted.text}")
created = posted.json()
check(isinstance(created, list) and len(created) == 1 and created[0]["service_request_id"], f"POST answer {created}")
request_id = created[0]["service_request_id"]
posted_xml = requests.post(
    f"{ROOT}/requests.xml", data={"api_key": KEY, "service_code": "C0102", "lat": LAT, "long": LONG, "description": "路灯不亮"}
)
check(posted_xml.status_code == 200, f"POST requests.xml answered {posted_xml.status_code}")
xml_id = xmltodict.parse(posted_xml.content)["service_requests"]["request"]["service_request_id"]
# Multipart with a photo (media), the key in the query string so that it is checked before the body is read.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00IEND\xaeB`\x82"
with_media = requests.post(
    f"{ROOT}/requests.json",
    params={"api_key": KEY},
    data={"service_code": "C0101", "lat": LAT, "long": LONG, "description": "附现场照片"},
    files={"media": ("photo.png", PNG, "image/png")},
)
check(with_media.status_code == 200, f"multipart POST answered {with_media.status_code}: {with_media.text}")
check(with_media.json()[0]["service_request_id"], f"multipart POST answer {with_media.text}")
# A multivaluelist answered with attribute[CODE][] repeated, and a number.
with_answers = requests.post(
    f"{ROOT}/requests.json",
    data={
        "api_key": KEY, "service_code": "E0501", "lat": LAT, "long": LONG, "description": "占道经营",
        "attribute[stalls]": "3", "attribute[blocks][]": ["sidewalk", "blind_path"],
    },
)
check(with_answers.status_code == 200, f"POST with attribute[CODE][] answered {with_answers.status_code}: {with_answers.text}")

# Service definitions: the questions with the specification's fields.
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"}
definition = requests.get(f"{ROOT}/services/E0501.json").json()
check([a["code"] for a in definition["attributes"]] == ["stalls", "blocks"], f"E0501 definition {definition}")
for attribute in definition["attributes"]:
    check(set(attribute) == ATTRIBUTE_FIELDS, f"attribute fields {sorted(attribute)}")
blocks = definition["attributes"][1]
check(blocks["datatype"] == "multivaluelist" and blocks["order"] == 2 and blocks["variable"] is True, f"blocks {blocks}")
check({v["key"] for v in blocks["values"]} >= {"sidewalk", "blind_path"}, f"blocks values {blocks['values']}")
definition_xml = xmltodict.parse(requests.get(f"{ROOT}/services/C0101.xml").content)["service_definition"]
first = as_list(definition_xml["attributes"]["attribute"])[0]
check(first["code"] == "cover_use" and first["datatype"] == "singlevaluelist", f"C0101 definition in XML {first}")
check({v["key"] for v in as_list(first["values"]["value"])} >= {"sewage", "gas"}, f"C0101 values in XML {first}")
services_json = requests.get(f"{ROOT}/services.json").json()
check(all(s["metadata"] == (s["service_code"] in ("C0101", "E0501")) for s in services_json), "metadata is true where a service asks questions")

for output in ("json", "xml"):
    client = GeoReport(ROOT, api_key=KEY, output_format=output)
    services = as_list(client.get_service_list())
    check(len(services) >= 20, f"{output}: {len(services)} services")
    for service in services:
        check(set(service) == SERVICE_FIELDS, f"{output}: service fields {sorted(service)}")
    codes = {service["service_code"] for service in services}
    check({"C0101", "C0102"} <= codes, f"{output}: service codes")
    definition = client.get_service_definition("C0101")
    check(definition["service_code"] == "C0101", f"{output}: service definition {definition}")

    found = client.get_service_request(request_id)
    check(set(found) == REQUEST_FIELDS, f"{output}: request fields {sorted(found)}")
    check(found["service_request_id"] == request_id and found["status"] == "open", f"{output}: request {found}")
    check(found["description"] == "井盖缺失 <b>& 路人摔倒</b>", f"{output}: description kept as text: {found['description']}")
    check(float(found["lat"]) == float(LAT) and float(found["long"]) == float(LONG), f"{output}: location {found}")

    both = as_list(client.get_service_requests(service_request_id=f"{request_id},{xml_id}"))
    check({r["service_request_id"] for r in both} == {request_id, xml_id}, f"{output}: two ids {both}")
    recent = as_list(client.get_service_requests(service_code="C0101", status="open"))
    check(any(r["service_request_id"] == request_id for r in recent), f"{output}: open C0101 requests")
    check(all(r["service_code"] == "C0101" and r["status"] == "open" for r in recent), f"{output}: the filters hold")
    for r in recent:
        check(set(r) == REQUEST_FIELDS, f"{output}: request fields {sorted(r)}")
    if output == "json":  # the client cannot read an empty XML list (xmltodict gives None)
        old = client.get_service_requests(start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")
        check(old == [], f"an old window is empty: {old}")

# The specification's errors: a list of {code, description}, in JSON and XML, and nothing written.
def refused(method, path, status, **kwargs):
    response = requests.request(method, f"{ROOT}/{path}", **kwargs)
    check(response.status_code == status, f"{method} {path}: {response.status_code} {response.text}")
    if path.split("?")[0].endswith(".xml"):
        errors = as_list(xmltodict.parse(response.content)["errors"]["error"])
        check(errors and int(errors[0]["code"]) == status and errors[0]["description"], f"{path}: {errors}")
    else:
        errors = response.json()
        check(isinstance(errors, list) and errors[0]["code"] == status and errors[0]["description"], f"{path}: {errors}")


for extension in ("json", "xml"):
    place = {"lat": LAT, "long": LONG, "description": "x"}
    refused("POST", f"requests.{extension}", 404, data={"api_key": KEY, "service_code": "NOPE", **place})
    refused("POST", f"requests.{extension}", 400, data={"api_key": KEY, "service_code": "C0101", "description": "x"})
    refused("POST", f"requests.{extension}", 403, data={"api_key": "mq_wrong", "service_code": "C0101", **place})
    refused("POST", f"requests.{extension}", 403, data={"service_code": "C0101", **place})
    refused("POST", f"requests.{extension}", 400, data={"api_key": KEY, "service_code": "C0101", "attribute[cover_use]": "lava", **place})
    refused("POST", f"requests.{extension}", 400, data={"api_key": KEY, "service_code": "C0101", "attribute[size]": "large", **place})
    refused("POST", f"requests.{extension}", 400, data={"api_key": KEY, "service_code": "E0501", "attribute[stalls]": "many", **place})
    refused("GET", f"requests.{extension}?start_date=yesterday", 400)
    refused("GET", f"requests.{extension}?start_date=2025-01-01T00:00:00Z&end_date=2025-12-01T00:00:00Z", 400)
    refused("GET", f"services/NOPE.{extension}", 404)
    refused("GET", f"requests/999999999.{extension}", 404)

print(f"Open311 conformance: {checks} checks passed")
