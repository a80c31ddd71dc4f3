// A real OpenID Connect provider for the test suite, shaped like FranceConnect v2: the "identité
// pivot" claims, acr "eidas1", a `sub` that differs per service provider (pairwise), a signed
// (JWT) userinfo, PKCE required. Started by tests/oidc/fixtures.py; never used in production.
//
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI[,REDIRECT_URI…] [POST_LOGOUT_REDIRECT_URI]
//
// Test users (login / password "motdepasse"), in users.json.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUris, logoutUri] = process.argv.slice(2);
if (!port || !clientId || !clientSecret || !redirectUris) {
  console.error('usage: node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI [POST_LOGOUT_REDIRECT_URI]');
  process.exit(2);
}
const users = JSON.parse(readFileSync(new URL('./users.json', import.meta.url), 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

const CLAIMS = ['given_name', 'family_name', 'birthdate', 'birthplace', 'birthcountry', 'gender',
  'preferred_username', 'email'];

const page = (body) => `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur d'identité de test</title></head><body><main>${body}</main></body></html>`;
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris.split(","),
    post_logout_redirect_uris: logoutUri ? [logoutUri] : [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
    userinfo_signed_response_alg: 'RS256',
    subject_type: 'pairwise',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-cookie-key-not-for-production'] },
  // FranceConnect's scopes are its claims' names, one scope per claim.
  scopes: ['openid', ...CLAIMS],
  claims: Object.fromEntries([['openid', ['sub']], ...CLAIMS.map((c) => [c, [c]])]),
  acrValues: ['eidas1'],
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: async (ctx, accountId, client) => createHash('sha256')
    .update(`${client.sectorIdentifier}:${accountId}:test-pairwise-salt`).digest('hex'),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    // Pages of our own, in French and with no outside resource (the defaults load web fonts).
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page(`<h1>Se déconnecter du fournisseur d'identité de test</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button>`);
      },
      postLogoutSuccessSource: async (ctx) => { ctx.body = page('<h1>Vous êtes déconnecté.</h1>'); },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page(`<h1>Erreur</h1><p>${escape(out.error)} : ${escape(out.error_description || '')}</p>`);
  },
  findAccount: async (ctx, id) => (users[id] ? {
    accountId: id,
    claims: async () => {
      const { password, ...claims } = users[id];
      return { sub: id, ...claims };
    },
  } : undefined),
  ttl: { Session: 600, Interaction: 600, Grant: 600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
});

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return Object.fromEntries(new URLSearchParams(raw));
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (req.method === 'POST') {
    const form = await readForm(req);
    const user = users[form.login];
    if (!user || user.password !== form.password) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(loginForm(uid, 'Identifiant ou mot de passe incorrect.')));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: form.login, acr: 'eidas1' } },
      { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name === 'login') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(loginForm(uid)));
    return;
  }
  // Consent: FranceConnect shows the claims it will share; the test provider grants what was asked.
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } },
    { mergeWithLastSubmission: true });
}

function loginForm(uid, error = '') {
  return `<h1>Fournisseur d'identité de test</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Identifiant</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Mot de passe</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Se connecter</button></form>`;
}

const callback = provider.callback();
http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`interaction error: ${err.message}`);
    });
  } else {
    callback(req, res);
  }
}).listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
