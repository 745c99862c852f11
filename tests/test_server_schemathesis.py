"""Schemathesis against the real server (`ppexpert serve`, worker processes, over loopback): requests generated
from its own OpenAPI document, valid and invalid, never get a 5xx, and every status they get is one the document
declares (issue 15). Bounded: a few examples per operation, so the run takes seconds."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from test_server_support import server_process

EXAMPLES_PER_OPERATION = 12


def test_generated_requests_get_no_server_error_and_only_documented_statuses():
    with server_process() as url:
        schema = schemathesis.openapi.from_url(url.rstrip("/") + "/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 8, "the document lists the API's operations"
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def answers_as_documented(case):
                case.call_and_validate(checks=[not_a_server_error, status_code_conformance])

            answers_as_documented()
