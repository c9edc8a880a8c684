import { MongoServerError } from 'mongodb';

/** True for a unique-index violation (E11000), which MongoDB and FerretDB both report as code 11000. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}
