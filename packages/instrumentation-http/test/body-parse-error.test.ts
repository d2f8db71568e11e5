import { describe, expect, it } from 'vitest';
import {
  bodyParseErrorStandIn,
  isBodyParseError,
  SCRUBBED_MESSAGE,
  scrubBodyParseError,
} from '../src/body-parse-error.ts';

const parseError = (text: string): SyntaxError => {
  try {
    JSON.parse(text);
  } catch (error) {
    return error as SyntaxError;
  }
  throw new Error('parsed');
};

describe('scrubBodyParseError', () => {
  it('drops the body, replaces the quoting message and the stack’s first line, keeps frames and position', () => {
    const error = Object.assign(parseError('{"card": 4111111111111111, "email": ann.lee@example.org}'), {
      body: '{"card": ...}',
      status: 400,
      type: 'entity.parse.failed',
    });
    const frames = (error.stack as string).slice(`SyntaxError: ${error.message}`.length);
    expect(error.message).toContain('ann.lee');
    expect(scrubBodyParseError(error)).toBe(true);
    expect(Object.hasOwn(error, 'body')).toBe(false);
    expect(error.message).toBe(SCRUBBED_MESSAGE);
    expect(error.stack).toBe(`SyntaxError: ${SCRUBBED_MESSAGE}${frames}`);
    expect(frames).toMatch(/\n\s+at /);
    expect(error).toMatchObject({ status: 400, type: 'entity.parse.failed' });
    const positioned = parseError('{"a": 1,}');
    scrubBodyParseError(positioned);
    expect(positioned.message).toMatch(/^request body is not valid JSON .* at position \d+/);
  });

  it('follows the cause chain, and leaves other errors alone', () => {
    const cause = parseError('[ann.lee@example.org]');
    const wrapper = new Error('bad request', { cause });
    const handlerError = new RangeError('amount out of range');
    expect(scrubBodyParseError(wrapper)).toBe(true);
    expect(cause.message).toBe(SCRUBBED_MESSAGE);
    expect(wrapper.message).toBe('bad request');
    expect(isBodyParseError(handlerError)).toBe(false);
    expect(scrubBodyParseError(handlerError)).toBe(true);
    expect(handlerError.message).toBe('amount out of range');
  });

  it('reports an error it cannot change, whose stand-in keeps the status and none of the body', () => {
    const frozen = Object.freeze(
      Object.assign(new Error('cannot parse'), { body: 'secret', statusCode: 400 }),
    );
    expect(scrubBodyParseError(frozen)).toBe(false);
    const standIn = bodyParseErrorStandIn(frozen);
    expect(standIn).toMatchObject({ statusCode: 400, message: SCRUBBED_MESSAGE });
    expect(JSON.stringify(standIn)).not.toContain('secret');
  });
});
