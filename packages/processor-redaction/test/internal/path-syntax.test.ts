import { describe, expect, it } from 'vitest';
import { parsePath } from '../../src/internal/path-syntax.ts';

describe('parsePath', () => {
  it.each([
    [
      'raw_input.user.email',
      'body',
      [
        { kind: 'key', key: 'raw_input' },
        { kind: 'key', key: 'user' },
        { kind: 'key', key: 'email' },
      ],
    ],
    [
      'raw_input.**.email',
      'body',
      [{ kind: 'key', key: 'raw_input' }, { kind: 'anyDepth' }, { kind: 'key', key: 'email' }],
    ],
    [
      'raw_input.user.*',
      'body',
      [{ kind: 'key', key: 'raw_input' }, { kind: 'key', key: 'user' }, { kind: 'any' }],
    ],
    ['body', 'body', []],
    ['body.raw_input', 'body', [{ kind: 'key', key: 'raw_input' }]],
    ['body.entity_id', 'body', [{ kind: 'key', key: 'entity_id' }]],
    ['attributes', 'attributes', []],
    ['attributes["ml.entity.id"]', 'attributes', [{ kind: 'key', key: 'ml.entity.id' }]],
    [
      "attributes['app.user'].email",
      'attributes',
      [
        { kind: 'key', key: 'app.user' },
        { kind: 'key', key: 'email' },
      ],
    ],
    ['attributes.*', 'attributes', [{ kind: 'any' }]],
    ['attributes.user_email', 'attributes', [{ kind: 'key', key: 'user_email' }]],
    [
      'raw_input["a.b"]["*"]',
      'body',
      [
        { kind: 'key', key: 'raw_input' },
        { kind: 'key', key: 'a.b' },
        { kind: 'key', key: '*' },
      ],
    ],
    ['**.password', 'body', [{ kind: 'anyDepth' }, { kind: 'key', key: 'password' }]],
  ])('parses %j', (text, root, segments) => {
    expect(parsePath(text)).toEqual({ ok: true, path: { root, segments } });
  });

  it.each([
    ['', /must not be empty/],
    ['raw_input..email', /empty segment/],
    ['raw_input.', /must not end with a dot/],
    ['.raw_input', /empty segment/],
    ['raw_input.em*il', /wildcards must be whole segments/],
    ['raw_input.***', /wildcards must be whole segments/],
    ['raw_input[email]', /quoted key/],
    ['raw_input["email', /unterminated/],
    ['raw_input["a"]b', /expected \. or \[/],
    ['raw_input.a]', /stray \]/],
    [
      'attributes.ml.entity.id',
      /attribute keys contain dots: bracket the key, as in attributes\["ml\.entity\.id"\]/,
    ],
    [
      'request_id',
      /starts with a stored field that comes from an attribute \(.*request_id.*\): write the attribute by its key/,
    ],
    ['sampling_weight', /starts with a stored field that comes from an attribute/],
  ])('refuses %j', (text, message) => {
    const parsed = parsePath(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it('never quotes the path in a message (a path may come from the environment)', () => {
    for (const text of [
      'attributes.secret-segment.x',
      'raw_input.secret-segment[x]',
      'raw_input["secret-segment',
    ]) {
      const parsed = parsePath(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).not.toContain('secret-segment');
    }
  });
});
