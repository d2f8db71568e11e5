import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

// `from '…'`, `import '…'`, `import('…')`, `require('…')`: what emitted JS and .d.ts files load.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"\s]+)['"]/g;

/** The package names (`zod`, `@opentelemetry/api`) that the files under `dir` import, sorted. */
export function bareImports(dir: string): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.(js|d\.ts)$/.test(file)) continue;
    const text = readFileSync(path.join(dir, file), 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('/')) continue;
      if (builtinModules.includes(specifier)) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
    }
  }
  return [...names].sort();
}
