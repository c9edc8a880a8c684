/** The message of something thrown: an Error's message, else its string form (a log field, an event's reason). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
