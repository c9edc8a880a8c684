import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import t, { type Test } from 'tap';
import type { JwtOptions } from '../../../../http/photonranch/jwt-verifier.js';
import { startHttpRig, type HttpRig } from '../../../helpers/http-rig.js';
import { AUDIENCE, ISSUER, ROLES_CLAIM, testIdp, type TestIdp } from '../../../helpers/photonranch-keys.js';

const COMMAND = {
  site: 'tst',
  device: 'camera',
  instance: 'camera1',
  action: 'expose',
  user_name: 'Ana',
  user_id: 'auth0|ana',
  optional_params: { count: '1' },
  required_params: { time: '1', image_type: 'light' },
};

const idp: TestIdp = await testIdp();
t.teardown(() => idp.close());

function options(keys: Pick<JwtOptions, 'jwks' | 'cert'>): JwtOptions {
  return { ...keys, audience: AUDIENCE, issuer: ISSUER, rolesClaim: ROLES_CLAIM };
}

async function rig(t: Test, keys: Pick<JwtOptions, 'jwks' | 'cert'>): Promise<HttpRig> {
  const started = await startHttpRig({ manager: true, photonranch: { jwt: options(keys) } });
  t.teardown(() => started.close());
  return started;
}

async function newjob(r: HttpRig, authorization: string | undefined) {
  return r.app.inject({
    method: 'POST',
    url: '/photonranch/newjob',
    headers: authorization === undefined ? {} : { authorization },
    payload: COMMAND,
  });
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

t.test('every bad token is refused 401 with its own code, and nothing is created', async (t) => {
  const r = await rig(t, { jwks: idp.files.jwks });
  const now = Math.floor(Date.now() / 1000);
  const other = await generateKeyPair('RS256');
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'auth0|eve', exp: now + 300 };
  const cases: ReadonlyArray<readonly [string, string | undefined, string]> = [
    ['no Authorization header', undefined, 'jwt_missing'],
    ['not a bearer', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'jwt_missing'],
    ['expired', `Bearer ${await idp.sign({}, { expires: now - 60 })}`, 'jwt_expired'],
    ['not yet valid', `Bearer ${await idp.sign({}, { notBefore: now + 3600 })}`, 'jwt_not_yet_valid'],
    ['wrong audience', `Bearer ${await idp.sign({}, { audience: 'someone-else' })}`, 'jwt_audience'],
    ['wrong issuer', `Bearer ${await idp.sign({}, { issuer: 'https://evil.test/' })}`, 'jwt_issuer'],
    ['signed by another key under our kid', `Bearer ${await idp.sign({}, { key: other.privateKey })}`, 'jwt_signature'],
    ['alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, 'jwt_algorithm'],
    [
      'HS256 with the public key as the secret (key confusion)',
      `Bearer ${await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: idp.kid })
        .sign(new TextEncoder().encode(idp.publicPem))}`,
      'jwt_algorithm',
    ],
    ['a kid not in the JWKS', `Bearer ${await idp.sign({}, { kid: 'unknown-kid' })}`, 'jwt_unknown_key'],
    ['malformed: not three parts', 'Bearer not-a-jwt', 'jwt_malformed'],
    ['malformed: parts that are not JSON', `Bearer abc.def.ghi`, 'jwt_malformed'],
  ];
  for (const [what, authorization, code] of cases) {
    const res = await newjob(r, authorization);
    t.equal(res.statusCode, 401, `${what}: 401`);
    t.match(res.json(), { error: { code } }, `${what}: ${code}`);
  }
  t.same((await r.store.list({})).jobs, [], 'nothing created');
  const good = await newjob(r, `Bearer ${await idp.sign()}`);
  t.equal(good.statusCode, 200, 'the same command with a good token is created');
  t.equal((await r.store.list({})).jobs.length, 1);
});

t.test('keys from a JWKS file, a JWKS URL, an X.509 certificate and a PEM public key', async (t) => {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(idp.jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  const sources: ReadonlyArray<readonly [string, Pick<JwtOptions, 'jwks' | 'cert'>]> = [
    ['JWKS file', { jwks: idp.files.jwks }],
    ['JWKS URL', { jwks: url }],
    ['X.509 certificate', { cert: idp.files.cert }],
    ['PEM public key', { cert: idp.files.spki }],
  ];
  const stranger = await testIdp('test-key-1');
  t.teardown(() => stranger.close());
  for (const [what, keys] of sources) {
    const r = await rig(t, keys);
    const res = await newjob(r, `Bearer ${await idp.sign()}`);
    t.equal(res.statusCode, 200, `${what}: a good token is accepted`);
    t.match(res.json(), { site: 'tst', ulid: /^[0-9A-Z]{26}$/ }, what);
    const forged = await newjob(r, `Bearer ${await stranger.sign()}`);
    t.match(forged.json(), { error: { code: 'jwt_signature' } }, `${what}: another key's token is refused`);
  }
});

t.test('a JWKS URL that cannot be fetched is 503 jwt_keys_unavailable, and nothing is created', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const r = await rig(t, { jwks: `http://127.0.0.1:${port}/jwks.json` });
  const res = await newjob(r, `Bearer ${await idp.sign()}`);
  t.equal(res.statusCode, 503);
  t.match(res.json(), { error: { code: 'jwt_keys_unavailable' } });
  t.same((await r.store.list({})).jobs, []);
});

t.test('without keys configured newjob is 503 jwt_not_configured', async (t) => {
  const r = await startHttpRig({ manager: true });
  t.teardown(() => r.close());
  const res = await newjob(r, `Bearer ${await idp.sign()}`);
  t.equal(res.statusCode, 503);
  t.match(res.json(), { error: { code: 'jwt_not_configured' } });
});

t.test('an unreadable key file stops the app at start with invalid_config', async (t) => {
  await t.rejects(startHttpRig({ photonranch: { jwt: options({ jwks: '/nonexistent/jwks.json' }) } }), {
    code: 'invalid_config',
  });
  await t.rejects(startHttpRig({ photonranch: { jwt: options({ cert: idp.files.jwks }) } }), {
    code: 'invalid_config',
  });
});
