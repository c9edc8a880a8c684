import type { Config } from '../config/config.js';
import type { PhotonRanchOptions } from '../http/photonranch/register-photonranch.js';

/** The Photon Ranch routes' options from the configuration (`PJM_PHOTONRANCH_*`, `PJM_JWT_*`). */
export function photonRanchOptions(config: Readonly<Config>): PhotonRanchOptions {
  const { PJM_JWT_JWKS: jwks, PJM_JWT_CERT: cert, PJM_JWT_AUDIENCE: audience, PJM_JWT_ISSUER: issuer } = config;
  const keyed = (jwks !== undefined || cert !== undefined) && audience !== undefined && issuer !== undefined;
  return {
    prefix: config.PJM_PHOTONRANCH_PREFIX,
    pipeline: config.PJM_PHOTONRANCH_PIPELINE,
    corsOrigins: config.PJM_PHOTONRANCH_CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    ...(keyed && {
      jwt: {
        ...(jwks !== undefined && { jwks }),
        ...(cert !== undefined && { cert }),
        audience,
        issuer,
        rolesClaim: config.PJM_JWT_ROLES_CLAIM,
      },
    }),
  };
}
