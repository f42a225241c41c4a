#!/usr/bin/env python3
"""Drives openstacksdk's `conn.identity` against a running iam-groups.

    IAM_TEST_URL=http://127.0.0.1:5000 IAM_TEST_PASSWORD=admin-secret \
        .venv/bin/python tests/clients/sdk_test.py

Environment: as for osc_test.py (IAM_TEST_URL, IAM_TEST_PASSWORD required; IAM_TEST_USER,
IAM_TEST_USER_DOMAIN, IAM_TEST_PROJECT, IAM_TEST_PROJECT_DOMAIN, IAM_TEST_REGION optional).

Groups, users, memberships and role grants to groups on projects, each result asserted.
The first failure stops the run with the step's name and the last HTTP exchanges the SDK
logged.
"""

import io
import os
import sys
import time
import traceback
import uuid

import openstack
from openstack import exceptions


class Steps:
    """Names each step, so that a failure says which one it was."""

    def __init__(self, log):
        self.log = log
        self.name = "connect"
        self.count = 0

    def __call__(self, name):
        self.name = name
        self.count += 1
        self.mark = self.log.tell()
        print(f"- {name}", flush=True)


def check(condition, why):
    if not condition:
        raise AssertionError(why)


def http_tail(text, lines=40):
    keep = [
        line
        for line in text.splitlines()
        if line.startswith(("REQ:", "RESP:", "RESP BODY:")) or "Error" in line
    ]
    return "\n".join(keep[-lines:])


def connect(s, **scope):
    auth = {
        "auth_url": s["url"] + "/v3",
        "username": s["user"],
        "password": s["password"],
        "user_domain_name": s["user_domain"],
        "project_name": s["project"],
        "project_domain_name": s["project_domain"],
    }
    auth.update(scope)
    return openstack.connect(
        auth=auth,
        auth_type="password",
        identity_api_version="3",
        region_name=s["region"],
        interface="public",
    )


def settings():
    env = os.environ
    missing = [k for k in ("IAM_TEST_URL", "IAM_TEST_PASSWORD") if not env.get(k)]
    if missing:
        sys.exit(f"sdk_test: set {', '.join(missing)}")
    return {
        "url": env["IAM_TEST_URL"].rstrip("/"),
        "user": env.get("IAM_TEST_USER", "admin"),
        "password": env["IAM_TEST_PASSWORD"],
        "user_domain": env.get("IAM_TEST_USER_DOMAIN", "Default"),
        "project": env.get("IAM_TEST_PROJECT", "admin"),
        "project_domain": env.get("IAM_TEST_PROJECT_DOMAIN", "Default"),
        "region": env.get("IAM_TEST_REGION", "RegionOne"),
    }


def scenario(step, s):
    tag = uuid.uuid4().hex[:8]
    step("connect and authorize as the admin")
    conn = connect(s)
    token = conn.authorize()
    check(token, "conn.authorize() returns a token")
    idc = conn.identity

    step("create_project")
    project = idc.create_project(name=f"sdk-proj-{tag}", domain_id="default")
    check(project.id and project.name == f"sdk-proj-{tag}", f"project: {project}")

    # users
    step("create_user")
    pw = "Sdk-Secret-1234"
    user = idc.create_user(
        name=f"sdk-user-{tag}", password=pw, domain_id="default", description="u1"
    )
    check(len(user.id) == 32, f"user id is 32 hex: {user.id}")
    check(user.name == f"sdk-user-{tag}" and user.domain_id == "default", f"{user}")
    step("get_user")
    got = idc.get_user(user.id)
    check(got.name == user.name and got.description == "u1", f"get_user: {got}")
    step("find_user by name")
    found = idc.find_user(user.name, domain_id="default", ignore_missing=False)
    check(found.id == user.id, f"find_user: {found}")
    step("update_user")
    updated = idc.update_user(user, description="u2", email=f"{tag}@example.org")
    check(updated.description == "u2", f"update_user returns it: {updated}")
    check(idc.get_user(user.id).email == f"{tag}@example.org", "update_user persisted")
    step("users(name=...)")
    listed = list(idc.users(name=user.name))
    check([u.id for u in listed] == [user.id], f"users(name=): {listed}")
    step("users()")
    check(user.id in {u.id for u in idc.users()}, "users() lists the new user")

    # groups
    step("create_group")
    group = idc.create_group(
        name=f"sdk-grp-{tag}", description="first", domain_id="default"
    )
    check(len(group.id) == 32, f"group id is 32 hex: {group.id}")
    check(group.name == f"sdk-grp-{tag}" and group.domain_id == "default", f"{group}")
    check(group.description == "first", f"description: {group}")
    step("create_group with a taken name is a conflict")
    try:
        idc.create_group(name=group.name, domain_id="default")
        check(False, "a second group with the same name was created")
    except exceptions.ConflictException:
        pass
    step("get_group")
    got = idc.get_group(group.id)
    check(
        (got.id, got.name, got.description, got.domain_id)
        == (group.id, group.name, "first", "default"),
        f"get_group: {got}",
    )
    step("find_group by name")
    found = idc.find_group(group.name, ignore_missing=False)
    check(found.id == group.id, f"find_group by name: {found}")
    found = idc.find_group(group.name, domain_id="default", ignore_missing=False)
    check(found.id == group.id, f"find_group by name in domain: {found}")
    check(idc.find_group(group.id).name == group.name, "find_group by id")
    check(idc.find_group(f"no-such-{tag}") is None, "find_group of a missing name")
    step("update_group")
    updated = idc.update_group(group, description="second")
    check(updated.description == "second", f"update_group returns it: {updated}")
    renamed = idc.update_group(group.id, name=f"sdk-grp2-{tag}")
    check(renamed.name == f"sdk-grp2-{tag}", f"rename: {renamed}")
    got = idc.get_group(group.id)
    check(
        (got.name, got.description) == (f"sdk-grp2-{tag}", "second"), f"persisted: {got}"
    )
    idc.update_group(group.id, name=group.name)
    step("groups()")
    check(group.id in {g.id for g in idc.groups()}, "groups() lists the group")
    listed = list(idc.groups(name=group.name))
    check([g.id for g in listed] == [group.id], f"groups(name=): {listed}")
    listed = list(idc.groups(domain_id="default"))
    check(group.id in {g.id for g in listed}, "groups(domain_id=default)")

    # memberships
    step("check_user_in_group before add")
    check(idc.check_user_in_group(user, group) is False, "not a member yet")
    step("add_user_to_group")
    idc.add_user_to_group(user, group)
    idc.add_user_to_group(user.id, group.id)  # idempotent
    step("check_user_in_group")
    check(idc.check_user_in_group(user, group) is True, "member after add")
    step("group_users")
    members = list(idc.group_users(group))
    check([u.id for u in members] == [user.id], f"group_users: {members}")
    check(members[0].name == user.name, "group_users returns whole users")
    step("user_groups")
    groups = list(idc.user_groups(user))
    check([g.id for g in groups] == [group.id], f"user_groups: {groups}")

    # role grants to the group on the project
    step("find_role member")
    member = idc.find_role("member", ignore_missing=False)
    check(member.name == "member", f"role: {member}")
    step("validate_group_has_project_role before the grant")
    check(
        idc.validate_group_has_project_role(project, group, member) is False,
        "no grant yet",
    )
    step("assign_project_role_to_group")
    idc.assign_project_role_to_group(project, group, member)
    step("validate_group_has_project_role")
    check(
        idc.validate_group_has_project_role(project, group, member) is True,
        "the grant is there (HEAD 204)",
    )
    step("role_assignments(group_id=...)")
    ras = list(idc.role_assignments(group_id=group.id))
    check(len(ras) == 1, f"one assignment: {ras}")
    ra = ras[0]
    check(ra.role["id"] == member.id, f"role of the assignment: {ra}")
    check(ra.scope == {"project": {"id": project.id}}, f"scope: {ra.scope}")
    check(ra.group == {"id": group.id}, f"group: {ra.group}")
    step("role_assignments_filter(project, group)")
    roles = list(idc.role_assignments_filter(project=project, group=group))
    check([r.id for r in roles] == [member.id], f"roles of the group: {roles}")
    step("role_assignments(user_id, effective)")
    ras = list(idc.role_assignments(user_id=user.id, effective=True))
    check(
        any(
            r.role["id"] == member.id and r.scope == {"project": {"id": project.id}}
            for r in ras
        ),
        f"the member inherits the group's grant: {ras}",
    )

    step("a member's token carries the group's role")
    uconn = connect(
        s,
        username=user.name,
        password=pw,
        user_domain_name="Default",
        project_name=project.name,
        project_domain_name="Default",
    )
    access = uconn.session.auth.get_access(uconn.session)
    check(access.project_id == project.id, f"scoped to {project.id}")
    check("member" in access.role_names, f"roles in token: {access.role_names}")
    user_token = access.auth_token

    step("remove_user_from_group")
    idc.remove_user_from_group(user, group)
    check(idc.check_user_in_group(user, group) is False, "not a member after remove")
    check(list(idc.group_users(group)) == [], "group_users empty after remove")
    step("the member's token loses the group's role at validation")
    resp = idc.get(
        "/auth/tokens", headers={"X-Subject-Token": user_token}, raise_exc=False
    )
    check(
        resp.status_code == 404,
        f"a project token with no role left is invalid: {resp.status_code} {resp.text}",
    )

    step("unassign_project_role_from_group")
    idc.unassign_project_role_from_group(project, group, member)
    check(
        idc.validate_group_has_project_role(project, group, member) is False,
        "grant gone",
    )
    check(list(idc.role_assignments(group_id=group.id)) == [], "no assignments left")

    # deletes
    step("delete_group")
    idc.delete_group(group, ignore_missing=False)
    try:
        idc.get_group(group.id)
        check(False, "get_group after delete should be 404")
    except exceptions.NotFoundException:
        pass
    check(idc.find_group(group.name) is None, "find_group after delete")
    idc.delete_group(group.id)  # ignore_missing=True: no error
    step("delete_user")
    idc.delete_user(user, ignore_missing=False)
    check(idc.find_user(user.name, domain_id="default") is None, "user gone")
    step("delete_project")
    idc.delete_project(project, ignore_missing=False)


def main():
    s = settings()
    log = io.StringIO()
    openstack.enable_logging(debug=True, http_debug=True, stream=log)
    step = Steps(log)
    started = time.time()
    try:
        scenario(step, s)
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        log.seek(step.mark if step.count else 0)
        print(f"\nFAILED at step: {step.name}\n  {type(e).__name__}: {e}")
        print("--- traceback ---")
        traceback.print_exc(limit=-3, file=sys.stdout)
        print("--- HTTP during this step ---")
        print(http_tail(log.read()))
        return 1
    print(f"sdk_test: {step.count} steps OK in {time.time() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
