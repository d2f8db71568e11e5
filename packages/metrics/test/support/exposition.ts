/** One sample line of the Prometheus text format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` of each metric family. */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;

/**
 * Parses the text format as Prometheus does (the subset the exporter writes) and fails on what
 * Prometheus would refuse: a malformed line, a sample of an undeclared family, the same series twice.
 */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type !== null) types.set(type[1] as string, type[2] as string);
      else if (!/^# (HELP|UNIT) \S+/.test(line) && line !== '# no registered metrics')
        throw new Error(`unexpected comment line: ${line}`);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`malformed sample line: ${line}`);
    const labels: Record<string, string> = {};
    const labelText = match[2] ?? '';
    let consumed = 0;
    for (const label of labelText.matchAll(LABEL)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
      consumed += label[0].length;
    }
    if (consumed !== labelText.length) throw new Error(`malformed labels: ${line}`);
    const name = match[1] as string;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(name) && !types.has(family)) throw new Error(`sample before its # TYPE: ${line}`);
    const key = `${name}{${Object.entries(labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
    if (seen.has(key)) throw new Error(`duplicate series: ${key}`);
    seen.add(key);
    const raw = match[3] as string;
    samples.push({ name, labels, value: raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw) });
  }
  return { samples, types };
}

/** The samples of one metric name whose labels include `labels`. */
export function select(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The value of the one sample matching, or a thrown error naming how many matched. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = select(exposition, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return (found[0] as Sample).value;
}

/** A histogram series' buckets as [le, cumulative count] pairs, in order. */
export function bucketsOf(
  exposition: Exposition,
  name: string,
  labels: Record<string, string>,
): Array<[string, number]> {
  return select(exposition, `${name}_bucket`, labels).map((s) => [s.labels.le as string, s.value]);
}
