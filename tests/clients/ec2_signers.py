"""Signs requests with an EC2 credential the way real S3 and EC2 clients do, and hands what
they signed to iam-groups as the services in front of them would. Started by
tests/api/ec2_credentials.rs with a JSON object on standard input:

    {"url": "http://127.0.0.1:PORT", "access": ..., "secret": ...,
     "user_id": ..., "project_id": ...}

- botocore's SigV4 signer (`botocore.auth.S3SigV4Auth`, what boto3 uses for S3) signs a GET
  of an object; as Swift's s3api does, the string to sign and the signature go to
  `/v3/s3tokens`, and the token must be the credential's owner's on its project. botocore's
  SigV2 S3 signer (`HmacV1Auth`) the same way. A tampered signature is refused with 401.
- botocore's `SigV4Auth` for EC2, and python-keystoneclient's `Ec2Signer` (which Keystone
  itself verifies with) for signature version 2, give their parts to `/v3/ec2tokens`, as
  nova's ec2-api does; the token is in X-Subject-Token.

Every result is checked; any mismatch raises, so the exit status tells the outcome.
"""

import base64
import datetime
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import botocore
from botocore.auth import HmacV1Auth, S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from keystoneclient.contrib.ec2.utils import Ec2Signer


def post(url, body):
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"{}")


def check(condition, why):
    if not condition:
        raise SystemExit(f"ec2_signers: {why}")


def check_token(what, status, body, cfg):
    check(status == 200, f"{what}: status {status}: {body}")
    token = body["token"]
    check(token["user"]["id"] == cfg["user_id"], f"{what}: token user {token['user']}")
    check(token["project"]["id"] == cfg["project_id"], f"{what}: project {token['project']}")
    check(token["methods"] == ["ec2credential"], f"{what}: methods {token['methods']}")
    check(token["roles"], f"{what}: the token has roles")


def s3_sigv4(cfg, creds):
    """A GET of an object signed by S3SigV4Auth; the server side rebuilds the string to
    sign from the request it received, as s3api does, and forwards it."""
    request = AWSRequest(
        method="GET", url="http://s3.example.com:8080/bucket/object.txt",
        headers={"Range": "bytes=0-9"},
    )
    signer = S3SigV4Auth(creds, "s3", "RegionOne")
    # What s3api rebuilds from the request it received is what the signer signed: kept
    # as the signer makes it (recomputing it afterwards would sign the new headers too).
    signed = []
    make = signer.string_to_sign
    signer.string_to_sign = lambda req, canonical: signed.append(make(req, canonical)) or signed[-1]
    signer.add_auth(request)
    auth = request.headers["Authorization"]
    check(auth.startswith("AWS4-HMAC-SHA256 "), f"botocore signed with {auth}")
    signature = auth.rsplit("Signature=", 1)[1]
    return signed[-1], signature


def s3_sigv2(creds):
    request = AWSRequest(method="GET", url="http://s3.example.com/bucket/object.txt")
    request.headers["Date"] = "Tue, 27 Mar 2007 19:36:42 +0000"
    signer = HmacV1Auth(creds)
    signer.add_auth(request)
    signature = request.headers["Authorization"].split(":", 1)[1]
    split = urllib.parse.urlsplit(request.url)
    string_to_sign = signer.canonical_string("GET", split, request.headers)
    return string_to_sign, signature


def s3tokens(cfg, access, string_to_sign, signature):
    token = base64.urlsafe_b64encode(string_to_sign.encode()).decode()
    body = {"credentials": {"access": access, "token": token, "signature": signature}}
    return post(cfg["url"] + "/v3/s3tokens", body)


def tampered(signature):
    flip = "0" if signature[0] != "0" else "1"
    return flip + signature[1:]


def main():
    cfg = json.load(sys.stdin)
    creds = Credentials(cfg["access"], cfg["secret"])
    done = []

    sts, sig = s3_sigv4(cfg, creds)
    status, _, body = s3tokens(cfg, cfg["access"], sts, sig)
    check_token("s3tokens (S3SigV4Auth)", status, body, cfg)
    status, _, body = s3tokens(cfg, cfg["access"], sts, tampered(sig))
    check(status == 401, f"a tampered SigV4 signature is refused: {status} {body}")
    check(body["error"]["code"] == 401, f"Keystone's error shape: {body}")
    status, _, body = s3tokens(cfg, "not-an-access", sts, sig)
    check(status == 401, f"an unknown access is refused: {status} {body}")
    done.append("s3tokens SigV4")

    sts, sig = s3_sigv2(creds)
    status, _, body = s3tokens(cfg, cfg["access"], sts, sig)
    check_token("s3tokens (HmacV1Auth)", status, body, cfg)
    status, _, _ = s3tokens(cfg, cfg["access"], sts + "x", sig)
    check(status == 401, "another string to sign is refused")
    done.append("s3tokens SigV2")

    # EC2 API, SigV4 by botocore: the parts as ec2-api forwards them.
    form = {"Action": "DescribeInstances", "Version": "2016-11-15"}
    request = AWSRequest(method="GET", url="http://ec2.example.com:8788/", params=form)
    SigV4Auth(creds, "ec2", "RegionOne").add_auth(request)
    prepared = request.prepare()
    headers = {k: v for k, v in prepared.headers.items()}
    headers["Host"] = "ec2.example.com:8788"
    signature = headers["Authorization"].rsplit("Signature=", 1)[1]
    parts = {
        "access": cfg["access"], "signature": signature, "host": "ec2.example.com:8788",
        "verb": "GET", "path": "/", "params": form, "headers": headers,
        "body_hash": hashlib.sha256(b"").hexdigest(),
    }
    status, resp_headers, body = post(cfg["url"] + "/v3/ec2tokens", {"credentials": parts})
    check_token("ec2tokens (SigV4Auth)", status, body, cfg)
    check(resp_headers.get("X-Subject-Token"), "ec2tokens answers X-Subject-Token")
    check(body["token"].get("catalog"), "ec2tokens' token has the catalog")
    parts["signature"] = tampered(signature)
    status, _, body = post(cfg["url"] + "/v3/ec2tokens", {"credentials": parts})
    check(status == 401, f"a tampered ec2 SigV4 signature is refused: {status} {body}")
    done.append("ec2tokens SigV4")

    # EC2 API, signature version 2 by keystoneclient's Ec2Signer (Keystone's own checker).
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {
        "Action": "DescribeRegions", "AWSAccessKeyId": cfg["access"],
        "SignatureVersion": "2", "SignatureMethod": "HmacSHA256", "Timestamp": now,
    }
    parts = {"access": cfg["access"], "host": "ec2.example.com:8773", "verb": "GET",
             "path": "/services/Cloud", "params": dict(params), "headers": {},
             "body_hash": ""}
    parts["signature"] = Ec2Signer(cfg["secret"]).generate(json.loads(json.dumps(parts)))
    status, _, body = post(cfg["url"] + "/v3/ec2tokens", {"credentials": parts})
    check_token("ec2tokens (Ec2Signer v2)", status, body, cfg)
    parts["params"]["Action"] = "TerminateInstances"
    status, _, _ = post(cfg["url"] + "/v3/ec2tokens", {"credentials": parts})
    check(status == 401, "v2: changed parameters are refused")
    old = dict(params, Timestamp="2001-01-01T00:00:00Z")
    parts = dict(parts, params=old)
    parts["signature"] = Ec2Signer(cfg["secret"]).generate(json.loads(json.dumps(parts)))
    status, _, _ = post(cfg["url"] + "/v3/ec2tokens", {"credentials": parts})
    check(status == 401, "v2: an old timestamp is expired")
    done.append("ec2tokens v2")

    print(f"ec2_signers: OK ({', '.join(done)}; botocore {botocore.__version__})")


if __name__ == "__main__":
    main()
