// A CommonJS user: require() of predlog's ESM-only packages (Node's require(esm), unflagged since
// 22.12), next to the CommonJS build of the OTel SDK that require() of @opentelemetry/sdk-logs gives.
// `node require-app.cjs <package>...` also require()s each package named and counts its exports.
const {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} = require('@opentelemetry/sdk-logs');
const { createComponentServices, createPredictionLogger } = require('@predlog/core');
const { fileExporterFactory } = require('@predlog/exporter-file');
const { RedactionProcessor, redactionConfigSchema } = require('@predlog/processor-redaction');

const exporter = new InMemoryLogRecordExporter();
const redaction = new RedactionProcessor(
  redactionConfigSchema.parse({ detectors: { email: { action: 'mask' } } }),
  createComponentServices({ id: 'redaction' }),
);
const provider = new LoggerProvider({
  processors: [redaction.pipeTo(new SimpleLogRecordProcessor({ exporter }))],
});
provider.getLogger('checkout').emit({ body: { note: 'mail jane.doe@example.com' } });
const exportCounts = {};
for (const name of process.argv.slice(2)) exportCounts[name] = Object.keys(require(name)).length;
provider.forceFlush().then(() => {
  const [record] = exporter.getFinishedLogRecords();
  console.log(
    JSON.stringify({
      createPredictionLogger: typeof createPredictionLogger,
      file: fileExporterFactory.type,
      exportedNote: record?.body.note,
      exportCounts,
    }),
  );
});
