import t from 'tap';
import { JwtVerifier, rolesOf } from '../../../../http/photonranch/jwt-verifier.js';
import { AUDIENCE, ISSUER, ROLES_CLAIM, testIdp } from '../../../helpers/photonranch-keys.js';

t.test('roles come from the configured claim, a list or an object with a roles list', async (t) => {
  t.same(rolesOf(['admin', 'observer']), ['admin', 'observer']);
  t.same(rolesOf({ roles: ['observer', 3] }), ['observer']);
  t.same(rolesOf('admin'), [], 'a string is not a list of roles');
  t.same(rolesOf(undefined), []);
});

t.test('admin is a role named exactly admin, not a substring of the roles', async (t) => {
  const idp = await testIdp();
  t.teardown(() => idp.close());
  const verifier = await JwtVerifier.create({
    jwks: idp.files.jwks,
    audience: AUDIENCE,
    issuer: ISSUER,
    rolesClaim: ROLES_CLAIM,
  });
  const caller = async (roles: unknown) => verifier.verify(`Bearer ${await idp.sign({ [ROLES_CLAIM]: roles })}`);
  t.match(await caller({ roles: ['admin'] }), { admin: true, subject: 'auth0|ana', roles: ['admin'] });
  t.match(await caller({ roles: ['administrator', 'sysadmin', 'not-admin'] }), { admin: false });
  t.match(await caller(['observer']), { admin: false, roles: ['observer'] });
  const custom = await JwtVerifier.create({
    jwks: idp.files.jwks,
    audience: AUDIENCE,
    issuer: ISSUER,
    rolesClaim: 'roles',
  });
  t.match(await custom.verify(`Bearer ${await idp.sign({ roles: ['admin'] })}`), { admin: true }, 'a configured claim');
});
