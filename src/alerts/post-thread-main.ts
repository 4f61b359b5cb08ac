/** The alert sender thread (post-thread.ts): each request is one `postAlert`, answered by id. */
import { parentPort } from 'node:worker_threads';
import { postAlert } from './http.js';
import type { PostAnswer, PostRequest } from './post-thread.js';

const port = parentPort;
if (port === null) throw new Error('post-thread-main runs as a worker thread of the alert dispatcher');
port.on('message', (r: PostRequest) => {
  void postAlert(r.url, r.body, r.opts).then((result) => port.postMessage({ id: r.id, result } satisfies PostAnswer));
});
