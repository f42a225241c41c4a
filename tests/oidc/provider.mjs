// A real OpenID Connect provider for the federation tests: panva's certified `oidc-provider`,
// on a loopback port, with one confidential client, users with a `groups` claim, JWT access
// tokens (resource indicators) and a `password` grant (what keystoneauth's v3oidcpassword
// sends). Everything is configured by environment variables, all optional:
//
//   OIDC_PORT           port on 127.0.0.1 (default 0: the system picks one)
//   OIDC_CLIENT_ID      the confidential client (default "iam-groups")
//   OIDC_CLIENT_SECRET  its secret (default "iam-groups-secret")
//   OIDC_REDIRECT_URI   its redirect URI for authorization_code + PKCE
//                       (default http://127.0.0.1/callback)
//   OIDC_OTHER_CLIENT_ID, OIDC_OTHER_CLIENT_SECRET
//                       a second client, whose id tokens carry another audience
//                       (default "other-client" / "other-client-secret")
//   OIDC_RESOURCE       the resource indicator, the `aud` of access tokens
//                       (default "urn:iam-groups")
//   OIDC_USERS          JSON list of {username, password, sub?, email?, groups?}
//                       (default: alice and bob, see DEFAULT_USERS)
//   OIDC_TOKEN_TTL      lifetime of access and id tokens in seconds (default 300)
//
// When listening it prints one line `OIDC-PROVIDER-READY {"issuer": ..., "port": ...}` on
// stdout. It exits when its standard input closes (the test harness dropped it) or on SIGTERM.

import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider, { errors } from 'oidc-provider';

const env = process.env;
const clientId = env.OIDC_CLIENT_ID || 'iam-groups';
const clientSecret = env.OIDC_CLIENT_SECRET || 'iam-groups-secret';
const otherClientId = env.OIDC_OTHER_CLIENT_ID || 'other-client';
const otherClientSecret = env.OIDC_OTHER_CLIENT_SECRET || 'other-client-secret';
const redirectUri = env.OIDC_REDIRECT_URI || 'http://127.0.0.1/callback';
const resource = env.OIDC_RESOURCE || 'urn:iam-groups';
const ttl = Number(env.OIDC_TOKEN_TTL || 300);
if (!Number.isInteger(ttl) || ttl <= 0) {
  throw new Error(`OIDC_TOKEN_TTL must be a positive integer, not ${env.OIDC_TOKEN_TTL}`);
}

const DEFAULT_USERS = [
  {
    username: 'alice', password: 'alice-password', sub: 'alice-sub',
    email: 'alice@example.test', groups: ['developers', 'admins'],
  },
  {
    username: 'bob', password: 'bob-password', sub: 'bob-sub',
    email: 'bob@example.test', groups: ['readers'],
  },
];
const users = (env.OIDC_USERS ? JSON.parse(env.OIDC_USERS) : DEFAULT_USERS).map((u) => ({
  sub: u.sub || `${u.username}-sub`,
  email: u.email || `${u.username}@example.test`,
  groups: u.groups || [],
  ...u,
}));

const SCOPES = 'openid profile email groups';

function findUser(id) {
  return users.find((u) => u.sub === id || u.username === id);
}

// The claims a user's tokens carry: the same in id tokens, userinfo and access tokens.
function userClaims(user) {
  return {
    sub: user.sub,
    preferred_username: user.username,
    email: user.email,
    email_verified: true,
    groups: user.groups,
  };
}

function account(user) {
  return {
    accountId: user.sub,
    async claims() {
      return userClaims(user);
    },
  };
}

// Signing keys made at each start: an RSA key (RS256, the default for id tokens) and an EC
// P-256 key, each with its own kid, so a verifier must pick the key by kid.
function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const stamp = randomBytes(6).toString('hex');
  return {
    keys: [
      { ...rsa, kid: `rsa-${stamp}`, use: 'sig', alg: 'RS256' },
      { ...ec, kid: `ec-${stamp}`, use: 'sig', alg: 'ES256' },
    ],
  };
}

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(env.OIDC_PORT || 0), '127.0.0.1', resolve);
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const resourceServer = {
  scope: SCOPES,
  audience: resource,
  accessTokenFormat: 'jwt',
  accessTokenTTL: ttl,
  jwt: { sign: { alg: 'RS256' } },
};

const provider = new Provider(issuer, {
  jwks: signingKeys(),
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['authorization_code', 'client_credentials', 'password'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES,
    },
    {
      client_id: otherClientId,
      client_secret: otherClientSecret,
      // Signed with the EC key, so both key types are exercised.
      id_token_signed_response_alg: 'ES256',
      grant_types: ['authorization_code', 'client_credentials', 'password'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES,
    },
  ],
  claims: {
    openid: ['sub'],
    profile: ['preferred_username'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  scopes: SCOPES.split(' '),
  // The code flow's id token carries the user's claims too, not only userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  ttl: {
    AccessToken: ttl,
    IdToken: ttl,
    ClientCredentials: ttl,
  },
  features: {
    clientCredentials: { enabled: true },
    // The authorization_code flow's login and consent pages (any user of OIDC_USERS by
    // username or sub), for the console's future "Sign in" button.
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== resource) {
          throw new errors.InvalidTarget(`unknown resource ${indicator}`);
        }
        return resourceServer;
      },
    },
  },
  // JWT access tokens of a user carry the user's claims, so a token alone is enough to map.
  extraTokenClaims: (ctx, token) => {
    const user = token.accountId && findUser(token.accountId);
    return user ? userClaims(user) : undefined;
  },
  findAccount: (ctx, id) => {
    const user = findUser(id);
    return user ? account(user) : undefined;
  },
});

// Resource Owner Password Credentials (RFC 6749 4.3): not in oidc-provider (OAuth 2.1 drops
// it), but keystoneauth's v3oidcpassword uses it. Issues a JWT access token for the resource
// and, with the openid scope, an id token with the same claims.
provider.registerGrantType('password', async (ctx) => {
  const { username, password } = ctx.oidc.params;
  const requested = (ctx.oidc.params.scope || 'openid').split(' ').filter(Boolean);
  if (!username || !password) {
    throw new errors.InvalidRequest('username and password are required');
  }
  const user = users.find((u) => u.username === username);
  if (!user || user.password !== password) {
    throw new errors.InvalidGrant('wrong username or password');
  }
  const allowed = new Set(SCOPES.split(' '));
  const unknown = requested.filter((s) => !allowed.has(s));
  if (unknown.length) {
    throw new errors.InvalidScope(`unknown scope ${unknown.join(' ')}`, unknown.join(' '));
  }
  const scope = requested.join(' ');
  const { client } = ctx.oidc;

  const grant = new provider.Grant({ accountId: user.sub, clientId: client.clientId });
  grant.addOIDCScope(scope);
  grant.addResourceScope(resource, scope);
  const grantId = await grant.save();

  const at = new provider.AccessToken({
    accountId: user.sub,
    client,
    grantId,
    gty: 'password',
    scope,
  });
  at.resourceServer = new provider.ResourceServer(resource, resourceServer);
  ctx.oidc.entity('AccessToken', at);
  const accessToken = await at.save();

  const body = {
    access_token: accessToken,
    expires_in: at.expiration,
    token_type: 'Bearer',
    scope,
  };
  if (requested.includes('openid')) {
    const idToken = new provider.IdToken(userClaims(user), { ctx });
    idToken.scope = scope;
    body.id_token = await idToken.issue({ use: 'idtoken' });
  }
  ctx.body = body;
}, ['username', 'password', 'scope']);

server.on('request', provider.callback());

const stop = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

console.log(`OIDC-PROVIDER-READY ${JSON.stringify({ issuer, port, client_id: clientId, resource })}`);
