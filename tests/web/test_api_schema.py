"""schemathesis against /api/openapi.json on the running server: generated requests (a bounded
number per operation, as an analyst with an API token) never get a server error. The org number
is the scenario's supplier in every other case, so the generated bodies reach the lifecycle."""

from __future__ import annotations

import zlib

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from monitor.web.accounts import issue_token
from tests.web.conftest import ORG

EXAMPLES_PER_OPERATION = 30


def test_the_api_gives_no_server_error(scenario, server):
    with scenario.begin() as conn:
        headers = {"Authorization": f"Bearer {issue_token(conn, 'anna', 'test')}"}
    schema = schemathesis.openapi.from_url(f"{server}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            if case.path_parameters and zlib.crc32(repr(case.body).encode()) % 2:
                case.path_parameters["org_number"] = ORG
            case.call_and_validate(base_url=f"{server}/api", headers=headers, checks=[not_a_server_error])

        no_server_error()
