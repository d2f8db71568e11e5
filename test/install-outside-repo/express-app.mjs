// A user's Express service, as the README's Install section sets it up: the one-line
// instrumentation, the file exporter, nothing from the predlog repository. Run by
// install-outside-repo.test.ts inside a fresh npm app: `node express-app.mjs <log directory>`.
import { once } from 'node:events';
import { createPredictionLogger } from '@predlog/core';
import { fileExporterFactory } from '@predlog/exporter-file';
import { predlogExpress } from '@predlog/instrumentation-express';
import express from 'express';

const directory = process.argv[2];
const logger = await createPredictionLogger({
  config: {
    exporters: { file: { directory } },
    pipelines: { predictions: { exporters: ['file'] } },
  },
  components: [fileExporterFactory],
});

const app = express();
const predlog = predlogExpress({ logger, routes: { 'POST /predict': { model: 'fraud', version: '1.2.0' } } });
app.use(predlog);
app.use(express.json());
app.post('/predict', (req, res) => {
  const score = Math.min(1, req.body.amount / 1000);
  res.json({ prediction: score > 0.5 ? 'fraud' : 'legit', score });
});
app.use(predlog.errorHandler);

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address();
const amounts = [120, 870, 40];
for (const [i, amount] of amounts.entries()) {
  const response = await fetch(`http://127.0.0.1:${port}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': `install-req-${i}` },
    body: JSON.stringify({ amount }),
  });
  if (response.status !== 200) throw new Error(`POST /predict answered ${response.status}`);
}
server.close();
await logger.shutdown();
console.log(JSON.stringify({ node: process.version, stats: logger.stats() }));
