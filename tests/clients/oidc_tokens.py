"""keystoneauth's OpenID Connect plugins against the test provider (tests/oidc): reads
{discovery, client_id, client_secret, username, password} as JSON on stdin and prints the
access tokens that v3oidcpassword and v3oidcclientcredentials obtain, as JSON, without going
on to Keystone (the federated sign-in route is tested on its own)."""

import json
import sys

from keystoneauth1 import session
from keystoneauth1.identity.v3 import oidc

args = json.load(sys.stdin)
sess = session.Session()
tokens = {}
for name, cls, extra in [
    ("password", oidc.OidcPassword,
     {"username": args["username"], "password": args["password"]}),
    ("client_credentials", oidc.OidcClientCredentials, {}),
]:
    plugin = cls(
        auth_url="http://127.0.0.1:9/v3", identity_provider="idp", protocol="openid",
        client_id=args["client_id"], client_secret=args["client_secret"],
        discovery_endpoint=args["discovery"], **extra)
    # What get_unscoped_auth_ref does before it calls Keystone: the grant type must be in
    # the discovery document, then the token endpoint is asked.
    document = plugin._get_discovery_document(sess)
    assert plugin.grant_type in document["grant_types_supported"], document
    payload = plugin.get_payload(sess)
    payload.setdefault("grant_type", plugin.grant_type)
    tokens[name] = plugin._get_access_token(sess, payload)
print(json.dumps(tokens))
