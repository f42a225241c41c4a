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
out, a body's `service_id` names the identity service (IAM_CONTRACT_SERVICE), a protocol's
`mapping_id` names a mapping that exists (IAM_CONTRACT_MAPPING), a mapping's rules are made
free of what JSON Schema cannot constrain (placeholders, regexes), a limit is the Default
domain's and names no region, and every
access key the run makes is deleted at once so the two-key quota is never reached.
"""

import json
import os
import urllib.parse
import urllib.request

import schemathesis

PROTECTED = set(json.loads(os.environ.get("IAM_CONTRACT_PROTECTED", "[]")))
TOKEN = os.environ.get("IAM_CONTRACT_TOKEN", "")
SERVICE = os.environ.get("IAM_CONTRACT_SERVICE", "")
MAPPING = os.environ.get("IAM_CONTRACT_MAPPING", "")
BASE = os.environ.get("IAM_CONTRACT_BASE", "")
SIGNED_OAUTH1 = {"/v3/OS-OAUTH1/request_token"}


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
    if path == "/v3/projects/{project_id}" and case.method.upper() in ("GET", "HEAD"):
        # Keystone's flags: present and not "0" is true.
        on = {k for k, v in query.items() if str(v) != "0"}
        if {"parents_as_list", "parents_as_ids"} <= on or {"subtree_as_list", "subtree_as_ids"} <= on:
            return True  # "Cannot use parents_as_list and parents_as_ids query params at ..."
    if path == "/v1/user/{user_name}/accesskey/{access_key}" and case.method.upper() == "PUT":
        if ("disable" in query) == ("enable" in query):
            return True  # Baidu's call takes exactly one of ?disable and ?enable.
    return False


def breaks_a_rule_across_fields(case):
    """Keystone's rules on a project body that depend on two fields, or on what is stored."""
    body = case.body if isinstance(case.body, dict) else {}
    project = body.get("project") if isinstance(body.get("project"), dict) else None
    if project is None or not case.operation.path.startswith("/v3/projects"):
        return False
    method = case.method.upper()
    if method == "POST" and not is_negative(case):
        # A project acting as a domain is a root: "only root projects are allowed to act as
        # domains." when it names a domain or a parent.
        if project.get("is_domain") is True and (
            project.get("domain_id") is not None or project.get("parent_id") is not None
        ):
            return True
    if method == "PATCH" and is_negative(case):
        # Restating what is stored is taken; a project acting as a domain stores a null
        # domain_id and parent_id and is_domain true, which a generated case can hit.
        if (
            ("domain_id" in project and project["domain_id"] is None)
            or ("parent_id" in project and project["parent_id"] is None)
            or project.get("is_domain") is True
        ):
            return True
    return False


@schemathesis.hook
def filter_case(context, case):
    for value in (case.path_parameters or {}).values():
        if str(value) in PROTECTED:
            return False
    headers = case.headers or {}
    if TOKEN and any(str(v) == TOKEN for k, v in headers.items() if k.lower() == "x-subject-token"):
        return False
    if breaks_a_rule_across_parameters(case) or breaks_a_rule_across_fields(case):
        return False
    # OS-OAUTH1's request token call must carry an RFC 5849 signature, which no generator
    # can make (tests/api/oauth1.rs signs it): only the negative cases are run. (The access
    # token call has none, and is left out of the run in tests/api/contract.rs.)
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
    if not is_negative(case) and isinstance(body, dict):
        path = case.operation.path
        protocol = body.get("protocol")
        # A protocol's mapping must exist (Keystone's 400 "Invalid mapping id").
        if MAPPING and path.endswith("/protocols/{protocol_id}") and isinstance(protocol, dict):
            if "mapping_id" in protocol:
                protocol["mapping_id"] = MAPPING
        mapping = body.get("mapping")
        if path == "/v3/OS-FEDERATION/mappings/{mapping_id}" and isinstance(mapping, dict):
            plain_rules(mapping.get("rules"))
    if SERVICE and isinstance(body, dict) and not is_negative(case):
        name_existing_rows(case.operation.path, body)
    return True


def _without_braces(value):
    """Every string in a local entry is a template: `{N}` must name a direct map of the
    rule, which JSON Schema cannot say; a generated brace is left out."""
    if isinstance(value, str):
        return value.replace("{", "").replace("}", "")
    if isinstance(value, list):
        return [_without_braces(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_braces(v) for k, v in value.items()}
    return value


def plain_rules(rules):
    """A mapping's rules as a positive case must make them: no placeholders, no regexes
    (a generated one rarely compiles), and a domain beside every `groups` written in the
    mapping itself (Keystone's "Both 'groups' and 'domain' keywords must be specified")."""
    if not isinstance(rules, list):
        return
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        local = rule.get("local")
        if isinstance(local, list):
            rule["local"] = local = _without_braces(local)
            for entry in local:
                if isinstance(entry, dict) and "groups" in entry and "domain" not in entry:
                    entry["domain"] = {"id": "default"}
        for remote in rule.get("remote") or []:
            if isinstance(remote, dict) and remote.get("regex") is True:
                remote["regex"] = False


def name_existing_rows(path, body):
    """Unified limits name a service, a region, a project or a domain that must exist
    (Keystone's 400 "Expecting to find service_id in limit"): the identity service, no
    region, and the Default domain."""
    items = []
    if path == "/v3/registered_limits":
        items = body.get("registered_limits") or []
    elif path == "/v3/limits":
        items = body.get("limits") or []
    elif path == "/v3/registered_limits/{registered_limit_id}":
        items = [body.get("registered_limit")]
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if "service_id" in item:
            item["service_id"] = SERVICE
        item.pop("region_id", None)
        if path == "/v3/limits":
            item.pop("project_id", None)
            item["domain_id"] = "default"


def _delete(path):
    request = urllib.request.Request(BASE + path, method="DELETE", headers={"X-Auth-Token": TOKEN})
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except Exception:  # the key may already be gone; the run goes on either way
        pass


@schemathesis.hook
def after_call(context, case, response):
    """Deletes each access key the run made, so its owner never reaches the quota; and each
    project tag, so that no case adds a tag the project has (Keystone's 400, the set may not
    repeat one) or an 81st."""
    if BASE and case.operation.path.startswith("/v3/projects/{project_id}/tags"):
        project = (case.path_parameters or {}).get("project_id")
        if case.method.upper() == "PUT" and response.status_code in (200, 201) and project:
            _delete(f"/v3/projects/{urllib.parse.quote(str(project), safe='')}/tags")
        return
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
