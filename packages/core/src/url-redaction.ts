/**
 * A URL as it may be printed: user info, query and fragment each replaced by `***`
 * (`https://***@loki:3100/push?***`). Credentials in a URL are what a config error or a diagnostic
 * about that URL must not show: `user:password@`, or `?token=`/`?api_key=` in the query. Scheme,
 * host, port and path stay, so the message still says which endpoint it is about.
 *
 * Text that does not start like a URL (`scheme://`) is returned unchanged. Linear in the text: one
 * anchored pattern without nested repetition.
 */
export function redactUrl(text: string): string {
  const match = urlParts.exec(text);
  if (match === null) return text;
  const [, scheme, userInfo, hostAndPath, query, fragment] = match;
  return `${scheme}${userInfo === undefined ? '' : '***@'}${hostAndPath}${query === undefined ? '' : '?***'}${
    fragment === undefined ? '' : '#***'
  }`;
}

/**
 * scheme `://`, then an authority whose last `@` ends the user info (as WHATWG URL parsing reads
 * it), then host and path up to `?` or `#`, then the query and the fragment.
 */
const urlParts = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?([^?#]*)(\?[^#]*)?(#.*)?$/s;
