"""Schemathesis against the app's own /api/openapi.json, in-process (WSGI), with a real token.

Every documented operation gets a small number of generated requests (valid and invalid); no
answer may be a server error or break the documented status codes, content types, headers or schemas.
"""
import base64

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def test_schemathesis_finds_no_server_error_or_schema_violation(app, client, db, make_order):
    from app.api.services import create_client

    for status in ("new", "shipped", "delivered"):
        make_order(status=status)
    api_client, secret = create_client("Fuzzer", "read:shipments write:shipments")
    db.session.commit()
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": f"Basic {basic}"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=8, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            run()
