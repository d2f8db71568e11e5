import { type Meter, type MeterProvider, metrics as metricsApi } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { type Clock, type ComponentServices, systemClock } from './contracts.ts';
import { type Diagnostics, DiagnosticsChannel } from './diagnostics.ts';
import { resolveResource } from './internal/default-resource.ts';
import type { EnvironmentVariables } from './resource-environment.ts';

export interface ComponentServicesOptions {
  /** The component's id, `type` or `type/name` as config would write it. Default `component`. */
  readonly id?: string;
  /** Default: core's `DiagnosticsChannel`, which writes to stderr (each `warnOnce` code once). */
  readonly diagnostics?: Diagnostics;
  /** The meter for the component's self-metrics. Default: one from `meterProvider`. */
  readonly meter?: Meter;
  /** Where the default meter comes from. Default: the global MeterProvider of `@opentelemetry/api`. */
  readonly meterProvider?: MeterProvider;
  /** Default `systemClock`. */
  readonly clock?: Clock;
  /**
   * A `Resource` (taken as it is), or attributes merged over predlog's defaults (`service.name`,
   * `host.name`, `k8s.pod.name`) and the OTel environment, as `createPredictionLogger` builds it.
   */
  readonly resource?: Resource | Record<string, string>;
  /** Where relative paths in the component's config resolve. Default: the working directory. */
  readonly baseDir?: string;
  /** Environment the default resource reads. Default `process.env`. */
  readonly env?: EnvironmentVariables;
}

/**
 * The services a component's constructor or `create()` takes, built without the rest of predlog, so
 * any processor or exporter runs inside an application's own `LoggerProvider`. The defaults are the
 * ones `createPredictionLogger` hands its components: the meter is named `@predlog/<id>`, as there.
 */
export function createComponentServices(options: ComponentServicesOptions = {}): ComponentServices {
  const id = options.id ?? 'component';
  const diagnostics = options.diagnostics ?? new DiagnosticsChannel();
  return {
    id,
    diagnostics,
    meter:
      options.meter ?? (options.meterProvider ?? metricsApi.getMeterProvider()).getMeter(`@predlog/${id}`),
    clock: options.clock ?? systemClock,
    resource: resolveResource(options.resource, options.env ?? process.env, diagnostics),
    baseDir: options.baseDir ?? process.cwd(),
  };
}
