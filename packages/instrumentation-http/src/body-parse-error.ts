/**
 * What a body parser's error carries of the request body, removed before anything prints it.
 *
 * A malformed JSON body makes express.json (body-parser) raise an error whose `body` is the raw text,
 * and the framework's default handler prints the whole error to stderr: an e-mail or card number in
 * the body lands in the service's logs, unredacted. V8's `JSON.parse` messages quote the text too
 * (`Unexpected token 'a', "{"email": ann.lee@ex"... is not valid JSON`), and so does every stack
 * that starts with such a message, and fastify's answer to the client that repeats it. The
 * instrumentations' error hooks (express `predlog.errorHandler`, fastify `onError`, which run before
 * the framework's handler) pass each error through {@link scrubBodyParseError} first.
 */

/** Own properties through which parsers hand the raw body along with their error. */
const BODY_FIELDS = ['body', 'rawBody'] as const;
/** V8's position in a JSON.parse message: no text of the input, and worth keeping for debugging. */
const POSITION = / at position \d+(?: \(line \d+ column \d+\))?/;

export const SCRUBBED_MESSAGE = 'request body is not valid JSON (its text is left out of this error)';

/**
 * True when `error` came from parsing a body: a `SyntaxError`, or an error carrying the body
 * (body-parser's `entity.parse.failed` and `entity.verify.failed` do).
 */
export function isBodyParseError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  return error instanceof SyntaxError || BODY_FIELDS.some((field) => Object.hasOwn(error, field));
}

/**
 * Removes the body from a body-parse error, in place, and replaces a `SyntaxError`'s message (and
 * the first line of its stack) with {@link SCRUBBED_MESSAGE} plus V8's position. Every other
 * property (status, type, code, expose) and the error's identity are kept, so the framework's
 * handler and the application's answer it as before. Returns `false` only when the error is a
 * body-parse error that could not be changed (frozen): the caller must then not pass it on as is.
 * Errors in its `cause` chain are scrubbed the same way.
 */
export function scrubBodyParseError(error: unknown): boolean {
  let clean = true;
  // A wrapper's cause may be the parser's error; the chain is followed a few links deep.
  let link: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && link instanceof Error; depth++) {
    if (isBodyParseError(link) && !scrubOne(link)) clean = false;
    link = link.cause;
  }
  return clean;
}

const MAX_CAUSE_DEPTH = 4;

function scrubOne(error: Error): boolean {
  try {
    for (const field of BODY_FIELDS) if (Object.hasOwn(error, field)) delete (error as never)[field];
    if (error instanceof SyntaxError && error.message !== SCRUBBED_MESSAGE) {
      const oldMessage = error.message;
      const oldStack = typeof error.stack === 'string' ? error.stack : '';
      const position = POSITION.exec(oldMessage)?.[0] ?? '';
      const message = `${SCRUBBED_MESSAGE}${position}`;
      const header = `${error.name}: ${oldMessage}`;
      // The frames follow the old message exactly; a stack of another shape keeps no frames, since
      // any line of it could be a line of the quoted body.
      const frames = oldStack.startsWith(header) ? oldStack.slice(header.length) : '';
      error.message = message;
      error.stack = `${error.name}: ${message}${frames}`;
      if (error.message !== message) return false;
    }
    return !BODY_FIELDS.some((field) => Object.hasOwn(error, field));
  } catch {
    return false;
  }
}

/**
 * A stand-in for a body-parse error that could not be scrubbed: the same status, type and code,
 * none of the body.
 */
export function bodyParseErrorStandIn(error: Error): Error {
  const standIn = new SyntaxError(SCRUBBED_MESSAGE);
  const source = error as unknown as Record<string, unknown>;
  for (const key of ['status', 'statusCode', 'expose', 'type', 'code'] as const) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      Object.defineProperty(standIn, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return standIn;
}
