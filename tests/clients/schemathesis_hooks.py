"""Schemathesis hooks for tests/api/contract.rs: the run acts as an admin and may do anything
an admin may, except take away its own ability to go on. Without this, schemathesis reuses
the ids it sees in answers and, within a few hundred cases, deletes or disables the very admin
it is acting as (Keystone lets an admin do that), and every later case is a 401.

IAM_CONTRACT_PROTECTED is a JSON list of ids and names that no case may name in its path
(the admin user, its project, the default domain, the built-in roles, the identity service),
and IAM_CONTRACT_TOKEN the run's own token, which no case may revoke.

Keystone's rules that an OpenAPI document cannot state (a rule across two parameters, a
reference to a row that must exist, a quota the run itself would exhaust) are kept here, each
listed in the README ("The API document"): cases breaking a cross-parameter rule are left
out, a body's `service_id` names the identity service (IAM_CONTRACT_SERVICE), and every
access key the run makes is deleted at once so the two-key quota is never reached.
"""

import json
import os
import urllib.request

import schemathesis

PROTECTED = set(json.loads(os.environ.get("IAM_CONTRACT_PROTECTED", "[]")))
TOKEN = os.environ.get("IAM_CONTRACT_TOKEN", "")
SERVICE = os.environ.get("IAM_CONTRACT_SERVICE", "")
BASE = os.environ.get("IAM_CONTRACT_BASE", "")
SIGNED_OAUTH1 = {"/v3/OS-OAUTH1/request_token", "/v3/OS-OAUTH1/access_token"}


def is_negative(case):
    """True for a case made to break the document (those must stay as generated)."""
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return "negative" in str(mode).lower()


def breaks_a_rule_across_parameters(case):
    """Keystone's 400s that depend on two query parameters together."""
    path = case.operation.path
    query = case.query or {}
    if path == "/v3/role_assignments":
        scopes = [k for k in ("scope.project.id", "scope.domain.id", "scope.system") if k in query]
        if "effective" in query and "group.id" in query:
            return True  # "Combining effective and group filter will always result in an empty list."
        if "include_subtree" in query and "scope.project.id" not in query:
            return True  # "scope.project.id needs to be specified if include_subtree is ..."
        if len(scopes) > 1:
            return True  # "Specify at most one of scope.project.id, scope.domain.id and ..."
    if path == "/v1/user/{user_name}/accesskey/{access_key}" and case.method.upper() == "PUT":
        if ("disable" in query) == ("enable" in query):
            return True  # Baidu's call takes exactly one of ?disable and ?enable.
    return False


@schemathesis.hook
def filter_case(context, case):
    for value in (case.path_parameters or {}).values():
        if str(value) in PROTECTED:
            return False
    headers = case.headers or {}
    if TOKEN and any(str(v) == TOKEN for k, v in headers.items() if k.lower() == "x-subject-token"):
        return False
    if breaks_a_rule_across_parameters(case):
        return False
    # OS-OAUTH1's request and access token calls must carry an RFC 5849 signature, which no
    # generator can make (tests/api/oauth1.rs signs them): only the negative cases are run.
    if case.operation.path in SIGNED_OAUTH1 and not is_negative(case):
        return False
    # An endpoint's service must exist (Keystone's 400 "Could not find service"): name one
    # that does, and that no case may delete.
    body = case.body
    if (
        SERVICE
        and case.operation.path.startswith("/v3/endpoints")
        and isinstance(body, dict)
        and not is_negative(case)
    ):
        endpoint = body.get("endpoint")
        if isinstance(endpoint, dict) and "service_id" in endpoint:
            endpoint["service_id"] = SERVICE
    return True


def _delete(path):
    request = urllib.request.Request(BASE + path, method="DELETE", headers={"X-Auth-Token": TOKEN})
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except Exception:  # the key may already be gone; the run goes on either way
        pass


@schemathesis.hook
def after_call(context, case, response):
    """Deletes each access key the run made, so its owner never reaches the quota."""
    if not BASE or case.method.upper() != "POST" or response.status_code != 201:
        return
    try:
        made = response.json()
    except Exception:
        return
    path = case.operation.path
    if path == "/v3.0/OS-CREDENTIAL/credentials":
        access = (made.get("credential") or {}).get("access")
        if access:
            _delete(f"/v3.0/OS-CREDENTIAL/credentials/{access}")
    elif path == "/v1/user/{user_name}/accesskey":
        user = (case.path_parameters or {}).get("user_name")
        key = made.get("id") or made.get("accessKeyId")
        if user and key:
            _delete(f"/v1/user/{user}/accesskey/{key}")
