"""Drives Huawei Cloud's own Python SDK (huaweicloudsdkiam + huaweicloudsdkcore), unchanged
but for the endpoint, through every group operation of IamClient and the access-key calls,
against a running iam-groups. Started by tests/api/huawei_sdk.rs, which passes a JSON
object on standard input:

    {"endpoint": "http://127.0.0.1:PORT", "domain_id": "default",
     "user_id": ..., "ak": ..., "sk": ..., "ak2": ..., "sk2": ..., "token": ...,
     "member_id": ...}

`user_id` holds `admin` on the domain and owns both keys; `token` is its domain-scoped
token; `member_id` is a user to put into groups. Every result is checked; any mismatch
raises, so the exit status tells the outcome. The secrets are never printed.
"""

import datetime
import importlib.metadata
import json
import sys

import huaweicloudsdkcore.signer.signer as sdk_signer
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm
from huaweicloudsdkiam.v3 import (
    CreateCredentialOption,
    CreatePermanentAccessKeyRequest,
    CreatePermanentAccessKeyRequestBody,
    DeletePermanentAccessKeyRequest,
    IamClient,
    KeystoneAddUserToGroupRequest,
    KeystoneCheckUserInGroupRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneDeleteGroupRequest,
    KeystoneListGroupsForUserRequest,
    KeystoneListGroupsRequest,
    KeystoneListUsersForGroupByAdminRequest,
    KeystoneRemoveUserFromGroupRequest,
    KeystoneShowGroupRequest,
    KeystoneUpdateGroupOption,
    KeystoneUpdateGroupRequest,
    KeystoneUpdateGroupRequestBody,
    ListPermanentAccessKeysRequest,
    ShowDomainQuotaRequest,
    ShowPermanentAccessKeyRequest,
    UpdateCredentialOption,
    UpdatePermanentAccessKeyRequest,
    UpdatePermanentAccessKeyRequestBody,
)
from huaweicloudsdkiam.v3.iam_credentials import IamCredentials

CHECKS = []


def check(what, condition, detail=""):
    if not condition:
        raise AssertionError(f"{what}: {detail}")
    CHECKS.append(what)


def how_authenticated(request):
    """What a request carried as credentials: the signature scheme, or "token"."""
    authorization = request.header_params.get("Authorization")
    if authorization:
        return authorization.split(" ", 1)[0]
    return "token" if request.header_params.get("X-Auth-Token") else "nothing"


def build(args, credentials, algorithm=SigningAlgorithm.HMAC_SHA256, region=None, seen=None):
    """An IamClient as a user would build it; `seen` collects how each request was sent."""
    config = HttpConfig.get_default_config()
    config.signing_algorithm = algorithm
    builder = IamClient.new_builder().with_http_config(config).with_credentials(credentials)
    if seen is not None:
        handler = HttpHandler().add_request_handler(
            lambda request, **_: seen.append(how_authenticated(request))
        )
        builder = builder.with_http_handler(handler)
    if region is not None:
        builder = builder.with_region(region)
    else:
        builder = builder.with_endpoints([args["endpoint"]])
    return builder.build()


def expect_status(what, status, call):
    try:
        call()
    except exceptions.ClientRequestException as e:
        check(what, e.status_code == status, f"status {e.status_code}, wanted {status}")
        check(what + " has a request id", bool(e.request_id), repr(e.request_id))
        return e
    raise AssertionError(f"{what}: succeeded, wanted {status}")


def group_operations(args, client, label):
    """Every group operation IamClient has, each result checked."""
    domain_id = args["domain_id"]
    member = args["member_id"]
    name = f"sdk {label} grp/é"

    created = client.keystone_create_group(
        KeystoneCreateGroupRequest(
            body=KeystoneCreateGroupRequestBody(
                group=KeystoneCreateGroupOption(
                    name=name, description="Grüße", domain_id=domain_id
                )
            )
        )
    ).group
    check(f"{label}: create", created.name == name and created.domain_id == domain_id)
    check(f"{label}: create_time is an integer", isinstance(created.create_time, int))
    check(f"{label}: description", created.description == "Grüße")
    gid = created.id

    everything = client.keystone_list_groups(KeystoneListGroupsRequest()).groups
    check(f"{label}: list", gid in [g.id for g in everything], "new group not listed")
    by_name = client.keystone_list_groups(
        KeystoneListGroupsRequest(name=name, domain_id=domain_id)
    ).groups
    check(f"{label}: list by name and domain", [g.id for g in by_name] == [gid])
    none = client.keystone_list_groups(KeystoneListGroupsRequest(name="no such group")).groups
    check(f"{label}: list by unknown name", none == [])

    shown = client.keystone_show_group(KeystoneShowGroupRequest(group_id=gid)).group
    check(f"{label}: show", shown.id == gid and shown.name == name)
    check(f"{label}: show links", shown.links._self.endswith(f"/v3/groups/{gid}"))

    updated = client.keystone_update_group(
        KeystoneUpdateGroupRequest(
            group_id=gid,
            body=KeystoneUpdateGroupRequestBody(
                group=KeystoneUpdateGroupOption(description="renamed", name=name + " 2")
            ),
        )
    ).group
    check(f"{label}: update", updated.name == name + " 2" and updated.description == "renamed")

    expect_status(
        f"{label}: check user (not a member)",
        404,
        lambda: client.keystone_check_user_in_group(
            KeystoneCheckUserInGroupRequest(group_id=gid, user_id=member)
        ),
    )
    client.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=gid, user_id=member))
    client.keystone_check_user_in_group(
        KeystoneCheckUserInGroupRequest(group_id=gid, user_id=member)
    )
    check(f"{label}: add user, check user (member)", True)

    users = client.keystone_list_users_for_group_by_admin(
        KeystoneListUsersForGroupByAdminRequest(group_id=gid)
    ).users
    check(f"{label}: list users in group", [u.id for u in users] == [member])
    groups = client.keystone_list_groups_for_user(
        KeystoneListGroupsForUserRequest(user_id=member)
    ).groups
    check(f"{label}: list groups of user", gid in [g.id for g in groups])

    client.keystone_remove_user_from_group(
        KeystoneRemoveUserFromGroupRequest(group_id=gid, user_id=member)
    )
    users = client.keystone_list_users_for_group_by_admin(
        KeystoneListUsersForGroupByAdminRequest(group_id=gid)
    ).users
    check(f"{label}: remove user", users == [])

    client.keystone_delete_group(KeystoneDeleteGroupRequest(group_id=gid))
    expect_status(
        f"{label}: deleted group is gone",
        404,
        lambda: client.keystone_show_group(KeystoneShowGroupRequest(group_id=gid)),
    )


def access_key_operations(args, client):
    """The access-key calls: list, show, update, and create then delete a third key."""
    user_id = args["user_id"]
    keys = client.list_permanent_access_keys(ListPermanentAccessKeysRequest(user_id=user_id))
    listed = sorted(k.access for k in keys.credentials)
    check("keys: list", listed == sorted([args["ak"], args["ak2"]]), listed)
    check("keys: no secret in list", args["sk"] not in json.dumps(keys.to_dict()))

    shown = client.show_permanent_access_key(
        ShowPermanentAccessKeyRequest(access_key=args["ak2"])
    ).credential
    check("keys: show", shown.access == args["ak2"] and shown.status == "active")

    # Two keys is the most a user may hold.
    e = expect_status(
        "keys: a third key",
        400,
        lambda: client.create_permanent_access_key(
            CreatePermanentAccessKeyRequest(
                body=CreatePermanentAccessKeyRequestBody(
                    credential=CreateCredentialOption(user_id=user_id, description="third")
                )
            )
        ),
    )
    check("keys: limit named", "akSkNumExceed" in (e.error_msg or ""), e.error_msg)

    updated = client.update_permanent_access_key(
        UpdatePermanentAccessKeyRequest(
            access_key=args["ak2"],
            body=UpdatePermanentAccessKeyRequestBody(
                credential=UpdateCredentialOption(status="inactive", description="off")
            ),
        )
    ).credential
    check("keys: deactivate", updated.status == "inactive" and updated.description == "off")


def quota_operations(args, client):
    """ShowDomainQuota: the account's usage and limits, all kinds or one."""
    domain_id = args["domain_id"]
    every = client.show_domain_quota(ShowDomainQuotaRequest(domain_id=domain_id)).quotas.resources
    kinds = sorted(r.type for r in every)
    check("quota: kinds", kinds == ["group", "idp", "user"], kinds)
    users = next(r for r in every if r.type == "user")
    check("quota: users counted", users.used >= 2, users.to_dict())
    check("quota: unlimited by default", users.quota == 2147483647 and users.min == 0, users.to_dict())
    groups = client.show_domain_quota(
        ShowDomainQuotaRequest(domain_id=domain_id, type="group")
    ).quotas.resources
    check("quota: one kind", [r.type for r in groups] == ["group"], groups)
    expect_status(
        "quota: a kind not counted",
        400,
        lambda: client.show_domain_quota(ShowDomainQuotaRequest(domain_id=domain_id, type="agency")),
    )


def failures(args):
    """Wrong secret, deactivated key, stale date: each a 401 the SDK reports."""
    domain_id = args["domain_id"]

    def list_groups(client):
        return lambda: client.keystone_list_groups(KeystoneListGroupsRequest())

    wrong = build(args, GlobalCredentials(args["ak"], "x" * 40, domain_id))
    expect_status("wrong secret", 401, list_groups(wrong))

    inactive = build(args, GlobalCredentials(args["ak2"], args["sk2"], domain_id))
    expect_status("deactivated key", 401, list_groups(inactive))

    real = sdk_signer.datetime

    class Stale(real):
        @classmethod
        def utcnow(cls):
            return real.utcnow() - datetime.timedelta(minutes=20)

    sdk_signer.datetime = Stale
    try:
        stale = build(args, GlobalCredentials(args["ak"], args["sk"], domain_id))
        expect_status("stale X-Sdk-Date", 401, list_groups(stale))
    finally:
        sdk_signer.datetime = real
    fresh = build(args, GlobalCredentials(args["ak"], args["sk"], domain_id))
    check("fresh date works again", isinstance(list_groups(fresh)(), object))


def main():
    args = json.loads(sys.stdin.read())
    domain_id = args["domain_id"]

    # Domain discovery first, while the SDK's per-AK cache of domain ids is empty: no
    # domain id given, so the SDK asks GET /v3/auth/domains, signed and unscoped.
    discovering = GlobalCredentials(args["ak"], args["sk"]).with_iam_endpoint(args["endpoint"])
    seen = []
    client = build(args, discovering, region=Region("local", args["endpoint"]), seen=seen)
    group_operations(args, client, "discovery")
    check("discovered domain id", discovering.domain_id == domain_id, discovering.domain_id)
    check("discovery signed", set(seen) == {"SDK-HMAC-SHA256"}, seen)

    for label, credentials, algorithm, scheme in [
        ("sha256", GlobalCredentials(args["ak"], args["sk"], domain_id),
         SigningAlgorithm.HMAC_SHA256, "SDK-HMAC-SHA256"),
        ("sm3", GlobalCredentials(args["ak"], args["sk"], domain_id),
         SigningAlgorithm.HMAC_SM3, "SDK-HMAC-SM3"),
        ("token", IamCredentials().with_x_auth_token(args["token"]),
         SigningAlgorithm.HMAC_SHA256, "token"),
    ]:
        seen = []
        group_operations(args, build(args, credentials, algorithm, seen=seen), label)
        check(f"{label}: every request sent as {scheme}", set(seen) == {scheme}, seen)
        check(f"{label}: all fifteen calls made", len(seen) == 15, len(seen))

    access_key_operations(args, build(args, GlobalCredentials(args["ak"], args["sk"], domain_id)))
    quota_operations(args, build(args, GlobalCredentials(args["ak"], args["sk"], domain_id)))
    failures(args)

    versions = ", ".join(
        f"{p} {importlib.metadata.version(p)}" for p in ("huaweicloudsdkcore", "huaweicloudsdkiam")
    )
    print(versions)
    print(f"huawei_sdk.py: all {len(CHECKS)} checks passed")


if __name__ == "__main__":
    main()
