import type { z } from 'zod';
import { UsageError } from '../command.ts';

/** Parses options gathered from flags with a package's config schema; the first refusal is a usage error. */
export function schemaArgument<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${prefix}${issue?.path.join('.') ?? 'option'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
