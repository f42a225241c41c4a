"""Schemathesis hooks for tests/api/contract.rs: the run acts as an admin and may do anything
an admin may, except take away its own ability to go on. Without this, schemathesis reuses
the ids it sees in answers and, within a few hundred cases, deletes or disables the very admin
it is acting as (Keystone lets an admin do that), and every later case is a 401.

IAM_CONTRACT_PROTECTED is a JSON list of ids and names that no case may name in its path
(the admin user, its project, the default domain, the built-in roles), and
IAM_CONTRACT_TOKEN the run's own token, which no case may revoke.
"""

import json
import os

import schemathesis

PROTECTED = set(json.loads(os.environ.get("IAM_CONTRACT_PROTECTED", "[]")))
TOKEN = os.environ.get("IAM_CONTRACT_TOKEN", "")


@schemathesis.hook
def filter_case(context, case):
    for value in (case.path_parameters or {}).values():
        if str(value) in PROTECTED:
            return False
    headers = case.headers or {}
    if TOKEN and any(str(v) == TOKEN for k, v in headers.items() if k.lower() == "x-subject-token"):
        return False
    return True
