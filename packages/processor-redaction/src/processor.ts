import type { AnyValue } from '@opentelemetry/api';
import { BaseProcessor, type ComponentServices, type Diagnostics, type LogRecordLike } from '@predlog/core';
import { ATTR } from '@predlog/schema';
import { DETECTOR_NAMES, type DetectorAction, RESERVED_NAMES, type RedactionConfig } from './config.ts';
import { createRedactionHasher, type RedactionHasher } from './hasher.ts';
import { type CompiledPathMatcher, compilePathMatcher } from './internal/path-matcher.ts';
import { type ParsedPath, parsePath } from './internal/path-syntax.ts';
import { type CompiledRule, REMOVE, RecordWalker } from './internal/record-walker.ts';
import { RedactionMetrics, type RedactionStats } from './internal/redaction-metrics.ts';
import { RedactionTally } from './internal/redaction-tally.ts';
import { ERROR_MARKER, StringScanner, type UserPattern } from './internal/string-scanner.ts';
import type { TextAction } from './internal/text-actions.ts';

/** Attribute listing the rules and detectors that fired on a record (names only). */
export const REDACTION_RULES_ATTRIBUTE = ATTR.redactionRules;

function toParsed(text: string): ParsedPath {
  const parsed = parsePath(text);
  // The config schema has already refused every path that does not parse.
  if (!parsed.ok) throw new Error(`invalid redaction path (${parsed.message})`);
  return parsed.path;
}

function detectorAction(config: DetectorAction): TextAction | undefined {
  switch (config.action) {
    case 'off':
      return undefined;
    case 'mask':
      return { kind: 'mask', keepLastChars: config.keepLastChars, maskChar: config.maskChar };
    case 'replace':
      return { kind: 'replace', with: config.with };
    default:
      return { kind: config.action };
  }
}

function ruleAction(rule: RedactionConfig['rules'][number]): TextAction {
  switch (rule.action) {
    case 'mask':
      return { kind: 'mask', keepLastChars: rule.keepLastChars, maskChar: rule.maskChar };
    case 'truncate':
      return { kind: 'truncate', maxChars: rule.maxChars };
    case 'replace':
      return { kind: 'replace', with: rule.with };
    default:
      return { kind: rule.action };
  }
}

function patternAction(pattern: RedactionConfig['patterns'][number]): TextAction {
  switch (pattern.action) {
    case 'mask':
      return { kind: 'mask', keepLastChars: pattern.keepLastChars, maskChar: pattern.maskChar };
    case 'replace':
      return { kind: 'replace', with: pattern.with };
    default:
      return { kind: pattern.action };
  }
}

/**
 * Masks, hashes or drops personal data in every record before any exporter sees it: path rules,
 * detectors over every string, and an allow-list mode. Runs in the background pipeline and, through
 * `pipeTo`, inside a plain OTel `LoggerProvider`. It never logs a value: diagnostics and metrics
 * carry rule names only. A string whose scan throws is replaced by `[REDACTED:error]`; a record that
 * cannot be redacted at all is dropped (counted as `redaction_failed`), never passed on as it was.
 */
export class RedactionProcessor extends BaseProcessor {
  readonly dropReason = 'redaction_failed';
  private readonly matcher: CompiledPathMatcher;
  private readonly walker: RecordWalker;
  private readonly tally: RedactionTally;
  private readonly metrics: RedactionMetrics;
  private readonly diagnostics: Diagnostics;
  private readonly walkAttributes: boolean;
  private readonly walkBody: boolean;

  constructor(config: RedactionConfig, services: ComponentServices) {
    super(services.id);
    this.diagnostics = services.diagnostics;
    const names = [
      ...config.rules.map((rule) => rule.name),
      ...DETECTOR_NAMES,
      ...config.patterns.map((pattern) => pattern.name),
      ...RESERVED_NAMES,
    ];
    const firstDetector = config.rules.length;
    const reserved = (name: (typeof RESERVED_NAMES)[number]) =>
      firstDetector + DETECTOR_NAMES.length + config.patterns.length + RESERVED_NAMES.indexOf(name);
    this.tally = new RedactionTally(names);
    this.metrics = new RedactionMetrics(services.meter, services.id, names);

    const allowMode = config.mode === 'allowList';
    this.matcher = compilePathMatcher({
      rules: config.rules.map((rule) => toParsed(rule.path)),
      allow: allowMode ? config.allow.map(toParsed) : undefined,
    });
    if (allowMode && config.allow.length === 0) {
      services.diagnostics.warnOnce(
        `redaction.allow_list_empty.${services.id}`,
        `processor ${services.id} is in allow-list mode with an empty allow list: every attribute and body field is dropped`,
      );
    }

    let hasher: RedactionHasher | undefined;
    if (config.activeKey !== undefined) {
      hasher = createRedactionHasher({
        keys: config.keys,
        activeKey: config.activeKey,
        hashHexChars: config.hashHexChars,
      });
    }

    const builtIn = DETECTOR_NAMES.map((name) => detectorAction(config.detectors[name]));
    const patterns: UserPattern[] = config.patterns.map((pattern) => ({
      regex: new RegExp(pattern.regex, `${pattern.flags}g`),
      action: patternAction(pattern),
    }));
    const scanner =
      builtIn.some((action) => action !== undefined) || patterns.length > 0
        ? new StringScanner({
            builtIn,
            patterns,
            hasher,
            maxStringChars: config.maxStringChars,
            tally: this.tally,
            firstName: firstDetector,
            cutName: reserved('max_string_chars'),
            errorName: reserved('error'),
            onError: (stage, errorName) => {
              this.metrics.valueFailed();
              services.diagnostics.warnOnce(
                `redaction.value_failed.${services.id}`,
                `processor ${services.id}: scanning a ${stage} failed (${errorName}); it was replaced by ${ERROR_MARKER} and counted`,
              );
            },
          })
        : undefined;
    const rules: CompiledRule[] = config.rules.map((rule, i) => ({ action: ruleAction(rule), name: i }));
    const visitAll = scanner !== undefined || allowMode;
    this.walker = new RecordWalker({
      rules,
      scanner,
      hasher,
      tally: this.tally,
      maxDepth: config.maxDepth,
      names: {
        allowList: reserved('allow_list'),
        maxDepth: reserved('max_depth'),
        binary: reserved('binary'),
      },
      visitAll,
    });
    // Decided here, so a record costs nothing for a part no rule, detector or allow list can touch.
    this.walkAttributes = visitAll || !this.matcher.attributes.idle;
    this.walkBody = visitAll || !this.matcher.body.idle;
  }

  /** Counts since this processor started (the same as its metrics). */
  stats(): RedactionStats {
    const { stats } = this.metrics;
    return { ...stats, redactions: { ...stats.redactions } };
  }

  process(records: LogRecordLike[]): LogRecordLike[] {
    let kept: LogRecordLike[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as LogRecordLike;
      if (this.redact(record)) {
        kept?.push(record);
      } else {
        kept ??= records.slice(0, i);
      }
    }
    this.metrics.recordsHandled(records.length);
    this.tally.flushBatch((name, count) =>
      this.metrics.redacted(name, this.tally.names[name] as string, count),
    );
    return kept ?? records;
  }

  /** Redacts one record in place; false when it could not be redacted and must be dropped. */
  private redact(record: LogRecordLike): boolean {
    const tally = this.tally;
    try {
      const attributes = record.attributes as Record<string, unknown>;
      if (this.walkAttributes) this.walker.visitAttributes(attributes, this.matcher.attributes);
      const body = record.body;
      if (this.walkBody && body !== undefined) {
        const result = this.walker.visit(body, this.matcher.body, 0);
        if (result !== body) {
          const next = (result === REMOVE ? undefined : result) as AnyValue;
          record.setBody(next);
          // An SDK record made read-only ignores the change: passing it on would leak it.
          if (record.body !== next) throw new Error('the record is read-only');
        }
      }
      const { total, names } = tally.endRecord();
      const previous = attributes[ATTR.redactionCount];
      record.setAttribute(ATTR.redactionCount, (typeof previous === 'number' ? previous : 0) + total);
      if (names !== undefined) {
        const earlier = attributes[REDACTION_RULES_ATTRIBUTE];
        record.setAttribute(
          REDACTION_RULES_ATTRIBUTE,
          Array.isArray(earlier) ? [...new Set([...earlier.map(String), ...names])] : names,
        );
      }
      return true;
    } catch (error) {
      tally.discardRecord();
      this.metrics.recordFailed();
      this.diagnostics.warnOnce(
        `redaction.record_failed.${this.id}`,
        `processor ${this.id} could not redact a record (${error instanceof Error ? error.name : 'non-error'}); it was dropped and counted as redaction_failed`,
      );
      return false;
    }
  }
}
