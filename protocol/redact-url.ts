/**
 * Query parameters whose values are secrets: the job token and the sender nonce that callback URLs
 * carry (callback-urls.ts), and the nonce's older spelling.
 */
const SECRET_PARAMS: ReadonlySet<string> = new Set(['token', 'x-nonce', 'nonce']);

/** What {@link redactUrl} may also remove. */
export interface RedactOptions {
  /** Remove the whole query: a connection URL's options may hold credentials of their own. */
  readonly dropQuery?: boolean;
}

/**
 * `url` fit for a message or a log line: without user name and password, the values of secret
 * query parameters replaced by `[redacted]`. Takes an absolute URL (a broker, a database, the
 * bridge) or a request target (`/events?uuid=…&token=…`); a URL that cannot be parsed is not shown.
 */
export function redactUrl(url: string, options: RedactOptions = {}): string {
  const mark = url.indexOf('?');
  const head = withoutCredentials(mark < 0 ? url : url.slice(0, mark));
  if (head === undefined) return '[unparseable url]';
  if (mark < 0 || options.dropQuery === true) return head;
  const params = new URLSearchParams(url.slice(mark + 1));
  let secret = false;
  for (const key of [...params.keys()]) {
    if (!SECRET_PARAMS.has(key.toLowerCase())) continue;
    params.set(key, '[redacted]');
    secret = true;
  }
  return secret ? `${head}?${params.toString()}` : `${head}${url.slice(mark)}`;
}

/** The URL without its user name and password; a request target as it is; undefined when unparseable. */
function withoutCredentials(url: string): string | undefined {
  if (url.startsWith('/')) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
