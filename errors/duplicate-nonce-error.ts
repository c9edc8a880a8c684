/** Thrown by `NonceStore.create` when a nonce with the same id already exists; nothing was changed. */
export class DuplicateNonceError extends Error {
  override readonly name = 'DuplicateNonceError';
  readonly id: string;

  constructor(id: string, options?: { cause?: unknown }) {
    super(`a nonce with id ${id} already exists`, options);
    this.id = id;
  }
}
