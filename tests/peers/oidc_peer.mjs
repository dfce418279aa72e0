// A real OpenID Provider for the OAuth 2.0 tests: node oidc-provider (pinned in package.json and
// package-lock.json), served over HTTPS with a certificate the test makes with openssl, plus a
// local stand-in for the Xero-only endpoints that oidc-provider cannot play (GET/DELETE
// /connections, GET /api.xro/2.0/Organisation, Invoices and Contacts), answering in the shapes Xero documents (developer.xero.com/documentation/guides/oauth2/auth-flow,
// 'Check the tenants you're authorized to access', and the Accounting API's error responses).
//
// Usage: node oidc_peer.mjs   (env below). Prints one JSON line {"issuer": ...} once listening.
//   TLS_KEY, TLS_CERT        PEM files for the HTTPS server (required)
//   SIGNING_KEY              PEM file of the RSA key that signs id tokens (required)
//   WEB_SECRET, CC_SECRET    client secrets of the confidential clients
//   REFRESH_GRACE_SECONDS    how long a used refresh token is accepted again (Xero: 1800); 0 = never
//
// Clients: pkce-app (public, PKCE), web-app (confidential, client_secret_basic),
// cc-app (client_credentials), the private_key_jwt clients below (jwt-code on every grant). The native application type lets loopback redirect URIs use any
// port (RFC 8252 section 7.3).
//
// Test-only routes: GET /__stats (how many token requests of each grant type succeeded or
// failed), POST /__xero/ratelimit?n=N&retry_after=S (the next N API calls answer 429).
import https from 'node:https';
import fs from 'node:fs';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

const GRACE = Number(process.env.REFRESH_GRACE_SECONDS || 0);
const consumedAt = new Map();

// Xero accepts a used refresh token again for 30 minutes (developer.xero.com/faq/oauth2);
// oidc-provider treats any reuse as theft. With REFRESH_GRACE_SECONDS this adapter makes a
// consumed refresh token look unconsumed for that long, which is Xero's documented behaviour.
class GraceAdapter extends MemoryAdapter {
  async consume(id) {
    if (this.model === 'RefreshToken' && GRACE > 0) {
      consumedAt.set(id, Date.now());
      return;
    }
    return super.consume(id);
  }

  async find(id) {
    const p = await super.find(id);
    if (p && this.model === 'RefreshToken' && consumedAt.has(id)) {
      const age = (Date.now() - consumedAt.get(id)) / 1000;
      if (age > GRACE) return { ...p, consumed: Math.floor(consumedAt.get(id) / 1000) };
    }
    return p;
  }
}

// The provider's own signing key, made by the test with openssl. Generating it here with
// crypto.generateKeyPairSync, after oidc-provider is loaded, hung Node.js 20 on a futex in
// 4 of 700 starts here, and most likely hung a CI run; reading a key hung in none of 1,100.
const privateKey = crypto.createPrivateKey(fs.readFileSync(process.env.SIGNING_KEY));
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

const server = https.createServer({
  key: fs.readFileSync(process.env.TLS_KEY),
  cert: fs.readFileSync(process.env.TLS_CERT),
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const issuer = `https://127.0.0.1:${server.address().port}`;

const xeroScopes = [
  'accounting.settings', 'accounting.settings.read', 'accounting.contacts', 'accounting.contacts.read',
  'accounting.transactions', 'accounting.transactions.read', 'accounting.invoices', 'accounting.invoices.read',
];
const loopback = ['http://127.0.0.1/callback', 'http://localhost/callback'];

// private_key_jwt clients (RFC 7523), registered with the public halves of keys the test made
// with openssl (JWT_KEYS_DIR): client credentials authenticated by a signed assertion.
const jwtClients = [];
if (process.env.JWT_KEYS_DIR) {
  const jwk = (file, kid) => ({ ...crypto.createPublicKey(fs.readFileSync(`${process.env.JWT_KEYS_DIR}/${file}`)).export({ format: 'jwk' }), kid, use: 'sig' });
  const rsa = jwk('assert-rsa.pub.pem', 'rsa-kid');
  const ec = jwk('assert-ec.pub.pem', 'ec-kid');
  for (const [id, alg, key] of [['jwt-ps256', 'PS256', rsa], ['jwt-rs256', 'RS256', rsa], ['jwt-es256', 'ES256', ec]]) {
    jwtClients.push({
      client_id: id, token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: alg,
      jwks: { keys: [{ ...key, alg }] }, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
      scope: 'accounting.settings.read accounting.contacts.read',
    });
  }
  // Stand-ins for NetSuite machine-to-machine clients: the token endpoint is oidc-provider,
  // with NetSuite's scope names. NetSuite reads the scope inside the assertion; oidc-provider
  // ignores it there, and the test reads it from the stats below.
  for (const [id, alg, key] of [['ns-ps256', 'PS256', rsa], ['ns-es256', 'ES256', ec], ['ns-rs256', 'RS256', rsa]]) {
    jwtClients.push({
      client_id: id, token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: alg,
      jwks: { keys: [{ ...key, alg }] }, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
      scope: 'rest_webservices restlets suite_analytics',
    });
  }
  // A generic OpenID client that authenticates with private_key_jwt on every grant it has:
  // the authorization code (a user signs in), its refresh token, and client credentials.
  jwtClients.push({
    client_id: 'jwt-code', application_type: 'native', token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'PS256', jwks: { keys: [{ ...rsa, alg: 'PS256' }] },
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], response_types: ['code'],
    redirect_uris: loopback, scope: 'openid offline_access email api.read',
  });
  // The client `migrate` sets up: its key is made during the migration, so oidc-provider reads
  // it from a jwks_uri served below from the certificate the test copies in (ns-migrate.cer,
  // with the Certificate ID in ns-migrate.kid).
  jwtClients.push({
    client_id: 'ns-migrate', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'PS256',
    jwks_uri: `${issuer}/__jwks/ns-migrate`, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    scope: 'rest_webservices restlets suite_analytics',
  });
}
const netsuiteScopes = ['rest_webservices', 'restlets', 'suite_analytics'];

// ---- Salesforce: an External Client App's JWT bearer flow and client credentials flow --------
// The login host is this server (its token endpoint also answers at /services/oauth2/token); the
// org's instance, where the REST API is, is a second HTTPS server below. SF_USERS lists the
// pre-authorised usernames; the app's certificate is read from JWT_KEYS_DIR/sf-app.cer at each
// request (the test "uploads" it by copying it there).
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const sfUsers = new Set((process.env.SF_USERS || 'integration@acme.example').split(','));
const SF_CC_SECRET = process.env.SF_CC_SECRET || 'sf-cc-secret';
jwtClients.push(
  { client_id: 'sf-eca', token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER], response_types: [], redirect_uris: [], scope: 'api' },
  { client_id: 'sf-eca-cc', client_secret: SF_CC_SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api' },
);
const sfInstance = https.createServer({ key: fs.readFileSync(process.env.TLS_KEY), cert: fs.readFileSync(process.env.TLS_CERT) });
await new Promise((r) => sfInstance.listen(0, '127.0.0.1', r));
const instanceUrl = `https://127.0.0.1:${sfInstance.address().port}`;
// ---- the bridge's upstream: an OAuth 2.0 API that checks each bearer by introspection ------
// A third HTTPS server. Every request's bearer is introspected at this provider's
// /token/introspection (RFC 7662) as the resource server api-rs; an inactive or missing one is
// refused with 401 and WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 section 3.1).
// An accepted request is answered with what arrived (method, path, query, the tenant header,
// whether any OAuth 1.0a Authorization got through, the body's length and SHA-256) and counted
// (?delay_ms=N answers N ms later, counted in in_flight meanwhile);
// GET /__upstream/stats gives the counts, and the token ids it saw.
const API_RS_SECRET = 'api-rs-secret-6b0f2c9e1d7a';
const upstream = https.createServer({ key: fs.readFileSync(process.env.TLS_KEY), cert: fs.readFileSync(process.env.TLS_CERT) });
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `https://127.0.0.1:${upstream.address().port}`;
const upstreamStats = { accepted: 0, refused: 0, in_flight: 0, tokens: {} };
const sfEnded = new Set(); // tokens whose session the test ended (POST /__sf/end-sessions)
const sfIssued = [];
const sfUserOf = new Map(); // token -> the user its JWT bearer grant named

const provider = new Provider(issuer, {
  adapter: GraceAdapter,
  jwks: { keys: [jwk] },
  clients: [
    {
      client_id: 'pkce-app', application_type: 'native', token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: loopback,
    },
    {
      client_id: 'web-app', client_secret: process.env.WEB_SECRET || 'web-secret', application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: loopback,
    },
    {
      client_id: 'cc-app', client_secret: process.env.CC_SECRET || 'cc-secret',
      token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'],
      response_types: [], redirect_uris: [], scope: 'accounting.settings.read accounting.contacts.read',
    },
    // The bridge's upstream API checks bearers with the introspection endpoint as this
    // resource server (RFC 7662).
    {
      client_id: 'api-rs', client_secret: API_RS_SECRET, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    },
    ...jwtClients,
  ],
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api.read', 'api', ...xeroScopes, ...netsuiteScopes],
  claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: `${sub}@example.com`, name: sub }) }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
  },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  // ns-migrate's jwks_uri is this server itself, on 127.0.0.1, which oidc-provider's guard
  // against server-side request forgery refuses; only that URL is fetched without the guard.
  fetch: (url, options) => {
    if (String(url).startsWith(`${issuer}/__jwks/`)) delete options.dispatcher;
    return fetch(url, options);
  },
  ttl: { AccessToken: 1800, ClientCredentials: 1800, RefreshToken: 60 * 24 * 3600 },
  // Issue refresh tokens to any client that asks for offline_access (Xero does the same).
  issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
});
provider.proxy = false;

// The JWT bearer grant as Salesforce's flow page describes it: the assertion is verified with
// the app's uploaded certificate (RS256), iss is the app's consumer key, aud the login URL
// exactly, exp at most 3 minutes ahead, sub a pre-authorised user. The error descriptions are
// the ones Salesforce is reported to give (see docs/salesforce.md); the stub's own rule (exp
// too far ahead) says so.
provider.registerGrantType(JWT_BEARER, async (ctx) => {
  const refuse = (description) => {
    count(`sf:bearer:refused:${description}`);
    ctx.status = 400;
    ctx.body = { error: 'invalid_grant', error_description: description };
  };
  const jwt = String(ctx.oidc.params.assertion || '');
  let header; let claims;
  try {
    header = jose.decodeProtectedHeader(jwt);
    claims = jose.decodeJwt(jwt);
  } catch { return refuse('invalid assertion'); }
  stats.last_bearer = { header, claims };
  const certFile = `${process.env.JWT_KEYS_DIR || ''}/sf-app.cer`;
  if (!fs.existsSync(certFile)) return refuse('invalid assertion');
  const key = new crypto.X509Certificate(fs.readFileSync(certFile)).publicKey;
  try {
    await jose.jwtVerify(jwt, key, { algorithms: ['RS256'] });
  } catch (e) {
    return refuse(e.code === 'ERR_JWT_EXPIRED' ? 'expired authorization code' : 'invalid assertion');
  }
  if (claims.iss !== ctx.oidc.client.clientId) return refuse('invalid assertion');
  if (claims.aud !== issuer) return refuse('audience is invalid');
  if (typeof claims.exp !== 'number' || claims.exp - Date.now() / 1000 > 180) return refuse('stub rule: exp more than 3 minutes ahead');
  if (!sfUsers.has(claims.sub)) return refuse("user hasn't approved this consumer");
  const token = new provider.ClientCredentials({ client: ctx.oidc.client, scope: 'api' });
  const value = await token.save();
  sfIssued.push(value);
  sfUserOf.set(value, claims.sub);
  count('sf:bearer:ok');
  ctx.body = {
    access_token: value, scope: 'api', instance_url: instanceUrl,
    id: `${issuer}/id/00D000000000001AAA/005000000000001AAA`, token_type: 'Bearer',
  };
}, ['assertion', 'scope']);

const stats = {};
const count = (key) => { stats[key] = (stats[key] || 0) + 1; };
provider.on('grant.success', (ctx) => {
  count(`${ctx.oidc.params.grant_type}:success`);
  // What the last accepted client assertion said (header and claims, decoded after
  // oidc-provider verified it) and whether a scope parameter came with it.
  const jwt = ctx.oidc.params.client_assertion;
  if (jwt) {
    const part = (i) => JSON.parse(Buffer.from(jwt.split('.')[i], 'base64url').toString());
    stats.last_assertion = { header: part(0), claims: part(1), scope_param: ctx.oidc.params.scope ?? null };
  }
});
provider.on('grant.error', (ctx) => count(`${ctx.oidc.params?.grant_type}:error`));
provider.on('revocation.success', () => count('revocation:success'));

// ---- the Xero-only endpoints ----------------------------------------------------------------
const tenants = [
  { id: '1c8a3f0e-7d0b-4d53-9d43-1e6c7f0a0001', tenantId: '70784a63-d24b-46a9-a4db-0e70a274b056', tenantType: 'ORGANISATION', tenantName: 'Opmetrix Demo Ltd' },
  { id: '1c8a3f0e-7d0b-4d53-9d43-1e6c7f0a0002', tenantId: '9a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b', tenantType: 'ORGANISATION', tenantName: 'Maple Florist' },
];
const disconnected = new Set();
let rateLimit = { n: 0, retryAfter: 1 };

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}
const problem = (status, title, detail) => ({ Type: null, Title: title, Status: status, Detail: detail, Instance: crypto.randomUUID(), Extensions: {} });

async function bearer(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  if (!m) return null;
  return (await provider.AccessToken.find(m[1])) || (await provider.ClientCredentials.find(m[1])) || null;
}

async function xero(req, res, url) {
  if (rateLimit.n > 0) {
    rateLimit.n -= 1;
    count('xero:429');
    return send(res, 429, problem(429, 'Too Many Requests', 'MinuteRateLimit'), { 'retry-after': String(rateLimit.retryAfter), 'x-rate-limit-problem': 'minute' });
  }
  const token = await bearer(req);
  if (!token) return send(res, 401, problem(401, 'Unauthorized', 'TokenInvalid'));
  const scopes = new Set(String(token.scope || '').split(' '));
  const mine = tenants.filter((t) => !disconnected.has(t.id));
  if (url.pathname === '/connections' && req.method === 'GET') {
    count('xero:connections');
    return send(res, 200, mine.map((t) => ({ ...t, authEventId: 'd99ecdfe-391d-43d2-b834-17636ba90e8d', createdDateUtc: '2026-11-01T10:00:00.0000000', updatedDateUtc: '2026-11-01T10:00:00.0000000' })));
  }
  const del = /^\/connections\/([0-9a-f-]+)$/.exec(url.pathname);
  if (del && req.method === 'DELETE') {
    count('xero:delete');
    if (!mine.some((t) => t.id === del[1])) return send(res, 404, problem(404, 'Not Found', 'Connection not found'));
    disconnected.add(del[1]);
    res.writeHead(204); return res.end();
  }
  if (url.pathname === '/api.xro/2.0/Organisation' && req.method === 'GET') {
    const tenant = mine.find((t) => t.tenantId === req.headers['xero-tenant-id']);
    // Xero's answer when the xero-tenant-id header is missing or not connected (Xero's auth-flow guide).
    if (!tenant) return send(res, 403, problem(403, 'Forbidden', 'AuthenticationUnsuccessful'));
    // Our guess at Xero's answer to a missing scope (not documented by Xero).
    if (!scopes.has('accounting.settings') && !scopes.has('accounting.settings.read')) {
      return send(res, 401, problem(401, 'Unauthorized', 'AuthorizationUnsuccessful'));
    }
    count('xero:organisation');
    return send(res, 200, {
      Id: crypto.randomUUID(), Status: 'OK', ProviderName: 'oauth1to2 tests', DateTimeUTC: `/Date(${Date.now()})/`,
      Organisations: [{ OrganisationID: tenant.tenantId, Name: tenant.tenantName, LegalName: tenant.tenantName, CountryCode: 'NZ', BaseCurrency: 'NZD', OrganisationType: 'COMPANY', IsDemoCompany: false, OrganisationStatus: 'ACTIVE' }],
    });
  }
  // Reads of Invoices and Contacts, in the Accounting API's envelope (Id, Status, ProviderName,
  // DateTimeUTC and the resource's list), for the scope upgrade's read calls. The scopes that
  // allow each are Xero's (developer.xero.com/documentation/guides/oauth2/scopes), broad or
  // granular; a missing one gets the same 401 as Organisation above (our guess).
  const reads = {
    Invoices: ['accounting.transactions', 'accounting.transactions.read', 'accounting.invoices', 'accounting.invoices.read'],
    Contacts: ['accounting.contacts', 'accounting.contacts.read'],
  };
  const read = /^\/api\.xro\/2\.0\/(Invoices|Contacts)$/.exec(url.pathname);
  if (read && req.method === 'GET') {
    const tenant = mine.find((t) => t.tenantId === req.headers['xero-tenant-id']);
    if (!tenant) return send(res, 403, problem(403, 'Forbidden', 'AuthenticationUnsuccessful'));
    if (!reads[read[1]].some((s) => scopes.has(s))) {
      count(`xero:${read[1].toLowerCase()}:401`);
      return send(res, 401, problem(401, 'Unauthorized', 'AuthorizationUnsuccessful'));
    }
    count(`xero:${read[1].toLowerCase()}`);
    return send(res, 200, { Id: crypto.randomUUID(), Status: 'OK', ProviderName: 'oauth1to2 tests', DateTimeUTC: `/Date(${Date.now()})/`, [read[1]]: [] });
  }
  // Not Xero: a hostile or misconfigured server (a debugging proxy) that echoes the request's
  // Authorization header and the URL in an error in Xero's problem shape, for the redaction tests.
  if (url.pathname === '/api.xro/2.0/EchoTest') {
    return send(res, 400, problem(400, 'Bad Request', `echo: authorization=${req.headers.authorization} url=${req.url}`));
  }
  return send(res, 404, problem(404, 'Not Found', 'The resource you\'re looking for cannot be found'));
}

// ---- the NetSuite-only endpoints: REST record reads with a bearer token ---------------------
// In the shapes NetSuite documents: a record (links, id, fields); a refused token gets
// WWW-Authenticate (subsect_158521885412) and an o:errorDetails body (section_156570709583).
async function netsuite(req, res, url) {
  const token = await bearer(req);
  if (!token) {
    count('netsuite:401');
    return send(res, 401, { type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2', title: 'Unauthorized', status: 401, 'o:errorDetails': [{ detail: 'Invalid login attempt.', 'o:errorCode': 'INVALID_LOGIN' }] },
      { 'www-authenticate': 'Bearer realm="1234567_SB1", error="invalid_token", error_description="Invalid login attempt."' });
  }
  const m = /^\/services\/rest\/record\/v1\/([A-Za-z_]+)$/.exec(url.pathname);
  if (m && req.method === 'GET') {
    count(`netsuite:record:${m[1]}`);
    return send(res, 200, { links: [{ rel: 'self', href: `${issuer}${url.pathname}${url.search}` }], count: 1, hasMore: false, items: [{ links: [], id: '107' }], offset: 0, totalResults: 1 });
  }
  return send(res, 404, { type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5', title: 'Not Found', status: 404, 'o:errorDetails': [{ detail: 'Record type not found.', 'o:errorCode': 'NONEXISTENT_ID' }] });
}

// The org's REST API at the instance URL: GET /services/data (the versions) and
// /services/data/vXX.X/limits with a bearer token; a token the provider does not know, or whose
// session was ended, gets Salesforce's REST error shape (a list of {message, errorCode}).
sfInstance.on('request', async (req, res) => {
  const url = new URL(req.url, instanceUrl);
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const token = m && !sfEnded.has(m[1]) ? await provider.ClientCredentials.find(m[1]) : null;
  if (!token) {
    count('sf:api:401');
    return send(res, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  }
  if (url.pathname === '/services/data' && req.method === 'GET') {
    return send(res, 200, [{ label: "Winter '26", url: '/services/data/v65.0', version: '65.0' }]);
  }
  if (/^\/services\/data\/v\d+\.\d\/limits$/.test(url.pathname) && req.method === 'GET') {
    count('sf:api:limits');
    return send(res, 200, { DailyApiRequests: { Max: 15000, Remaining: 14999 }, user: sfUserOf.get(m[1]) ?? null });
  }
  return send(res, 404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
});

// Salesforce's token path on the login host. A JWT bearer request names the app only by the
// assertion's iss (no client_id, no secret); oidc-provider finds a client by client_id, so the
// body read here gets client_id = iss (unverified: the grant handler verifies the signature).
// A client credentials answer gets instance_url and id, as Salesforce's answers carry them.
async function salesforceToken(req, res, callback) {
  const chunks = []; let size = 0;
  for await (const c of req) { size += c.length; if (size > 65536) return send(res, 413, { error: 'invalid_request' }); chunks.push(c); }
  const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
  if (body.grant_type === JWT_BEARER && !body.client_id) {
    try { body.client_id = String(jose.decodeJwt(body.assertion || '').iss || ''); } catch { body.client_id = ''; }
  }
  req.body = body;
  req.url = '/token';
  if (body.grant_type === 'client_credentials') {
    const end = res.end.bind(res);
    res.end = (chunk, ...rest) => {
      if (res.statusCode === 200 && chunk) {
        const answer = JSON.parse(String(chunk));
        delete answer.expires_in;
        chunk = JSON.stringify({ ...answer, instance_url: instanceUrl, id: `${issuer}/id/00D000000000001AAA/005000000000002AAA` });
        res.setHeader('content-length', Buffer.byteLength(chunk));
      }
      return end(chunk, ...rest);
    };
  }
  return callback(req, res);
}

const callback = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/services/oauth2/token' && req.method === 'POST') {
    return salesforceToken(req, res, callback).catch((e) => send(res, 500, { error: 'server_error', error_description: String(e) }));
  }
  if (url.pathname === '/__sf/preauthorise' && req.method === 'POST') {
    // The admin pre-authorises one more user for the apps.
    sfUsers.add(url.searchParams.get('user'));
    return send(res, 200, { users: [...sfUsers] });
  }
  if (url.pathname === '/__sf/end-sessions' && req.method === 'POST') {
    return (async () => {
      // Ends every session issued so far: the tokens stay known to the provider, and the
      // instance refuses them.
      for (const t of sfIssued) sfEnded.add(t);
      return send(res, 200, { ended: sfEnded.size });
    })();
  }
  if (url.pathname === '/__stats') return send(res, 200, stats);
  if (url.pathname === '/__jwks/ns-migrate') {
    const dir = process.env.JWT_KEYS_DIR || '';
    count('jwks:ns-migrate');
    if (!fs.existsSync(`${dir}/ns-migrate.cer`)) return send(res, 200, { keys: [] }, { 'cache-control': 'no-store' });
    const key = new crypto.X509Certificate(fs.readFileSync(`${dir}/ns-migrate.cer`)).publicKey.export({ format: 'jwk' });
    const kid = fs.readFileSync(`${dir}/ns-migrate.kid`, 'utf8').trim();
    return send(res, 200, { keys: [{ ...key, kid, alg: 'PS256', use: 'sig' }] }, { 'cache-control': 'no-store' });
  }
  if (url.pathname.startsWith('/services/rest/')) {
    return netsuite(req, res, url).catch((e) => send(res, 500, problem(500, 'Error', String(e))));
  }
  if (url.pathname === '/__xero/ratelimit' && req.method === 'POST') {
    rateLimit = { n: Number(url.searchParams.get('n') || 1), retryAfter: Number(url.searchParams.get('retry_after') || 1) };
    return send(res, 200, rateLimit);
  }
  if (url.pathname === '/connections' || url.pathname.startsWith('/connections/') || url.pathname.startsWith('/api.xro/')) {
    return xero(req, res, url).catch((e) => send(res, 500, problem(500, 'Error', String(e))));
  }
  return callback(req, res);
});

upstream.on('request', (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const url = new URL(req.url, upstreamUrl);
      if (url.pathname === '/__upstream/stats') return send(res, 200, upstreamStats);
      const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
      let active = false;
      let clientId = null;
      if (m) {
        const r = await fetch(`${issuer}/token/introspection`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`api-rs:${API_RS_SECRET}`).toString('base64')}`,
          },
          body: new URLSearchParams({ token: m[1] }),
        });
        const v = await r.json();
        active = v.active === true;
        clientId = v.client_id || null;
      }
      if (!active) {
        upstreamStats.refused += 1;
        return send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      }
      upstreamStats.accepted += 1;
      // A path ending in /Redirect answers 302 to another host's URL (the provider's).
      if (url.pathname.endsWith('/Redirect')) {
        res.writeHead(302, { location: `${issuer}/__stats` });
        return res.end();
      }
      // ?delay_ms=N holds the answer back: a request in flight while the bridge stops.
      const delay = Number(url.searchParams.get('delay_ms') || 0);
      if (delay > 0) {
        upstreamStats.in_flight += 1;
        await new Promise((r) => setTimeout(r, Math.min(delay, 10000)));
        upstreamStats.in_flight -= 1;
      }
      const id = crypto.createHash('sha256').update(m[1]).digest('hex').slice(0, 16);
      upstreamStats.tokens[id] = (upstreamStats.tokens[id] || 0) + 1;
      const body = Buffer.concat(chunks);
      return send(res, 200, {
        method: req.method, path: url.pathname, query: url.search, client_id: clientId,
        tenant: req.headers['xero-tenant-id'] || null,
        oauth1_header: /OAuth /i.test(req.headers.authorization || ''),
        content_type: req.headers['content-type'] || null,
        body_length: body.length, body_sha256: crypto.createHash('sha256').update(body).digest('hex'),
        body_text: body.length <= 4096 ? body.toString('utf8') : null,
      });
    } catch (e) {
      return send(res, 500, { error: String(e) });
    }
  });
});

process.stdout.write(`${JSON.stringify({ issuer, sf_instance: instanceUrl, upstream: upstreamUrl })}\n`);
process.on('SIGTERM', () => process.exit(0));
