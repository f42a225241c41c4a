#!/usr/bin/env python3
"""The OS-OAUTH1 delegated flow with real clients: oauthlib signs the request-token and
access-token exchanges, keystoneauth's V3OAuth1 plugin gets the delegated token.

    IAM_TEST_URL=http://127.0.0.1:5000 IAM_TEST_PASSWORD=admin-secret \
        .venv/bin/python tests/clients/oauth1_flow.py

Environment: IAM_TEST_URL, IAM_TEST_PASSWORD (required); IAM_TEST_USER, IAM_TEST_USER_DOMAIN,
IAM_TEST_PROJECT, IAM_TEST_PROJECT_DOMAIN (optional, as osc_test.py).
"""

import os
import sys
import urllib.parse

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.extras import oauth1 as ks_oauth1
from keystoneauth1.identity import v3
from oauthlib import oauth1


def expect(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"- {what}", flush=True)


def main():
    base = os.environ["IAM_TEST_URL"].rstrip("/")
    auth_url = base + "/v3"
    admin = v3.Password(
        auth_url=auth_url,
        username=os.environ.get("IAM_TEST_USER", "admin"),
        password=os.environ["IAM_TEST_PASSWORD"],
        user_domain_name=os.environ.get("IAM_TEST_USER_DOMAIN", "Default"),
        project_name=os.environ.get("IAM_TEST_PROJECT", "admin"),
        project_domain_name=os.environ.get("IAM_TEST_PROJECT_DOMAIN", "Default"),
    )
    sess = ks_session.Session(auth=admin)
    admin_token = sess.get_token()
    project_id = sess.get_project_id()
    user_id = sess.get_user_id()
    json_headers = {"X-Auth-Token": admin_token}

    r = requests.post(f"{auth_url}/OS-OAUTH1/consumers", headers=json_headers,
                      json={"consumer": {"description": "oauth1_flow.py"}})
    expect(r.status_code == 201, f"consumer created ({r.status_code})")
    consumer = r.json()["consumer"]

    # The request token: signed by the consumer alone, callback "oob".
    client = oauth1.Client(consumer["id"], client_secret=consumer["secret"],
                           signature_method=oauth1.SIGNATURE_HMAC, callback_uri="oob")
    url = f"{auth_url}/OS-OAUTH1/request_token"
    url, headers, _ = client.sign(url, http_method="POST")
    headers["Requested-Project-Id"] = project_id
    r = requests.post(url, headers=headers)
    expect(r.status_code == 201, f"request token ({r.status_code} {r.text})")
    expect(r.headers["Content-Type"].startswith("application/x-www-form-urlencoded"),
           "request token answered form-encoded")
    request_token = dict(urllib.parse.parse_qsl(r.text))
    expect({"oauth_token", "oauth_token_secret", "oauth_expires_at"} <= set(request_token),
           "request token has oauth_token, oauth_token_secret, oauth_expires_at")

    r = requests.put(f"{auth_url}/OS-OAUTH1/authorize/{request_token['oauth_token']}",
                     headers=json_headers, json={"roles": [{"name": "reader"}]})
    expect(r.status_code == 200, f"request token authorized ({r.status_code} {r.text})")
    verifier = r.json()["token"]["oauth_verifier"]

    client = oauth1.Client(consumer["id"], client_secret=consumer["secret"],
                           resource_owner_key=request_token["oauth_token"],
                           resource_owner_secret=request_token["oauth_token_secret"],
                           signature_method=oauth1.SIGNATURE_HMAC, verifier=verifier)
    url, headers, _ = client.sign(f"{auth_url}/OS-OAUTH1/access_token", http_method="POST")
    r = requests.post(url, headers=headers)
    expect(r.status_code == 201, f"access token ({r.status_code} {r.text})")
    access = dict(urllib.parse.parse_qsl(r.text))

    # keystoneauth's OAuth1 plugin: the delegated token.
    plugin = ks_oauth1.V3OAuth1(auth_url=auth_url, consumer_key=consumer["id"],
                                consumer_secret=consumer["secret"],
                                access_key=access["oauth_token"],
                                access_secret=access["oauth_token_secret"])
    delegated = ks_session.Session(auth=plugin)
    info = plugin.get_access(delegated)
    expect(info.project_id == project_id, "delegated token is scoped to the project")
    expect(info.role_names == ["reader"], f"delegated token holds the roles ({info.role_names})")
    methods = info._data["token"]["methods"]
    expect(methods == ["oauth1"], f"methods are oauth1 ({methods})")
    expect(info.oauth_access_token_id == access["oauth_token"], "OS-OAUTH1 access_token_id")
    expect(info.oauth_consumer_id == consumer["id"], "OS-OAUTH1 consumer_id")
    delegated_token = info.auth_token

    tokens_url = f"{auth_url}/users/{user_id}/OS-OAUTH1/access_tokens"
    r = requests.get(tokens_url, headers=json_headers)
    listed = [t for t in r.json().get("access_tokens", [])]
    expect(r.status_code == 200 and any(t["id"] == access["oauth_token"]
                                         and t["consumer_id"] == consumer["id"]
                                         and t["project_id"] == project_id for t in listed),
           "the user's access tokens list it")
    r = requests.get(f"{tokens_url}/{access['oauth_token']}/roles", headers=json_headers)
    expect([x["name"] for x in r.json()["roles"]] == ["reader"], "its roles")

    r = requests.delete(f"{tokens_url}/{access['oauth_token']}", headers=json_headers)
    expect(r.status_code == 204, "access token deleted")
    r = requests.get(f"{auth_url}/auth/tokens",
                     headers={**json_headers, "X-Subject-Token": delegated_token})
    expect(r.status_code == 404, f"its delegated token is revoked ({r.status_code})")
    print("oauth1 flow: all steps passed")


if __name__ == "__main__":
    main()
