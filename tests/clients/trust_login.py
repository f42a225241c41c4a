#!/usr/bin/env python3
"""Logs in with a trust through keystoneauth1, as Heat and the other services do.

    IAM_TEST_URL=http://127.0.0.1:5000 IAM_TEST_PASSWORD=admin-secret \
        .venv/bin/python tests/clients/trust_login.py

As the admin it makes a project, a role, a trustor holding it (and `reader`) there and a
trustee; the trustor (its own keystoneauth session) makes a trust delegating the role; then
`keystoneauth1.identity.v3.Password(..., trust_id=...)` logs the trustee in, with and
without impersonation, and the token's trust, user, project and roles are checked, as are
its validation and the refusals (a deleted trust, the trustor losing the role).
"""

import os
import sys
import uuid

from keystoneauth1 import exceptions, session
from keystoneauth1.identity import v3


def main():
    url = os.environ["IAM_TEST_URL"].rstrip("/")
    v3_url = url + "/v3"
    admin = session.Session(
        auth=v3.Password(
            auth_url=v3_url,
            username=os.environ.get("IAM_TEST_USER", "admin"),
            password=os.environ["IAM_TEST_PASSWORD"],
            user_domain_name=os.environ.get("IAM_TEST_USER_DOMAIN", "Default"),
            project_name=os.environ.get("IAM_TEST_PROJECT", "admin"),
            project_domain_name=os.environ.get("IAM_TEST_PROJECT_DOMAIN", "Default"),
        )
    )
    tag = uuid.uuid4().hex[:8]

    def make(path, key, body):
        return admin.post(v3_url + path, json={key: body}).json()[key]

    project = make("/projects", "project", {"name": f"ka-{tag}", "domain_id": "default"})
    role = make("/roles", "role", {"name": f"ka-delegated-{tag}"})
    reader = [
        r for r in admin.get(v3_url + "/roles").json()["roles"] if r["name"] == "reader"
    ][0]
    trustor = make("/users", "user", {"name": f"ka-tina-{tag}", "password": "Tina-1234"})
    trustee = make("/users", "user", {"name": f"ka-ted-{tag}", "password": "Ted-12345"})
    for r in (role, reader):
        admin.put(
            f"{v3_url}/projects/{project['id']}/users/{trustor['id']}/roles/{r['id']}"
        )

    trustor_auth = v3.Password(
        auth_url=v3_url,
        user_id=trustor["id"],
        password="Tina-1234",
        project_id=project["id"],
    )
    trustor_sess = session.Session(auth=trustor_auth)

    def trust_login(trust_id):
        auth = v3.Password(
            auth_url=v3_url, user_id=trustee["id"], password="Ted-12345", trust_id=trust_id
        )
        return auth, auth.get_access(session.Session(auth=auth))

    for impersonation in (True, False):
        trust = trustor_sess.post(
            v3_url + "/OS-TRUST/trusts",
            json={
                "trust": {
                    "trustor_user_id": trustor["id"],
                    "trustee_user_id": trustee["id"],
                    "project_id": project["id"],
                    "impersonation": impersonation,
                    "roles": [{"name": role["name"]}],
                }
            },
        ).json()["trust"]
        auth, access = trust_login(trust["id"])
        expected_user = trustor["id"] if impersonation else trustee["id"]
        checks = [
            (access.trust_scoped, "the token is trust-scoped"),
            (access.trust_id == trust["id"], f"trust_id {access.trust_id}"),
            (access.trustor_user_id == trustor["id"], "trustor_user_id"),
            (access.trustee_user_id == trustee["id"], "trustee_user_id"),
            (access.user_id == expected_user, f"user_id {access.user_id}"),
            (access.project_id == project["id"], f"project_id {access.project_id}"),
            (access.role_names == [role["name"]], f"role_names {access.role_names}"),
            (
                access._data["token"]["OS-TRUST:trust"]["impersonation"] is impersonation,
                "impersonation",
            ),
        ]
        for ok, what in checks:
            if not ok:
                sys.exit(f"trust_login: {what} (impersonation={impersonation})")
        # The admin validates it and sees the trust too.
        shown = admin.get(
            v3_url + "/auth/tokens", headers={"X-Subject-Token": access.auth_token}
        ).json()["token"]
        if shown["OS-TRUST:trust"]["id"] != trust["id"]:
            sys.exit(f"trust_login: validation shows {shown.get('OS-TRUST:trust')}")
        print(f"trust login ok (impersonation={impersonation}): {access.role_names}")

        # Deleting the trust ends the token and refuses the next login.
        trustor_sess.delete(f"{v3_url}/OS-TRUST/trusts/{trust['id']}")
        resp = admin.get(
            v3_url + "/auth/tokens",
            headers={"X-Subject-Token": access.auth_token},
            raise_exc=False,
        )
        if resp.status_code != 404:
            sys.exit(f"trust_login: a deleted trust's token validates: {resp.status_code}")
        try:
            trust_login(trust["id"])
            sys.exit("trust_login: a deleted trust still logs in")
        except exceptions.Unauthorized:
            pass

    # The trustor losing the role: the trust gives no token (403, as Keystone).
    trust = trustor_sess.post(
        v3_url + "/OS-TRUST/trusts",
        json={
            "trust": {
                "trustor_user_id": trustor["id"],
                "trustee_user_id": trustee["id"],
                "project_id": project["id"],
                "impersonation": True,
                "roles": [{"id": role["id"]}],
            }
        },
    ).json()["trust"]
    admin.delete(f"{v3_url}/projects/{project['id']}/users/{trustor['id']}/roles/{role['id']}")
    try:
        trust_login(trust["id"])
        sys.exit("trust_login: a trust whose role the trustor lost still logs in")
    except exceptions.Forbidden:
        pass
    print("trust_login: all checks passed")


if __name__ == "__main__":
    main()
