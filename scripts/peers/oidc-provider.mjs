// A throwaway OpenID Provider for tests (npm oidc-provider 9, installed by
// scripts/install-tools into PORTUNUS_TOOLS_DIR/oidc-provider).
//   OIDC_PROVIDER_MODULE=.../node_modules/oidc-provider/lib/index.js \
//   PORT=9000 REDIRECT_URI=http://127.0.0.1:8080/api/v1/oidc/callback node oidc-provider.mjs
// One confidential client, test-client / test-secret, PKCE required. Its
// login form accepts any name with any password; the name becomes `sub`
// and `preferred_username`. Groups: alice admins+developers, bob admins,
// carol developers, anyone else users. The address is NAME@example.org,
// verified unless the name starts with "unverified". Claims go into the ID
// token too.
const { default: Provider } = await import(process.env.OIDC_PROVIDER_MODULE);

const port = Number(process.env.PORT || 9000);
const issuer = `http://127.0.0.1:${port}`;
const groups = { alice: ['admins', 'developers'], bob: ['admins'], carol: ['developers'] };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'test-client',
    client_secret: 'test-secret',
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({
      sub,
      email: `${sub}@example.org`,
      email_verified: !sub.startsWith('unverified'),
      name: sub.charAt(0).toUpperCase() + sub.slice(1),
      preferred_username: sub,
      groups: groups[sub] ?? ['users'],
    }),
  }),
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['throwaway-test-key'] },
  // No consent page for the one client: grant what it asks for.
  async loadExistingGrant(ctx) {
    const id = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
});
provider.listen(port, '127.0.0.1', () => console.log(`OpenID Provider at ${issuer}`));
