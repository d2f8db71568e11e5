import { FEATURE_NAMES, type FeatureVector, featureArray } from '@predlog/example-fraud-service/features';
import type { FraudModel } from '@predlog/example-fraud-service/model';
import type { PredictionRecorder, ShadowConfigInput } from '@predlog/instrumentation-model';
import {
  createInstrumentedSession,
  type InstrumentedSession,
  type TensorSummaries,
} from '@predlog/instrumentation-onnxruntime';
import ort from 'onnxruntime-node';

export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'score';

export interface OnnxScorerOptions {
  /** Path (or bytes) of model/fraud.onnx. */
  readonly model: string | URL | Uint8Array;
  readonly logger: PredictionRecorder;
  /** Scores at or above it are labelled `fraud` (from weights.json). */
  readonly threshold: number;
  /** The JavaScript model run as shadow challenger on a copy of each run's feeds. */
  readonly challenger?: FraudModel;
}

/** A JS model scoring the rows of a copied `features` tensor: the shadow challenger. */
export function jsChallenger(model: FraudModel): ShadowConfigInput {
  return {
    name: model.name,
    version: model.version,
    framework: model.framework,
    timeoutMs: 250,
    predict: (feeds) => {
      const feed = (feeds as Record<string, { dims: number[]; data: Float32Array } | undefined>)[ONNX_INPUT];
      if (feed === undefined || feed.dims[0] !== 1 || feed.dims[1] !== FEATURE_NAMES.length)
        throw new RangeError('the challenger scores one row of 23 features');
      const row = Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, feed.data[j] as number]));
      return model.predict(row as FeatureVector);
    },
  };
}

/**
 * The ONNX fraud model behind onnxruntime-node, instrumented: every run is logged with its 23
 * named features, the score and label, and the SHA-256 of fraud.onnx as the model version.
 */
export class OnnxFraudScorer {
  readonly session: InstrumentedSession;
  readonly threshold: number;

  private constructor(session: InstrumentedSession, threshold: number) {
    this.session = session;
    this.threshold = threshold;
  }

  static async load(options: OnnxScorerOptions): Promise<OnnxFraudScorer> {
    const threshold = options.threshold;
    const session = await createInstrumentedSession(options.model, {
      logger: options.logger,
      name: 'fraud',
      threshold,
      featureNames: [...FEATURE_NAMES],
      extractPrediction: (outputs: TensorSummaries) => {
        const score = outputs[ONNX_OUTPUT]?.values?.[0];
        return typeof score === 'number' ? { score, prediction: score >= threshold ? 'fraud' : 'legit' } : {};
      },
      ...(options.challenger === undefined ? {} : { shadow: jsChallenger(options.challenger) }),
    });
    return new OnnxFraudScorer(session, threshold);
  }

  get version(): string {
    return this.session.predlog.model.version;
  }

  /** Scores one feature vector (float32 inside the model). */
  async score(features: FeatureVector): Promise<{ score: number; label: 'fraud' | 'legit' }> {
    const input = new ort.Tensor('float32', Float32Array.from(featureArray(features)), [
      1,
      FEATURE_NAMES.length,
    ]);
    const outputs = await this.session.run({ [ONNX_INPUT]: input });
    const score = (outputs[ONNX_OUTPUT]?.data as Float32Array | undefined)?.[0] ?? Number.NaN;
    return { score, label: score >= this.threshold ? 'fraud' : 'legit' };
  }
}
