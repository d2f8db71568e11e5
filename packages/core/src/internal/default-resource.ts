import os from 'node:os';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { RESOURCE_ATTR } from '@predlog/schema';
import type { Diagnostics } from '../diagnostics.ts';
import { type EnvironmentVariables, resourceFromEnvironment } from '../resource-environment.ts';

/**
 * The resource: predlog's defaults (service.name `unknown_service:node`, host.name, k8s.pod.name),
 * then the OTel environment (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`), then explicit
 * attributes, each over the one before. A `Resource` object is taken as it is. A malformed
 * `OTEL_RESOURCE_ATTRIBUTES` is reported once, without its value, and ignored.
 */
export function resolveResource(
  resource: Resource | Record<string, string> | undefined,
  env: EnvironmentVariables,
  diagnostics: Diagnostics,
): Resource {
  if (resource !== undefined && 'merge' in resource && typeof resource.merge === 'function')
    return resource as Resource;
  const fromEnv = resourceFromEnvironment(env);
  if (fromEnv.problem !== undefined) {
    diagnostics.warnOnce(
      'resource_env_invalid',
      `OTEL_RESOURCE_ATTRIBUTES is ignored: ${fromEnv.problem} (its value is not shown)`,
    );
  }
  const attributes: Record<string, string> = {
    [RESOURCE_ATTR.serviceName]: 'unknown_service:node',
    [RESOURCE_ATTR.hostName]: os.hostname(),
  };
  const pod = env.K8S_POD_NAME ?? env.POD_NAME;
  if (pod) attributes[RESOURCE_ATTR.k8sPodName] = pod;
  return resourceFromAttributes({
    ...attributes,
    ...fromEnv.attributes,
    ...(resource as Record<string, string> | undefined),
  });
}
