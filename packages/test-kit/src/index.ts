export { advanceUntil, type DriveOptions, settle, turn } from './clock-driver.ts';
export {
  type TestServices,
  type TestServicesOptions,
  testServices,
} from './component-services.ts';
export { CountingMeter } from './counting-meter.ts';
export { type Deferred, deferred } from './deferred.ts';
export { eventually, sleep } from './eventually.ts';
export {
  DEFAULT_MONOTONIC_START_MS,
  DEFAULT_START_ISO,
  FakeClock,
  type FakeClockOptions,
} from './fake-clock.ts';
export { type Answer, close, listen, postJson, send } from './http-client.ts';
export { MemoryExporter, memoryExporterFactory } from './memory-exporter.ts';
export { attr, bodyOf, type MemoryLogger, memoryLogger } from './memory-logger.ts';
export {
  type MetricPoint,
  type MetricReaderEnv,
  type MetricReaderEnvOptions,
  metricReaderEnv,
} from './metric-reader-env.ts';
export {
  cardNumber,
  luhnCheckDigit,
  nearMisses,
  type PiiKind,
  type PiiValue,
  piiCorpus,
} from './pii-corpus.ts';
export {
  type CorpusRecord,
  corpusFeedback,
  corpusPredictions,
  corpusRecords,
  declinedPrediction,
  emitCorpusAsAppLogs,
} from './pii-corpus-records.ts';
export {
  falsePositives,
  findLeaks,
  type Haystack,
  type Leak,
  leakForms,
  MAX_FALSE_POSITIVE_RATE,
  nearMissesMissingFromBytes,
} from './pii-leak-search.ts';
export {
  piecesIn,
  prose,
  type StraddleCase,
  straddleCases,
  straddleShifts,
  straddling,
} from './pii-straddle.ts';
export {
  type BatchOptions,
  expectedLine,
  prediction,
  predictionBatch,
  predictionLogRecord,
  predictionResource,
  type RecordOptions,
} from './prediction-records.ts';
export { type Random, seededRandom } from './seeded-random.ts';
export { type TempDir, tempDir } from './temp-dir.ts';
export { installTracing, type SpanIds, traceRequests } from './tracing.ts';
