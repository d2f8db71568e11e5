import { ComponentRegistry } from '@predlog/core';
import { BUILTIN_COMPONENTS } from '@predlog/register/api';

/** The components `predlog` knows without plugins: the list `@predlog/register` starts apps with. */
export { BUILTIN_COMPONENTS };

export function createBuiltinRegistry(): ComponentRegistry {
  return new ComponentRegistry(BUILTIN_COMPONENTS);
}
