import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../src/internal/route-table.ts';

describe('RouteTable', () => {
  const table = new RouteTable([
    ['POST /predict', 'predict'],
    ['/score', 'score-any-method'],
    ['GET /models/:name', 'model'],
    ['/batch/*', 'batch'],
  ]);

  it('matches exact paths by method, ignoring the query string', () => {
    expect(table.match('POST', '/predict')).toBe('predict');
    expect(table.match('POST', '/predict?debug=1')).toBe('predict');
    expect(table.match('GET', '/predict')).toBeUndefined();
    expect(table.match('POST', '/predict/')).toBeUndefined();
    expect(table.match('DELETE', '/score')).toBe('score-any-method');
  });

  it('matches :name segments and a final *', () => {
    expect(table.match('GET', '/models/fraud')).toBe('model');
    expect(table.match('GET', '/models/fraud/extra')).toBeUndefined();
    expect(table.match('POST', '/models/fraud')).toBeUndefined();
    expect(table.match('PUT', '/batch/a/b/c')).toBe('batch');
  });

  it('escapes regex characters in literal segments', () => {
    const dotted = new RouteTable([['/v1.0/:id', 'v1']]);
    expect(dotted.match('GET', '/v1.0/7')).toBe('v1');
    expect(dotted.match('GET', '/v1x0/7')).toBeUndefined();
  });
});
