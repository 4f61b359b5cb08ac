import { describe, expect, it } from 'vitest';
import { startHints } from '../../src/demo/redis-check.js';

describe("the demo's hint when Redis does not answer", () => {
  it('starts Redis on the port of the URL that failed, not always on 6379', () => {
    const hints = startHints('redis://127.0.0.1:6390/9').join('\n');
    expect(hints).toMatch(/redis-server --daemonize yes --port 6390 /);
    expect(hints).toMatch(/docker run -d --name redis -p 6390:6379 redis:7/);
    expect(startHints('redis://localhost/0').join('\n')).toMatch(/--port 6379 /);
  });

  it('names a remote host instead of telling to start one locally', () => {
    const hints = startHints('redis://cache.internal:6380/0').join('\n');
    expect(hints).toContain('start the one on cache.internal:6380');
    expect(hints).not.toContain('redis-server');
  });
});
