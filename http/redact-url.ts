const SECRET_PARAMS: ReadonlySet<string> = new Set(['token', 'x-nonce', 'nonce']);

/** `url` (path and query) with the values of secret query parameters replaced, for log lines. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const params = new URLSearchParams(url.slice(mark + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.has(key.toLowerCase())) params.set(key, '[redacted]');
  return `${url.slice(0, mark)}?${params.toString()}`;
}
