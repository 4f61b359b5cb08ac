/**
 * The node flags the service runs with (the Dockerfile's ENTRYPOINT, `npm run cordon`). A bench
 * that times a daemon starts it the same way: bench:watched gives them to its loader process,
 * and `npm run bench:replay` starts node with them (the pipeline runs in the bench's process).
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=64'] as const;

/** For a bench's header: whether this process runs with the service's flags. */
export function daemonFlagsLine(): string {
  const missing = DAEMON_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
  return missing.length === 0
    ? `node flags as the service's: ${DAEMON_NODE_FLAGS.join(' ')}`
    : `node flags NOT as the service's (missing ${missing.join(' ')}: start it with npm run)`;
}
