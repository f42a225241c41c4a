#!/usr/bin/env python3
"""Drives the real `openstack` CLI (python-openstackclient) against a running iam-groups.

Run with the Python of the client virtualenv, so that its `openstack` is the one used:

    IAM_TEST_URL=http://127.0.0.1:5000 IAM_TEST_PASSWORD=admin-secret \
        .venv/bin/python tests/clients/osc_test.py [--auth env|cloud|both]

Environment (only IAM_TEST_URL and IAM_TEST_PASSWORD are required):
    IAM_TEST_URL             service base URL, without /v3
    IAM_TEST_USER            admin user name               (admin)
    IAM_TEST_PASSWORD        its password
    IAM_TEST_USER_DOMAIN     the admin's domain name       (Default)
    IAM_TEST_PROJECT         project to scope to           (admin)
    IAM_TEST_PROJECT_DOMAIN  that project's domain name    (Default)
    IAM_TEST_REGION          region of the catalog         (RegionOne)

The same sequence of commands runs once with OS_* variables and once with a clouds.yaml
(OS_CLOUD), each with its own names. Every command's output is checked; the first failure
stops the run with the command, its output and the tail of its --debug log (the HTTP
requests keystoneauth made and the answers it got).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


class StepFailed(Exception):
    pass


def settings():
    """Reads the IAM_TEST_* variables."""
    env = os.environ
    missing = [k for k in ("IAM_TEST_URL", "IAM_TEST_PASSWORD") if not env.get(k)]
    if missing:
        sys.exit(f"osc_test: set {', '.join(missing)}")
    return {
        "url": env["IAM_TEST_URL"].rstrip("/"),
        "user": env.get("IAM_TEST_USER", "admin"),
        "password": env["IAM_TEST_PASSWORD"],
        "user_domain": env.get("IAM_TEST_USER_DOMAIN", "Default"),
        "project": env.get("IAM_TEST_PROJECT", "admin"),
        "project_domain": env.get("IAM_TEST_PROJECT_DOMAIN", "Default"),
        "region": env.get("IAM_TEST_REGION", "RegionOne"),
    }


def base_env():
    """The caller's environment without any OS_* variable that could change the run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["PYTHONWARNINGS"] = "ignore"
    return env


def env_auth(s, home):
    """OS_* variables for password auth, identity API 3."""
    env = base_env()
    env["HOME"] = home  # so that no clouds.yaml of the caller is read
    env.update(
        {
            "OS_AUTH_URL": s["url"] + "/v3",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_AUTH_TYPE": "password",
            "OS_USERNAME": s["user"],
            "OS_PASSWORD": s["password"],
            "OS_USER_DOMAIN_NAME": s["user_domain"],
            "OS_PROJECT_NAME": s["project"],
            "OS_PROJECT_DOMAIN_NAME": s["project_domain"],
            "OS_REGION_NAME": s["region"],
            "OS_INTERFACE": "public",
        }
    )
    return env


def cloud_auth(s, home):
    """A clouds.yaml in a private config folder, and OS_CLOUD naming it."""
    config = os.path.join(home, ".config", "openstack")
    os.makedirs(config, exist_ok=True)
    # JSON is YAML: no PyYAML needed to write it.
    clouds = {
        "clouds": {
            "iam-groups": {
                "auth": {
                    "auth_url": s["url"] + "/v3",
                    "username": s["user"],
                    "password": s["password"],
                    "user_domain_name": s["user_domain"],
                    "project_name": s["project"],
                    "project_domain_name": s["project_domain"],
                },
                "auth_type": "password",
                "identity_api_version": 3,
                "region_name": s["region"],
                "interface": "public",
            }
        }
    }
    with open(os.path.join(config, "clouds.yaml"), "w") as f:
        json.dump(clouds, f, indent=2)
    env = base_env()
    env["HOME"] = home
    env["OS_CLOUD"] = "iam-groups"
    return env


class Cli:
    """Runs `openstack --debug ...` and keeps what it needs to report a failure."""

    def __init__(self, env, label):
        self.env = env
        self.label = label
        self.count = 0

    def run(self, *args, expect_ok=True):
        argv = [OPENSTACK, "--debug", *args]
        shown = "openstack " + " ".join(args)
        self.count += 1
        print(f"[{self.label}] $ {shown}", flush=True)
        proc = subprocess.run(
            argv, env=self.env, capture_output=True, text=True, timeout=180
        )
        self.last = (shown, proc)
        if expect_ok and proc.returncode != 0:
            self.fail(f"exit status {proc.returncode}")
        return proc

    def json(self, *args):
        proc = self.run(*args, "-f", "json")
        try:
            return json.loads(proc.stdout)
        except ValueError:
            self.fail("output is not JSON")

    def values(self, *args):
        """`-f value` output as a list of lines."""
        proc = self.run(*args, "-f", "value")
        return [line for line in proc.stdout.splitlines() if line.strip()]

    def fail(self, why):
        shown, proc = self.last
        raise StepFailed(
            f"[{self.label}] FAILED: {shown}\n  {why}\n"
            f"--- stdout ---\n{proc.stdout.strip()}\n"
            f"--- stderr (tail of --debug) ---\n{debug_tail(proc.stderr)}"
        )

    def check(self, condition, why):
        if not condition:
            self.fail(why)


def debug_tail(stderr, lines=60):
    """The HTTP exchanges and the error of a --debug log, without the noise around them."""
    all_lines = stderr.splitlines()
    keep = [
        line
        for line in all_lines[:-8]
        if line.startswith(("REQ:", "RESP:", "RESP BODY:", "Request returned"))
    ]
    # The last lines hold the client's own error message (and its exception type).
    return "\n".join(keep[-lines:] + ["..."] + all_lines[-8:])


def http(method, url, token, subject=None):
    """One raw request, for checks the CLI cannot make (is a revoked token gone?)."""
    req = urllib.request.Request(url, method=method)
    req.add_header("X-Auth-Token", token)
    if subject:
        req.add_header("X-Subject-Token", subject)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def find(rows, **match):
    """The rows of a JSON list whose fields equal `match`."""
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def ec2_scenario(cli, s, tag, user_id):
    """`openstack ec2 credentials` (OS-EC2) and `openstack credential` (/v3/credentials):
    one store, so each shows what the other made."""
    e = cli.json("ec2", "credentials", "create")
    cli.check(len(e.get("access") or "") == 32 and len(e.get("secret") or "") == 32,
              f"ec2 credentials create answers access and secret: {e}")
    cli.check(e.get("project_id"), "the EC2 credential is on the current project")
    rows = cli.json("ec2", "credentials", "list")
    cli.check(find(rows, Access=e["access"], Secret=e["secret"]),
              "ec2 credentials list has the new credential")
    shown = cli.json("ec2", "credentials", "show", e["access"])
    cli.check(shown.get("secret") == e["secret"], "ec2 credentials show by access")
    rows = cli.json("credential", "list", "--type", "ec2")
    cli.check(any(e["access"] in r.get("Data", "") for r in rows),
              f"credential list --type ec2 shows the EC2 credential too: {rows}")
    blob = f'{{"name": "totp-{tag}"}}'
    c = cli.json("credential", "create", "--type", "totp", user_id, blob)
    cli.check(c.get("type") == "totp" and c.get("blob") == blob, f"credential create: {c}")
    cli.run("credential", "set", "--type", "totp", "--data", '{"name": "changed"}',
            "--user", user_id, c["id"])
    shown = cli.json("credential", "show", c["id"])
    cli.check(shown.get("blob") == '{"name": "changed"}', f"credential set --data: {shown}")
    rows = cli.json("credential", "list", "--user", user_id, "--type", "totp")
    cli.check(find(rows, ID=c["id"]), "credential list --user --type totp")
    cli.run("credential", "delete", c["id"])
    cli.run("ec2", "credentials", "delete", e["access"])
    rows = cli.json("ec2", "credentials", "list")
    cli.check(not find(rows, Access=e["access"]), "ec2 credentials delete removes it")
    gone = cli.run("credential", "show", c["id"], expect_ok=False)
    cli.check(gone.returncode != 0, "credential show after delete fails")


def scenario(cli, s, tag):
    """The whole sequence; names carry `tag` so that runs do not collide."""
    dom, proj = f"osc-dom-{tag}", f"osc-proj-{tag}"
    user, grp, grp2 = f"osc-user-{tag}", f"osc-grp-{tag}", f"osc-grp2-{tag}"

    # token issue / token revoke
    tok = cli.json("token", "issue")
    cli.check(
        len(tok.get("id") or "") > 0 and tok.get("expires"), "token has id and expires"
    )
    cli.check(tok.get("project_id"), "token is project-scoped (project_id)")
    cli.check(tok.get("user_id"), "token names its user_id")
    other = cli.json("token", "issue")
    cli.run("token", "revoke", other["id"])
    status = http("GET", s["url"] + "/v3/auth/tokens", tok["id"], other["id"])
    cli.check(status == 404, f"revoked token validates as 404, got {status}")
    status = http("GET", s["url"] + "/v3/auth/tokens", tok["id"], tok["id"])
    cli.check(status == 200, f"unrevoked token still validates as 200, got {status}")

    # domain create / list
    d = cli.json("domain", "create", "--description", "made by osc_test", dom)
    cli.check(d.get("name") == dom, f"domain name is {dom}")
    cli.check(d.get("enabled") is True, "new domain is enabled")
    cli.check(d.get("description") == "made by osc_test", "domain description")
    rows = cli.json("domain", "list")
    cli.check(find(rows, Name=dom, ID=d["id"]), f"domain list has {dom}")
    cli.check(find(rows, ID="default", Name="Default"), "domain list has Default")

    # project create / list
    p = cli.json("project", "create", "--domain", "default", "--description", "p", proj)
    cli.check(p.get("name") == proj, f"project name is {proj}")
    cli.check(p.get("domain_id") == "default", "project is in domain default")
    cli.check(p.get("enabled") is True, "project is enabled")
    rows = cli.json("project", "list")
    cli.check(find(rows, Name=proj, ID=p["id"]), f"project list has {proj}")
    names = cli.values("project", "list", "--domain", "default", "-c", "Name")
    cli.check(proj in names and "admin" in names, "project list --domain default")
    pd = cli.json("project", "create", "--domain", dom, proj)
    cli.check(
        pd.get("domain_id") == d["id"], "same project name in another domain is allowed"
    )

    # project tags: set, add, filter, remove
    cli.run("project", "set", "--tag", "blue", "--tag", "red", p["id"])
    shown = cli.json("project", "show", p["id"])
    cli.check(sorted(shown.get("tags") or []) == ["blue", "red"], "project set --tag twice")
    cli.run("project", "set", "--tag", "green", p["id"])
    shown = cli.json("project", "show", p["id"])
    cli.check(
        sorted(shown.get("tags") or []) == ["blue", "green", "red"], "project set --tag adds"
    )
    ids = cli.values("project", "list", "--tags", "blue,red", "-c", "ID")
    cli.check(ids == [p["id"]], "project list --tags blue,red")
    ids = cli.values("project", "list", "--tags-any", "green,nothing", "-c", "ID")
    cli.check(ids == [p["id"]], "project list --tags-any")
    ids = cli.values("project", "list", "--not-tags-any", "blue", "-c", "ID")
    cli.check(p["id"] not in ids and pd["id"] in ids, "project list --not-tags-any")
    cli.run("project", "set", "--remove-tag", "blue", p["id"])
    ids = cli.values("project", "list", "--tags", "blue", "-c", "ID")
    cli.check(ids == [], "project set --remove-tag")
    cli.run("project", "set", "--clear-tags", p["id"])
    shown = cli.json("project", "show", p["id"])
    cli.check((shown.get("tags") or []) == [], "project set --clear-tags")

    # a domain is also the project acting as it, and may be named as a parent
    shown = cli.json("project", "show", d["id"])
    cli.check(shown.get("is_domain") is True, "project show <domain> says is_domain")
    pdom = cli.json("project", "create", "--domain", dom, "--parent", d["id"], proj + "-child")
    cli.check(pdom.get("parent_id") == d["id"], "project create --parent <domain>")
    cli.run("project", "delete", pdom["id"])

    # user create / list / show / set
    u = cli.json(
        "user", "create", "--domain", "default", "--password", "Secret-1234", user
    )
    cli.check(u.get("name") == user and u.get("domain_id") == "default", "user create")
    cli.check("password" not in u, "user create does not echo the password")
    names = cli.values("user", "list", "-c", "Name")
    cli.check(user in names and s["user"] in names, f"user list has {user}")
    names = cli.values("user", "list", "--domain", "default", "-c", "Name")
    cli.check(user in names, "user list --domain default")
    shown = cli.json("user", "show", user)
    cli.check(shown.get("id") == u["id"], "user show by name finds the same id")
    cli.run("user", "set", "--email", f"{tag}@example.org", "--description", "d", user)
    shown = cli.json("user", "show", u["id"])
    cli.check(shown.get("email") == f"{tag}@example.org", "user set --email")
    cli.check(shown.get("description") == "d", "user set --description")

    # group create / list / show / set
    g = cli.json("group", "create", "--domain", "default", "--description", "first", grp)
    cli.check(g.get("name") == grp and g.get("domain_id") == "default", "group create")
    cli.check(g.get("description") == "first", "group description")
    dup = cli.run("group", "create", "--domain", "default", grp, expect_ok=False)
    cli.check(dup.returncode != 0, "a second group of the same name is refused")
    cli.check("409" in dup.stderr or "onflict" in dup.stderr, "duplicate group is 409")
    same = cli.json("group", "create", "--domain", "default", "--or-show", grp)
    cli.check(same.get("id") == g["id"], "group create --or-show returns the group")
    rows = cli.json("group", "list")
    cli.check(find(rows, Name=grp, ID=g["id"]), f"group list has {grp}")
    shown = cli.json("group", "show", grp)
    cli.check(shown.get("id") == g["id"], "group show by name")
    shown = cli.json("group", "show", "--domain", "default", g["id"])
    cli.check(shown.get("name") == grp, "group show by id")
    cli.run("group", "set", "--description", "second", grp)
    shown = cli.json("group", "show", g["id"])
    cli.check(shown.get("description") == "second", "group set --description")
    cli.run("group", "set", "--name", grp2, g["id"])
    shown = cli.json("group", "show", grp2)
    cli.check(shown.get("id") == g["id"], "group set --name renames")
    cli.run("group", "set", "--name", grp, g["id"])

    # memberships
    cli.run("group", "add", "user", grp, user)
    out = cli.run("group", "contains", "user", grp, user)
    cli.check(f"{user} in group {grp}" in out.stdout, "group contains user: member")
    names = cli.values("group", "list", "--user", user, "-c", "Name")
    cli.check(names == [grp], f"group list --user {user} is [{grp}]")
    names = cli.values("group", "list", "--domain", "default", "-c", "Name")
    cli.check(grp in names, "group list --domain default has the group")
    names = cli.values("group", "list", "--domain", dom, "-c", "Name")
    cli.check(grp not in names, f"group list --domain {dom} does not have it")
    long = cli.json("group", "list", "--user", user, "--long")
    cli.check(
        find(long, Name=grp, Description="second", **{"Domain ID": "default"}),
        "group list --user --long shows domain and description",
    )

    # role grants to the group on a project
    rows = cli.json("role", "list")
    roles = {r["Name"] for r in rows}
    cli.check({"admin", "member", "reader"} <= roles, f"roles admin/member/reader: {roles}")
    cli.run("role", "add", "--group", grp, "--project", proj,
            "--project-domain", "default", "member")
    rows = cli.json("role", "assignment", "list", "--group", grp, "--names")
    cli.check(
        find(rows, Role="member", Group=f"{grp}@Default", Project=f"{proj}@Default"),
        f"role assignment list --group --names shows member on {proj}: {rows}",
    )
    rows = cli.json("role", "assignment", "list", "--user", user, "--effective", "--names")
    cli.check(
        find(rows, Role="member", User=f"{user}@Default", Project=f"{proj}@Default"),
        f"the member's effective assignments include the group's grant: {rows}",
    )
    names = cli.values("project", "list", "--user", user, "-c", "Name")
    cli.check(names == [proj], f"project list --user {user} sees {proj} via the group")
    cli.run("role", "remove", "--group", grp, "--project", proj,
            "--project-domain", "default", "member")
    rows = cli.json("role", "assignment", "list", "--group", grp)
    cli.check(rows == [], f"role remove leaves no assignment: {rows}")

    cli.run("group", "remove", "user", grp, user)
    out = cli.run("group", "contains", "user", grp, user)
    cli.check(f"{user} not in group {grp}" in out.stderr, "group contains user: gone")
    names = cli.values("group", "list", "--user", user, "-c", "Name")
    cli.check(names == [], "group list --user is empty after remove")

    ec2_scenario(cli, s, tag, tok["user_id"])

    trust_scenario(cli, s, u["id"])

    # deletes
    cli.run("group", "delete", grp)
    gone = cli.run("group", "show", g["id"], expect_ok=False)
    cli.check(gone.returncode != 0, "group show after delete fails")
    cli.run("user", "delete", user)
    names = cli.values("user", "list", "-c", "Name")
    cli.check(user not in names, "user list after delete")
    cli.run("project", "delete", p["id"])
    cli.run("domain", "set", "--disable", dom)
    cli.run("domain", "delete", dom)
    rows = cli.json("domain", "list")
    cli.check(not find(rows, Name=dom), "domain list after delete")

    application_credentials(cli, s, tag)


def app_cred_env(s, cred_id, secret):
    """OS_* variables for an application credential login (keystoneauth's
    v3applicationcredential plugin)."""
    env = base_env()
    env["HOME"] = tempfile.mkdtemp(prefix="osc-appcred-")
    env.update(
        {
            "OS_AUTH_URL": s["url"] + "/v3",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_AUTH_TYPE": "v3applicationcredential",
            "OS_APPLICATION_CREDENTIAL_ID": cred_id,
            "OS_APPLICATION_CREDENTIAL_SECRET": secret,
            "OS_REGION_NAME": s["region"],
            "OS_INTERFACE": "public",
        }
    )
    return env


def application_credentials(cli, s, tag):
    """application credential create / list / show / delete, and a login with one."""
    name = f"osc-appcred-{tag}"
    made = cli.json(
        "application", "credential", "create", "--description", "made by osc_test", name
    )
    cli.check(made.get("Name") == name, "application credential create: name")
    cli.check(made.get("Secret"), "application credential create shows the secret")
    cli.check(made.get("Description") == "made by osc_test", "its description")
    cli.check(made.get("Project ID"), "it is for the token's project")
    cli.check("admin" in str(made.get("Roles")), f"it has the token's roles: {made}")
    rows = cli.json("application", "credential", "list")
    cli.check(find(rows, Name=name, ID=made["ID"]), f"application credential list: {rows}")
    shown = cli.json("application", "credential", "show", name)
    cli.check(shown.get("ID") == made["ID"], "application credential show by name")
    cli.check(not shown.get("Secret"), "show does not reveal the secret")

    # A login with it: keystoneauth's v3applicationcredential, then `token issue`.
    login = Cli(app_cred_env(s, made["ID"], made["Secret"]), cli.label + "/appcred")
    tok = login.json("token", "issue")
    login.check(tok.get("project_id") == made["Project ID"],
                f"the token is scoped to the credential's project: {tok}")
    cli.count += login.count
    shutil.rmtree(login.env["HOME"], ignore_errors=True)

    cli.run("application", "credential", "delete", name)
    rows = cli.json("application", "credential", "list")
    cli.check(not find(rows, Name=name), "application credential list after delete")
    bad = Cli(app_cred_env(s, made["ID"], made["Secret"]), cli.label + "/appcred")
    gone = bad.run("token", "issue", expect_ok=False)
    cli.count += bad.count
    shutil.rmtree(bad.env["HOME"], ignore_errors=True)
    cli.check(gone.returncode != 0, "a deleted credential no longer logs in")


def trust_scenario(cli, s, trustee_id):
    """trust create / list / show / delete: the admin (the trustor) delegates `reader` on
    its project to the scenario's user, who logs in with the trust."""
    admin_id = cli.json("token", "issue")["user_id"]
    expires = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 3600))
    t = cli.json(
        "trust", "create", "--project", s["project"], "--project-domain",
        s["project_domain"], "--role", "reader", "--impersonate", "--expiration",
        expires, admin_id, trustee_id,
    )
    cli.check(t.get("trustor_user_id") == admin_id, f"trust trustor: {t}")
    cli.check(t.get("trustee_user_id") == trustee_id, "trust trustee")
    cli.check(t.get("is_impersonation") is True, "trust create --impersonate")
    cli.check((t.get("expires_at") or "").startswith(expires), f"expires_at {t}")
    cli.check("reader" in str(t.get("roles")), f"trust roles: {t.get('roles')}")
    cli.check(t.get("redelegation_count") == 0, "not redelegatable")
    rows = cli.json("trust", "list")
    cli.check(find(rows, ID=t["id"], **{"Trustee User ID": trustee_id}), "trust list")
    rows = cli.json("trust", "list", "--trustee", trustee_id)
    cli.check([r["ID"] for r in rows] == [t["id"]], f"trust list --trustee: {rows}")
    shown = cli.json("trust", "show", t["id"])
    cli.check(shown.get("id") == t["id"] and shown.get("project_id"), "trust show")
    cli.check(shown.get("remaining_uses") is None, "unlimited uses")
    cli.run("trust", "delete", t["id"])
    gone = cli.run("trust", "show", t["id"], expect_ok=False)
    cli.check(gone.returncode != 0, "trust show after delete fails")
    rows = cli.json("trust", "list")
    cli.check(not find(rows, ID=t["id"]), "trust list after delete")


def limits_and_endpoint_groups(cli, s, tag, home):
    """Unified limits and OS-EP-FILTER endpoint groups, as the CLI drives them."""
    svc = cli.json("service", "create", "--name", f"osc-svc-{tag}", f"osc-type-{tag}")
    resource = f"cores-{tag}"

    # registered limit create / list
    rl = cli.json("registered", "limit", "create", "--service", svc["id"],
                  "--default-limit", "10", "--region", s["region"], resource)
    cli.check(rl.get("default_limit") == 10 and rl.get("resource_name") == resource,
              f"registered limit create shows the limit: {rl}")
    rows = cli.json("registered", "limit", "list", "--service", svc["id"])
    cli.check([r["ID"] for r in rows] == [rl["id"]], f"registered limit list --service: {rows}")
    rows = cli.json("registered", "limit", "list", "--resource-name", resource)
    cli.check(len(rows) == 1, f"registered limit list --resource-name: {rows}")

    # limit create / list: on the CLI's own project, which its project-scoped token sees
    lim = cli.json("limit", "create", "--project", s["project"], "--project-domain",
                   s["project_domain"], "--service", svc["id"], "--region", s["region"],
                   "--resource-limit", "4", resource)
    cli.check(lim.get("resource_limit") == 4, f"limit create shows the limit: {lim}")
    rows = cli.json("limit", "list", "--service", svc["id"])
    cli.check([r["ID"] for r in rows] == [lim["id"]], f"limit list --service: {rows}")
    cli.run("limit", "delete", lim["id"])
    rows = cli.json("limit", "list", "--service", svc["id"])
    cli.check(rows == [], f"limit list after delete: {rows}")
    cli.run("registered", "limit", "delete", rl["id"])

    # endpoint group create / list / show / add project / delete
    filters = os.path.join(home, f"filters-{tag}.json")
    with open(filters, "w") as f:
        json.dump({"service_id": svc["id"], "interface": "public"}, f)
    name = f"osc-eg-{tag}"
    eg = cli.json("endpoint", "group", "create", "--description", "osc", name, filters)
    cli.check(eg.get("name") == name, f"endpoint group create: {eg}")
    shown = cli.json("endpoint", "group", "show", eg["id"])
    cli.check(shown.get("filters", {}).get("service_id") == svc["id"],
              f"endpoint group show has the filters: {shown}")
    rows = cli.json("endpoint", "group", "list")
    cli.check(find(rows, ID=eg["id"]), f"endpoint group list shows {name}: {rows}")
    proj = f"osc-eg-proj-{tag}"
    cli.json("project", "create", "--domain", "default", proj)
    cli.run("endpoint", "group", "add", "project", eg["id"], proj,
            "--project-domain", "default")
    rows = cli.json("endpoint", "group", "list", "--project", proj, "--domain", "default")
    cli.check(find(rows, ID=eg["id"]), f"endpoint group list --project: {rows}")
    cli.run("endpoint", "group", "remove", "project", eg["id"], proj,
            "--project-domain", "default")
    cli.run("endpoint", "group", "delete", eg["id"])
    rows = cli.json("endpoint", "group", "list")
    cli.check(not find(rows, ID=eg["id"]), f"endpoint group list after delete: {rows}")
    cli.run("project", "delete", "--domain", "default", proj)
    cli.run("service", "delete", svc["id"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--auth", choices=["env", "cloud", "both"], default="both")
    args = ap.parse_args()
    s = settings()
    if not os.access(OPENSTACK, os.X_OK):
        sys.exit(f"osc_test: no {OPENSTACK}: run with the client virtualenv's python")
    modes = ["env", "cloud"] if args.auth == "both" else [args.auth]
    home = tempfile.mkdtemp(prefix="osc-test-")
    started = time.time()
    commands = 0
    try:
        for mode in modes:
            env = env_auth(s, home) if mode == "env" else cloud_auth(s, home)
            cli = Cli(env, mode)
            scenario(cli, s, f"{mode}-{uuid.uuid4().hex[:6]}")
            limits_and_endpoint_groups(cli, s, f"{mode}-{uuid.uuid4().hex[:6]}", home)
            commands += cli.count
    except StepFailed as e:
        print(f"\n{e}", flush=True)
        return 1
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"osc_test: {commands} commands OK ({', '.join(modes)}) "
          f"in {time.time() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
