// A real OpenID Connect provider for the tests: panva's oidc-provider (the certified Node.js
// implementation), on loopback, with accounts and a sign-in page the tests drive.
//
// Started by tests/oidc/provider_process.py:   node provider.mjs
// It listens on a free 127.0.0.1 port and prints one line, `READY <issuer>`, when it serves.
//
// Test-only control endpoints (loopback only, never part of a real provider):
//   POST /_test/accounts   {"<login>": {"email", "groups", "amr", "acr", "name"}}  replace all
//   POST /_test/client     {"redirect_uris": [...], "post_logout_redirect_uris": [...]}
//   POST /_test/rotate     sign with a new RSA key from now on (the old one leaves the JWKS)
//   POST /_test/tamper     {"mode": "" | "audience" | "expired" | "nonce" | "unsigned"}
//        The next ID tokens the token endpoint hands out are changed that way: re-signed
//        with the provider's own current key (so only that one thing is wrong), or sent
//        unsigned ("alg": "none"). This is how a misconfigured or hostile provider looks
//        to the app; a correct provider never does it.
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const CLIENT_ID = process.env.OIDC_TEST_CLIENT_ID || 'supportdesk';
const CLIENT_SECRET = process.env.OIDC_TEST_CLIENT_SECRET || 'test-client-secret-not-for-production';

const state = {
  keys: [],
  accounts: {},
  client: { redirect_uris: ['http://testserver/accounts/sso/callback/'], post_logout_redirect_uris: [] },
  tamper: '',
};
let provider;
let issuer;

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, alg: 'RS256', use: 'sig' };
}

function findAccount(ctx, id) {
  const account = state.accounts[id];
  if (!account) return undefined;
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: account.email,
        email_verified: account.email_verified ?? true,
        name: account.name || id,
        preferred_username: id,
        groups: account.groups || [],
      };
    },
  };
}

function build() {
  const p = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...state.client,
    }],
    jwks: { keys: state.keys },
    findAccount,
    claims: {
      // acr and amr with openid: Okta and Entra ID send them in every ID token.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    acrValues: ['urn:test:mfa', 'urn:test:pwd'],
    // Claims in the ID token, as Google, Entra ID and Okta (with a groups claim) send them.
    conformIdTokenClaims: false,
    cookies: { keys: ['cookie-key-for-the-test-provider-only'] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // No confirmation page: the sign-out is confirmed ("yes") and sent at once.
        async logoutSource(ctx, form) {
          const confirmed = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
          ctx.body = `<!DOCTYPE html><html><body>${confirmed}<script>document.forms[0].submit()</script></body></html>`;
        },
      },
    },
    // First-party client: consent is implied, as with an admin-consented app at a company provider.
    async loadExistingGrant(ctx) {
      const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) {
        const found = await ctx.oidc.provider.Grant.find(existing);
        if (found) return found;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile groups');
      grant.addOIDCClaims(['sub', 'acr', 'amr', 'auth_time', 'email', 'email_verified', 'name', 'preferred_username', 'groups']);
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  });
  p.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && state.tamper && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token, state.tamper) };
    }
  });
  return p;
}

async function tamper(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'audience') claims.aud = 'some-other-app';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600, auth_time: now - 7200 });
  if (mode === 'nonce') claims.nonce = 'a-nonce-this-app-never-sent';
  if (mode === 'unsigned') {
    return `${jose.base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${jose.base64url.encode(JSON.stringify(claims))}.`;
  }
  const key = state.keys[0];
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(await jose.importJWK(key, 'RS256'));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><title>Test provider sign-in</title></head><body>
<h1>Test identity provider</h1><p>Client: ${escapeHtml(details.params.client_id)}</p>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="login">Username</label> <input id="login" name="login" autocomplete="off">
<button type="submit">Continue</button></form></body></html>`);
    return;
  }
  const login = new URLSearchParams(await readBody(req)).get('login') || '';
  const account = state.accounts[login];
  const result = account
    ? { login: { accountId: login, amr: account.amr || ['pwd'], acr: account.acr || undefined } }
    : { error: 'access_denied', error_description: 'no such test account' };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function control(req, res, path) {
  const body = JSON.parse((await readBody(req)) || '{}');
  if (path === '/_test/accounts') state.accounts = body;
  else if (path === '/_test/client') state.client = { ...state.client, ...body };
  else if (path === '/_test/rotate') state.keys = [await newKey()];
  else if (path === '/_test/tamper') state.tamper = body.mode || '';
  else { res.writeHead(404); res.end(); return; }
  provider = build();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, kid: state.keys[0].kid }));
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  const handle = async () => {
    if (req.method === 'POST' && path.startsWith('/_test/')) return control(req, res, path);
    if (path === '/favicon.ico') { res.writeHead(204); res.end(); return undefined; }
    const match = path.match(/^\/interaction\/([\w-]+)$/);
    if (match) return interaction(req, res, match[1]);
    return provider.callback()(req, res);
  };
  handle().catch((err) => {
    process.stderr.write(`${err.stack || err}\n`);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err.message || err));
  });
});

// Trying it by hand (README, "Trying it locally"): DEMO_APP_URL=http://127.0.0.1:8000 PORT=9000
// registers that app's callback and a few accounts; sign in with their names, no password.
if (process.env.DEMO_APP_URL) {
  const app = process.env.DEMO_APP_URL.replace(/\/$/, '');
  state.client = { redirect_uris: [`${app}/accounts/sso/callback/`], post_logout_redirect_uris: [`${app}/accounts/login/`] };
  state.accounts = {
    ann: { email: 'ann@example.com', groups: ['support-agents'], amr: ['pwd'] },
    otto: { email: 'otto@example.com', groups: ['support-auditors'], amr: ['pwd', 'otp'] },
    ada: { email: 'ada@example.com', groups: ['support-desk-admins'], amr: ['pwd', 'hwk'] },
    nora: { email: 'nora@example.com', groups: ['marketing'] },
  };
}
state.keys = [await newKey()];
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = build();
  process.stdout.write(`READY ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
