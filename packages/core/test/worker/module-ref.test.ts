import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModuleRef, resolveModuleRef } from '../../src/worker/module-ref.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const components = path.join(here, 'fixtures/fake-components.ts');

describe('resolveModuleRef', () => {
  it('keeps URLs, and makes absolute paths and relative specifiers file URLs', () => {
    const url = pathToFileURL(components).href;
    expect(resolveModuleRef({ specifier: url, exportName: 'x' }, '/elsewhere')).toEqual({
      specifier: url,
      exportName: 'x',
    });
    expect(resolveModuleRef({ specifier: 'node:os', exportName: 'cpus' }, here).specifier).toBe('node:os');
    expect(resolveModuleRef({ specifier: components, exportName: 'x' }, '/elsewhere').specifier).toBe(url);
    expect(
      resolveModuleRef({ specifier: './fixtures/fake-components.ts', exportName: 'x' }, here).specifier,
    ).toBe(url);
    // A file names its directory (a config file, an entry module).
    expect(
      resolveModuleRef(
        { specifier: './fake-components.ts', exportName: 'x' },
        path.join(here, 'fixtures/predlog.yaml'),
      ).specifier,
    ).toBe(url);
    expect(
      resolveModuleRef(
        { specifier: './fixtures/fake-components.ts', exportName: 'x' },
        new URL('.', import.meta.url),
      ).specifier,
    ).toBe(url);
  });

  it('resolves a bare specifier as a package installed where it is resolved from', () => {
    const { specifier } = resolveModuleRef({ specifier: 'zod', exportName: 'z' }, here);
    expect(specifier).toMatch(/^file:\/\/.*zod/);
  });
});

describe('loadModuleRef', () => {
  it('returns the named export, and names the ref when the export is missing', async () => {
    const specifier = pathToFileURL(components).href;
    await expect(loadModuleRef({ specifier, exportName: 'echoExporterFactory' })).resolves.toEqual({
      kind: 'exporter',
      type: 'echo',
    });
    await expect(loadModuleRef({ specifier, exportName: 'nope' })).rejects.toThrow(
      `component module ${specifier}#nope: the module has no export "nope"`,
    );
  });
});
