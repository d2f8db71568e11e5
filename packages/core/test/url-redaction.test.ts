import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/url-redaction.ts';

describe('redactUrl', () => {
  it('replaces user info, query and fragment, keeping scheme, host, port and path', () => {
    expect(redactUrl('https://user:pass@host:8443/path/x?token=abc&b=2#f')).toBe(
      'https://***@host:8443/path/x?***#***',
    );
    expect(redactUrl('http://token@host/')).toBe('http://***@host/');
    expect(redactUrl('https://host/path?')).toBe('https://host/path?***');
  });

  it('takes the last @ of the authority as the end of the user info, and none after the host', () => {
    expect(redactUrl('https://a@b:p@w@host/x')).toBe('https://***@host/x');
    expect(redactUrl('https://host/users/a@b.example')).toBe('https://host/users/a@b.example');
  });

  it('leaves text that is not a URL, and a URL with nothing to hide, unchanged', () => {
    for (const text of ['http://loki:3100', 'loki:3100', 'user:pass@host', '', 'not a url ?x=1'])
      expect(redactUrl(text)).toBe(text);
  });

  it('stays linear on long hostile input', () => {
    const hostile = `https://${'@'.repeat(200_000)}${'a'.repeat(200_000)}`;
    expect(redactUrl(hostile)).toBe(`https://***@${'a'.repeat(200_000)}`);
  });
});
