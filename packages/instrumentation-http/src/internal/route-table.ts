import { ROUTE_KEY } from '../config.ts';

interface PatternRoute<T> {
  readonly method: string | undefined;
  readonly pattern: RegExp;
  readonly value: T;
}

const ANY = '*';

/**
 * Route keys compiled once: exact paths are one Map lookup per request (by method, then for any
 * method); keys with `:name` segments or a final `*` are regexes tried in config order after that.
 */
export class RouteTable<T> {
  private readonly exact = new Map<string, T>();
  private readonly patterns: PatternRoute<T>[] = [];

  constructor(entries: Iterable<readonly [string, T]>) {
    for (const [key, value] of entries) {
      const parsed = ROUTE_KEY.exec(key);
      if (parsed === null) continue;
      const method = parsed[1];
      const path = parsed[2] as string;
      if (!path.includes('/:') && !path.endsWith('*')) {
        this.exact.set(`${method ?? ANY} ${path}`, value);
        continue;
      }
      const source = path
        .split('/')
        .map((segment, i, all) => {
          if (segment.startsWith(':')) return '[^/]+';
          if (segment === '*' && i === all.length - 1) return '.*';
          return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/');
      this.patterns.push({ method, pattern: new RegExp(`^${source}$`), value });
    }
  }

  match(method: string | undefined, url: string | undefined): T | undefined {
    const path = pathOf(url);
    const found = this.exact.get(`${method} ${path}`) ?? this.exact.get(`${ANY} ${path}`);
    if (found !== undefined || this.patterns.length === 0) return found;
    for (const route of this.patterns) {
      if ((route.method === undefined || route.method === method) && route.pattern.test(path))
        return route.value;
    }
    return undefined;
  }
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
