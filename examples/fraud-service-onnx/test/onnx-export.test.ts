import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { generateCustomerProfiles } from '@predlog/example-fraud-service/customer-profiles';
import { FeatureStore } from '@predlog/example-fraud-service/feature-store';
import { computeFeatures, FEATURE_NAMES, featureArray } from '@predlog/example-fraud-service/features';
import { generateTransactions } from '@predlog/example-fraud-service/generate-data';
import { DEFAULT_WEIGHTS_PATH, loadModel, parseModelWeights } from '@predlog/example-fraud-service/model';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildFraudOnnx, DEFAULT_ONNX_PATH, ONNX_INPUT, ONNX_OUTPUT } from '../scripts/export-onnx.ts';

describe('scripts/export-onnx.ts', () => {
  it('reproduces the committed model/fraud.onnx byte for byte from weights.json', async () => {
    const weights = parseModelWeights(JSON.parse(await readFile(DEFAULT_WEIGHTS_PATH, 'utf8')));
    expect(Buffer.from(buildFraudOnnx(weights)).equals(await readFile(DEFAULT_ONNX_PATH))).toBe(true);
  });

  it('scores like the JavaScript model, within 1e-5, on 3,000 generated transactions in one batched run', async () => {
    const profiles = generateCustomerProfiles();
    const store = new FeatureStore(profiles);
    const model = await loadModel();
    const rows = generateTransactions({ seed: 77, rows: 3000, profiles }).map(({ transaction }) =>
      computeFeatures(transaction, store.observe(transaction)),
    );
    const session = await ort.InferenceSession.create(await readFile(DEFAULT_ONNX_PATH));
    expect(session.inputNames).toEqual([ONNX_INPUT]);
    expect(session.outputNames).toEqual([ONNX_OUTPUT]);
    const data = Float32Array.from(rows.flatMap((row) => featureArray(row)));
    const outputs = await session.run({
      [ONNX_INPUT]: new ort.Tensor('float32', data, [rows.length, FEATURE_NAMES.length]),
    });
    const scores = outputs[ONNX_OUTPUT]?.data as Float32Array;
    expect(outputs[ONNX_OUTPUT]?.dims).toEqual([rows.length, 1]);
    let worst = 0;
    rows.forEach((row, i) => {
      worst = Math.max(worst, Math.abs((scores[i] as number) - model.predict(row).score));
    });
    expect(worst).toBeLessThan(1e-5);
    // Not a constant model: the scores spread out as the JavaScript model's do.
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(0.5);
  });

  it('uses onnxruntime-node as installed without its install script: the linux-x64 addon ships in the package', async () => {
    const require = createRequire(import.meta.url);
    const packageDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const napiDirs = (await readdir(path.join(packageDir, 'bin'))).filter((name) =>
      name.startsWith('napi-v'),
    );
    expect(napiDirs.length).toBeGreaterThan(0);
    const files = await readdir(path.join(packageDir, 'bin', napiDirs[0] as string, 'linux', 'x64'));
    expect(files).toEqual(expect.arrayContaining(['onnxruntime_binding.node', 'libonnxruntime.so.1']));
    expect(ort.listSupportedBackends().find((backend) => backend.name === 'cpu')?.bundled).toBe(true);
  });
});
