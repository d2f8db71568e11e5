/**
 * The fraud-scoring service with no prediction-logging set-up of its own: no logger, no
 * instrumentHttpServer, no metrics. Prediction logging comes from outside, in one flag:
 *
 *   PREDLOG_REDACTION_KEY=$(openssl rand -base64 48) PORT=8080 node --import @predlog/register src/plain-server.ts
 *
 * run from examples/fraud-service, where @predlog/register reads ./predlog.yaml: its
 * instrumentation.http section names the route, the rest of it the redaction and the files, as for
 * src/server.ts. The handler (src/app.ts) still annotates the features it computed; without
 * --import those calls do nothing and the service runs unlogged.
 *
 * Prints {"event":"listening","port":N} once listening. On SIGTERM or SIGINT it stops accepting
 * connections and lets the process end once in-flight requests are answered; register has flushed
 * before this handler runs and shuts predlog down as the process ends.
 */
import { createFraudServer } from './app.ts';
import { generateCustomerProfiles } from './customer-profiles.ts';
import { FeatureStore } from './feature-store.ts';
import { loadModel } from './model.ts';

const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write('PORT must be an integer from 0 to 65535\n');
  process.exit(2);
}
const host = process.env.HOST ?? '127.0.0.1';
const model = await loadModel();
const server = createFraudServer({ model, store: new FeatureStore(generateCustomerProfiles()) });

const stop = (): void => {
  server.close();
  server.closeIdleConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: bound, model_version: model.version })}\n`,
  );
});
