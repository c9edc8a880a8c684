import { Ajv, type Options } from 'ajv';
import ajvFormats from 'ajv-formats';
import { UUID_PATTERN } from './uuid-format.js';

/** What an Ajv instance validates; each purpose has its own options (ajv sets them per instance). */
export type AjvPurpose = 'messages' | 'config' | 'http-query' | 'registry' | 'pipeline-data';

const OPTIONS: Readonly<Record<AjvPurpose, Options>> = {
  // allErrors:false stops at the first failure: the hot path pays for one error, and callers
  // report one field anyway. useDefaults fills create-request `data: {}`. allowUnionTypes admits
  // `"type": ["object", "null"]` (history data), clearer in messages than an anyOf.
  messages: { allErrors: false, strict: true, allowUnionTypes: true, useDefaults: true },
  // Only configuration may coerce strings ("8080" → 8080), and only here is every error wanted,
  // so that one start-up failure names every bad key.
  config: { allErrors: true, strict: true, coerceTypes: true, useDefaults: true },
  // The bridge's fastify route schemas (query strings, params): their values arrive as strings
  // and are coerced.
  'http-query': { coerceTypes: true, useDefaults: true, removeAdditional: false, allErrors: false, strict: false },
  // The registry file: every bad key at once, like configuration, but no coercion (YAML has types).
  registry: { allErrors: true, strict: true },
  // A pipeline's create-data schema, written by an operator: an unknown (misspelt) keyword is a
  // registry error rather than a silently ignored rule, but valid JSON Schema that ajv's stricter
  // modes frown upon (`required` without `properties`) is accepted, without console warnings.
  // Every bad field is named; no defaults, since data names the job (its uuid) and must reach the
  // store as it was sent.
  'pipeline-data': {
    allErrors: true,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    useDefaults: false,
    logger: false,
  },
};

/** A new Ajv instance configured for `purpose`, with the `date-time` and `uuid` formats every schema here may use. */
export function createAjv(purpose: AjvPurpose): Ajv {
  const ajv = new Ajv(OPTIONS[purpose]);
  ajvFormats.default(ajv, { formats: ['date-time'] });
  ajv.addFormat('uuid', UUID_PATTERN);
  return ajv;
}
