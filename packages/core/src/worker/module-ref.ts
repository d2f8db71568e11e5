import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where a component (or a worker sink) lives, so a worker thread can load it itself, as pino
 * transports and the Collector's builder do: a module specifier and the name of its export. A
 * factory that knows its own module carries `{ specifier: import.meta.url, exportName: '…' }`.
 */
export interface ComponentModuleRef {
  readonly specifier: string;
  readonly exportName: string;
}

export function describeModuleRef(ref: ComponentModuleRef): string {
  return `${ref.specifier}#${ref.exportName}`;
}

/**
 * The ref with its specifier made absolute (a `file:` URL), on the serving thread, so the worker
 * loads exactly the module the application meant: a relative specifier is taken from `from` (a
 * directory, such as the config file's, or a file), a bare one (`@acme/predlog-exporter`) is
 * resolved as a package from there. Throws an Error that names the ref when it cannot be resolved:
 * a start-up error, never later.
 */
export function resolveModuleRef(ref: ComponentModuleRef, from: string | URL): ComponentModuleRef {
  const { specifier, exportName } = ref;
  if (
    typeof specifier !== 'string' ||
    specifier === '' ||
    typeof exportName !== 'string' ||
    exportName === ''
  ) {
    throw new TypeError('a component module ref needs a specifier and an exportName (non-empty strings)');
  }
  if (/^(file|node|data):/.test(specifier)) return { specifier, exportName };
  if (path.isAbsolute(specifier)) return { specifier: pathToFileURL(specifier).href, exportName };
  const base = baseDirectory(from);
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    return { specifier: pathToFileURL(path.resolve(base, specifier)).href, exportName };
  }
  try {
    const resolved = createRequire(path.join(base, 'noop.js')).resolve(specifier);
    return { specifier: pathToFileURL(resolved).href, exportName };
  } catch {
    throw new Error(`component module ${describeModuleRef(ref)}: cannot resolve "${specifier}" from ${base}`);
  }
}

function baseDirectory(from: string | URL): string {
  const resolved = path.resolve(
    typeof from === 'string' && !from.startsWith('file:') ? from : fileURLToPath(from),
  );
  // A directory is taken as it is; a file (an entry module, a config file) names its directory.
  return statSync(resolved, { throwIfNoEntry: false })?.isDirectory() === true
    ? resolved
    : path.dirname(resolved);
}

/** Imports the module and returns the named export (in the worker). Throws an Error naming the ref. */
export async function loadModuleRef(ref: ComponentModuleRef): Promise<unknown> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(ref.specifier)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `component module ${describeModuleRef(ref)}: could not be loaded (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (!(ref.exportName in namespace) || namespace[ref.exportName] === undefined) {
    throw new Error(
      `component module ${describeModuleRef(ref)}: the module has no export "${ref.exportName}"`,
    );
  }
  return namespace[ref.exportName];
}
