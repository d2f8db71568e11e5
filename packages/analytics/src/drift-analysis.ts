import { baselineWindows } from './baseline-window.ts';
import type { AnalyticsConfig } from './config.ts';
import type { DistributionProfile } from './distribution-profile.ts';
import { compareProfiles, type DriftReport } from './drift.ts';
import { emptyReadStats, type LogSelection, type ReadStats } from './log-selection.ts';
import { profileCollector, profilePredictions, readBaselineFile } from './profile-reader.ts';

/** A baseline file (profile, daily stats or records), or the first `days` UTC days of the logs. */
export type BaselineSource =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'days'; readonly days: number };

export interface DriftOptions {
  /** The current window. With a `days` baseline and no `since`, it starts where the baseline ends. */
  readonly selection: LogSelection;
  readonly baseline: BaselineSource;
  readonly config: AnalyticsConfig;
}

export interface DriftAnalysis {
  report: DriftReport;
  baselineProfile: DistributionProfile;
  currentProfile: DistributionProfile;
  /**
   * The baseline's window when it came from the logs: `text` as printed, `how` it was chosen
   * (`first 7 days`, or `auto: history is 1 day` when the history was too short for the days asked).
   */
  baselineWindow: { since: string; until: string; text: string; how: string; auto: boolean } | null;
  currentWindow: { since: string | null; until: string | null };
  logs: ReadStats;
}

/**
 * Profiles the baseline and the current window (one streaming pass each) and compares them: PSI
 * and KS per feature, for the score and the prediction, and the positive-rate z-test.
 */
export async function analyseDrift(options: DriftOptions): Promise<DriftAnalysis> {
  const { config } = options;
  const logs = emptyReadStats();
  let baselineProfile: DistributionProfile;
  let baselineWindow: DriftAnalysis['baselineWindow'] = null;
  let current = options.selection;
  if (options.baseline.kind === 'file') {
    baselineProfile = (await readBaselineFile(options.baseline.file, config)).profile;
  } else {
    const windows = await baselineWindows(options.selection, options.baseline.days);
    if (windows === undefined) {
      baselineProfile = profileCollector(config).profile;
    } else {
      baselineProfile = await profilePredictions(windows.baseline, config, logs);
      baselineWindow = {
        since: windows.baseline.since?.toISOString() ?? '',
        until: windows.baseline.until?.toISOString() ?? '',
        text: windows.text,
        how: windows.how,
        auto: windows.auto,
      };
      current = windows.current;
    }
  }
  const currentProfile = await profilePredictions(current, config, logs);
  return {
    report: compareProfiles(baselineProfile, currentProfile, config.drift),
    baselineProfile,
    currentProfile,
    baselineWindow,
    currentWindow: {
      since: current.since?.toISOString() ?? null,
      until: current.until?.toISOString() ?? null,
    },
    logs,
  };
}
