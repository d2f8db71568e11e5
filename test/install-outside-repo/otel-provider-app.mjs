// A plain OpenTelemetry LoggerProvider app that puts one predlog processor (redaction) in front of
// the stock exporting processor, as processor-redaction's README shows. Prints what was exported.
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { createComponentServices } from '@predlog/core';
import { RedactionProcessor, redactionConfigSchema } from '@predlog/processor-redaction';

const exporter = new InMemoryLogRecordExporter();
const redaction = new RedactionProcessor(
  redactionConfigSchema.parse({ detectors: { email: { action: 'mask' } } }),
  createComponentServices({ id: 'redaction' }),
);
const provider = new LoggerProvider({
  processors: [redaction.pipeTo(new SimpleLogRecordProcessor({ exporter }))],
});
provider.getLogger('checkout').emit({
  eventName: 'ml.prediction',
  attributes: { 'ml.request.id': 'install-otel-1' },
  body: { raw_input: { note: 'refund to jane.doe@example.com please' } },
});
await provider.forceFlush();
const exported = exporter.getFinishedLogRecords().map((record) => ({
  attributes: record.attributes,
  body: record.body,
}));
await provider.shutdown();
console.log(JSON.stringify({ node: process.version, exported }));
