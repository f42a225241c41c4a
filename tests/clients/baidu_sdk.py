"""Drives Baidu AI Cloud's own Python SDK (bce-python-sdk), unchanged but for the endpoint,
through every group call of its IamClient (the nine of its "Group management API" page),
the user and access-key calls, and the errors it must report, against a running
iam-groups. Started by tests/api/baidu_sdk.rs, which passes a JSON object on standard input:

    {"endpoint": "http://127.0.0.1:PORT",
     "owner": "sdk-owner", "owner_id": ..., "token": ...,
     "member": "sdk-member", "member_id": ...}

`owner` (a user name in the Default domain, id `owner_id`) holds `admin` on that domain;
`token` is its Keystone token scoped to that domain; `member` (id `member_id`) is a user to
put into groups. The owner's first access key is made here, with the token, over plain HTTP;
everything else goes through IamClient signed with that key (bce-auth-v1), except the
cross-checks against the Keystone face (/v3), which use the token.

What it leaves behind, for the Rust test to check: the group `sdk-kept` (description
"kept by the SDK") with `member` in it; the user `sdk-user` (description "updated by the
SDK") holding one access key; the owner holding exactly its first key, enabled. It prints
each check as it passes, then `RESULT {...}` (ids, never secrets), the SDK version, and
`baidu_sdk.py: N checks passed`. Any mismatch raises, so the exit status tells the outcome.
The secrets are never printed.
"""

import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import baidubce
import baidubce.protocol
import baidubce.utils
from baidubce.auth.bce_credentials import BceCredentials
from baidubce.bce_client_configuration import BceClientConfiguration
from baidubce.exception import BceHttpClientError, BceServerError
from baidubce.retry.retry_policy import NoRetryPolicy
from baidubce.services.iam.iam_client import IamClient

CHECKS = []
ID = re.compile(r"^[0-9a-f]{32}$")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
GROUP_KEYS = {"id", "name", "description", "createTime"}
USER_KEYS = {"id", "name", "description", "createTime", "enabled"}
KEY_KEYS = {"id", "createTime", "enabled", "description"}


def check(what, condition, detail=""):
    if not condition:
        raise AssertionError(f"{what}: {detail}")
    CHECKS.append(what)
    print(f"ok {len(CHECKS):3} {what}", flush=True)


def body(response):
    """The JSON the server sent, as it sent it (the SDK also pythonizes the names)."""
    return json.loads(response.raw_data)


def http(args, method, path, payload=None):
    """A plain request with the owner's token: (status, headers, parsed body or None)."""
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(args["endpoint"] + path, data=data, method=method)
    req.add_header("X-Auth-Token", args["token"])
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, resp.headers, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, e.headers, (json.loads(raw) if raw else None)


def client(args, ak, sk):
    """An IamClient as a Baidu user builds one, but without retries (so a 5xx shows at once)."""
    host = urllib.parse.urlsplit(args["endpoint"]).netloc
    config = BceClientConfiguration(
        credentials=BceCredentials(ak, sk),
        endpoint=host.encode(),
        protocol=baidubce.protocol.HTTP,
        retry_policy=NoRetryPolicy(),
    )
    return IamClient(config)


def expect_error(what, status, code, call):
    """Runs `call`, which must fail with a Baidu error `code` and HTTP `status`."""
    try:
        call()
    except BceHttpClientError as wrapped:
        e = wrapped.last_error
        check(f"{what}: a BceServerError", isinstance(e, BceServerError), repr(e))
        check(f"{what}: status {status}", e.status_code == status, f"got {e.status_code}")
        check(f"{what}: code {code}", e.code == code, f"got {e.code!r} ({e})")
        check(f"{what}: has a request id", bool(e.request_id), repr(e.request_id))
        check(f"{what}: has a message", bool(str(e)), repr(str(e)))
        return e
    raise AssertionError(f"{what}: succeeded, wanted {status} {code}")


def check_group(what, g, name, description):
    check(f"{what}: group fields", set(g) == GROUP_KEYS, sorted(g))
    check(f"{what}: group id", bool(ID.match(g["id"])), g["id"])
    check(f"{what}: group name", g["name"] == name, g["name"])
    check(f"{what}: group description", g["description"] == description, g["description"])
    check(f"{what}: group createTime", bool(TIME.match(g["createTime"])), g["createTime"])


def check_user(what, u, name, description=None):
    check(f"{what}: user fields", set(u) == USER_KEYS, sorted(u))
    check(f"{what}: user id", bool(ID.match(u["id"])), u["id"])
    check(f"{what}: user name", u["name"] == name, u["name"])
    if description is not None:
        check(f"{what}: user description", u["description"] == description, u["description"])
    check(f"{what}: user createTime", bool(TIME.match(u["createTime"])), u["createTime"])
    check(f"{what}: user enabled", u["enabled"] is True, u["enabled"])


def check_key(what, k, ak, enabled, with_secret=False):
    want = KEY_KEYS | ({"secret"} if with_secret else set())
    check(f"{what}: key fields", set(k) == want, sorted(k))
    check(f"{what}: key id", k["id"] == ak and bool(ak), "unexpected access key id")
    check(f"{what}: key createTime", bool(TIME.match(k["createTime"])), k["createTime"])
    check(f"{what}: key enabled is {enabled}", k["enabled"] is enabled, k["enabled"])
    if with_secret:
        check(f"{what}: a secret", isinstance(k["secret"], str) and len(k["secret"]) >= 20)


def first_key(args):
    """The owner's first key, made with its token over plain HTTP (no key exists yet)."""
    owner = args["owner"]
    status, _, made = http(args, "POST", f"/v1/user/{owner}/accesskey")
    check("token: create the owner's first key", status == 201, f"status {status}: {made}")
    check_key("token: first key", made, made["id"], True, with_secret=True)
    return made["id"], made["secret"]


def users(args, iam):
    """create_user, get_user, update_user, list_user."""
    made = body(iam.create_user({"name": "sdk-user", "description": "made by the SDK"}))
    check_user("create_user", made, "sdk-user", "made by the SDK")
    shown = body(iam.get_user(b"sdk-user"))
    check("get_user: the created user", shown == made, f"{shown} != {made}")
    updated = body(iam.update_user(b"sdk-user", {"description": "updated by the SDK"}))
    check_user("update_user", updated, "sdk-user", "updated by the SDK")
    check("update_user: same id and createTime",
          (updated["id"], updated["createTime"]) == (made["id"], made["createTime"]))
    listed = body(iam.list_user())
    check("list_user: only 'users'", set(listed) == {"users"}, sorted(listed))
    by_name = {u["name"]: u for u in listed["users"]}
    for u in listed["users"]:
        check_user(f"list_user: {u['name']}", u, u["name"])
    check("list_user: has owner, member, sdk-user",
          {args["owner"], args["member"], "sdk-user"} <= set(by_name), sorted(by_name))
    check("list_user: ids", by_name[args["owner"]]["id"] == args["owner_id"]
          and by_name[args["member"]]["id"] == args["member_id"])
    check("list_user: sdk-user as updated", by_name["sdk-user"] == updated)
    expect_error("create_user: duplicate", 409, "EntityAlreadyExists",
                 lambda: iam.create_user({"name": "sdk-user"}))
    expect_error("get_user: unknown", 404, "NoSuchEntity", lambda: iam.get_user(b"no-such-user"))
    return made["id"]


def groups(args, iam):
    """The nine group calls of the SDK's group page, each result checked."""
    member = args["member"].encode()

    made = body(iam.create_group({"name": "sdk-team", "description": "create sdk-team"}))
    check_group("create_group", made, "sdk-team", "create sdk-team")
    gid = made["id"]
    bare = body(iam.create_group({"name": "sdk-bare"}))
    check_group("create_group without description", bare, "sdk-bare", "")

    shown = body(iam.get_group(b"sdk-team"))
    check("get_group: the created group", shown == made, f"{shown} != {made}")

    updated = body(iam.update_group(b"sdk-team", {"description": "update sdk-team"}))
    check_group("update_group: description", updated, "sdk-team", "update sdk-team")
    check("update_group: same id and createTime",
          (updated["id"], updated["createTime"]) == (gid, made["createTime"]))
    renamed = body(iam.update_group(b"sdk-team", {"name": "sdk-team-new",
                                                  "description": "renamed"}))
    check_group("update_group: rename", renamed, "sdk-team-new", "renamed")
    check("update_group: rename keeps the id", renamed["id"] == gid)
    expect_error("get_group: the old name is gone", 404, "NoSuchEntity",
                 lambda: iam.get_group(b"sdk-team"))
    check("get_group: the new name", body(iam.get_group(b"sdk-team-new")) == renamed)

    listed = body(iam.list_group())
    check("list_group: only 'groups'", set(listed) == {"groups"}, sorted(listed))
    for g in listed["groups"]:
        check_group(f"list_group: {g['name']}", g, g["name"], g["description"])
    by_name = {g["name"]: g for g in listed["groups"]}
    check("list_group: both groups, as they are",
          by_name.get("sdk-team-new") == renamed and by_name.get("sdk-bare") == bare, by_name)

    iam.add_user_to_group(b"sdk-team-new", member)
    iam.add_user_to_group(b"sdk-team-new", member)
    check("add_user_to_group (twice: idempotent)", True)
    status, _, _ = http(args, "HEAD", f"/v3/groups/{gid}/users/{args['member_id']}")
    check("keystone: HEAD sees the SDK's membership", status == 204, status)

    theirs = body(iam.list_user_group(member))
    check("list_user_group: only 'groups'", set(theirs) == {"groups"}, sorted(theirs))
    check("list_user_group: the group", [g["id"] for g in theirs["groups"]] == [gid],
          theirs["groups"])
    check_group("list_user_group", theirs["groups"][0], "sdk-team-new", "renamed")
    check("list_user_group: none for the owner",
          body(iam.list_user_group(args["owner"].encode()))["groups"] == [])

    inside = body(iam.list_group_user(b"sdk-team-new"))
    check("list_group_user: only 'users'", set(inside) == {"users"}, sorted(inside))
    check("list_group_user: the member", [u["id"] for u in inside["users"]]
          == [args["member_id"]], inside["users"])
    check_user("list_group_user", inside["users"][0], args["member"])
    check("list_group_user: empty group",
          body(iam.list_group_user(b"sdk-bare"))["users"] == [])

    expect_error("delete_group: still has a member", 409, "DeleteConflict",
                 lambda: iam.delete_group(b"sdk-team-new"))
    check("delete_group refused: the group is still there",
          body(iam.get_group(b"sdk-team-new"))["id"] == gid)
    check("delete_group refused: the member is still in it",
          len(body(iam.list_group_user(b"sdk-team-new"))["users"]) == 1)

    iam.remove_user_from_group(b"sdk-team-new", member)
    check("remove_user_from_group: group empty",
          body(iam.list_group_user(b"sdk-team-new"))["users"] == [])
    check("remove_user_from_group: user in no group",
          body(iam.list_user_group(member))["groups"] == [])
    status, _, _ = http(args, "HEAD", f"/v3/groups/{gid}/users/{args['member_id']}")
    check("keystone: HEAD sees the removal", status == 404, status)

    iam.delete_group(b"sdk-team-new")
    iam.delete_group(b"sdk-bare")
    expect_error("delete_group: gone", 404, "NoSuchEntity",
                 lambda: iam.get_group(b"sdk-team-new"))
    status, _, _ = http(args, "GET", f"/v3/groups/{gid}")
    check("keystone: the deleted group is gone", status == 404, status)
    left = [g["name"] for g in body(iam.list_group())["groups"]]
    check("list_group: none left", left == [], left)

    iam.create_group({"name": "sdk-dup"})
    expect_error("create_group: duplicate", 409, "EntityAlreadyExists",
                 lambda: iam.create_group({"name": "sdk-dup"}))
    expect_error("add_user_to_group: unknown user", 404, "NoSuchEntity",
                 lambda: iam.add_user_to_group(b"sdk-dup", b"no-such-user"))
    iam.delete_group(b"sdk-dup")
    expect_error("get_group: unknown", 404, "NoSuchEntity", lambda: iam.get_group(b"no-such"))
    expect_error("add_user_to_group: unknown group", 404, "NoSuchEntity",
                 lambda: iam.add_user_to_group(b"no-such", member))
    expect_error("list_group_user: unknown group", 404, "NoSuchEntity",
                 lambda: iam.list_group_user(b"no-such"))


def faces_agree(args, iam):
    """Keystone's /v3 and the SDK see the same groups and memberships."""
    status, _, v3 = http(args, "POST", "/v3/groups",
                         {"group": {"name": "made-on-v3", "description": "from keystone"}})
    check("keystone: create a group", status == 201, f"{status} {v3}")
    seen = body(iam.get_group(b"made-on-v3"))
    check_group("get_group of a /v3 group", seen, "made-on-v3", "from keystone")
    check("get_group of a /v3 group: same id", seen["id"] == v3["group"]["id"])
    iam.delete_group(b"made-on-v3")
    status, _, _ = http(args, "GET", f"/v3/groups/{v3['group']['id']}")
    check("keystone: a group the SDK deleted is gone", status == 404, status)

    kept = body(iam.create_group({"name": "sdk-kept", "description": "kept by the SDK"}))
    status, _, found = http(args, "GET", "/v3/groups?name=sdk-kept")
    check("keystone: GET /v3/groups?name= finds the SDK's group", status == 200
          and [g["id"] for g in found["groups"]] == [kept["id"]], f"{status} {found}")
    check("keystone: same description and domain",
          found["groups"][0]["description"] == "kept by the SDK"
          and found["groups"][0]["domain_id"] == "default", found["groups"][0])
    iam.add_user_to_group(b"sdk-kept", args["member"].encode())
    status, _, _ = http(args, "HEAD", f"/v3/groups/{kept['id']}/users/{args['member_id']}")
    check("keystone: HEAD sees the membership in sdk-kept", status == 204, status)
    return kept["id"]


def access_keys(args, iam, ak):
    """create/list/disable/enable/delete_user_accesskey, and what each does to signing."""
    owner = args["owner"].encode()
    made = body(iam.create_user_accesskey(owner))
    ak2, sk2 = made["id"], made["secret"]
    check_key("create_user_accesskey", made, ak2, True, with_secret=True)
    check("create_user_accesskey: a new key", ak2 != ak)

    listed = body(iam.list_user_accesskey(owner))
    check("list_user_accesskey: only 'accessKeys'", set(listed) == {"accessKeys"}, sorted(listed))
    check("list_user_accesskey: both keys",
          sorted(k["id"] for k in listed["accessKeys"]) == sorted([ak, ak2]))
    for k in listed["accessKeys"]:
        check_key("list_user_accesskey", k, k["id"], True)
    check("list_user_accesskey: no secret", sk2 not in json.dumps(listed))

    e = None
    try:
        iam.create_user_accesskey(owner)
    except BceHttpClientError as wrapped:
        e = wrapped.last_error
    check("a third key is refused", isinstance(e, BceServerError)
          and e.status_code == 400 and e.code == "LimitExceeded", repr(e))
    check("a third key is refused: has a request id", bool(e.request_id))
    print(f"    (a third key: {e.status_code} {e.code})")

    second = client(args, ak2, sk2)
    check("the second key signs", "groups" in body(second.list_group()))
    off = body(iam.disable_user_accesskey(owner, ak2.encode()))
    check_key("disable_user_accesskey", off, ak2, False)
    expect_error("a disabled key", 403, "InvalidAccessKeyId", lambda: second.list_group())
    check("list_user_accesskey: shows it disabled",
          {k["id"]: k["enabled"] for k in body(iam.list_user_accesskey(owner))["accessKeys"]}
          == {ak: True, ak2: False})
    on = body(iam.enable_user_accesskey(owner, ak2.encode()))
    check_key("enable_user_accesskey", on, ak2, True)
    check("an enabled key signs again", "groups" in body(second.list_group()))

    iam.delete_user_accesskey(owner, ak2.encode())
    left = [k["id"] for k in body(iam.list_user_accesskey(owner))["accessKeys"]]
    check("delete_user_accesskey: one key left", left == [ak], "unexpected keys left")
    expect_error("a deleted key", 403, "InvalidAccessKeyId", lambda: second.list_group())
    expect_error("delete_user_accesskey: unknown", 404, "NoSuchEntity",
                 lambda: iam.delete_user_accesskey(owner, ak2.encode()))

    # A key of a user with no role: it authenticates, and policy refuses it.
    theirs = body(iam.create_user_accesskey(b"sdk-user"))
    check_key("create_user_accesskey for sdk-user", theirs, theirs["id"], True, with_secret=True)
    plain = client(args, theirs["id"], theirs["secret"])
    expect_error("a user without roles lists groups", 403, "AccessDenied",
                 lambda: plain.list_group())
    return theirs["id"]


def failures(args, ak, sk):
    """A wrong secret, an unknown key, a stale and a far-future signing time."""
    wrong = client(args, ak, "0" * len(sk))
    expect_error("wrong secret", 400, "SignatureDoesNotMatch", lambda: wrong.list_group())
    unknown = client(args, "0" * 20, sk)
    expect_error("unknown access key", 403, "InvalidAccessKeyId", lambda: unknown.list_group())

    real = baidubce.utils.get_canonical_time
    for label, shift in [("stale", -3 * 3600), ("far-future", 3 * 3600)]:
        baidubce.utils.get_canonical_time = lambda timestamp=0, s=shift: real(
            int(time.time()) + s if timestamp == 0 else timestamp)
        try:
            expect_error(f"{label} signing time", 400, "RequestExpired",
                         lambda: client(args, ak, sk).list_group())
        finally:
            baidubce.utils.get_canonical_time = real
    check("the right time works again", "groups" in body(client(args, ak, sk).list_group()))


def main():
    args = json.loads(sys.stdin.read())
    ak, sk = first_key(args)
    iam = client(args, ak, sk)
    user_id = users(args, iam)
    groups(args, iam)
    kept = faces_agree(args, iam)
    user_ak = access_keys(args, iam, ak)
    failures(args, ak, sk)
    print("RESULT " + json.dumps({"owner_ak": ak, "user_id": user_id, "user_ak": user_ak,
                                  "kept_group_id": kept}))
    print(f"bce-python-sdk {baidubce.SDK_VERSION.decode()}")
    print(f"baidu_sdk.py: {len(CHECKS)} checks passed")


if __name__ == "__main__":
    main()
