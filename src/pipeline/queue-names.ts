/** The pipeline's stages and their BullMQ queues. Only src/pipeline/ knows these names. */
export const STAGES = ['follow', 'extract', 'screen', 'act', 'hook'] as const;
export type Stage = (typeof STAGES)[number];

export const QUEUE = {
  extract: 'cordon-extract',
  screen: 'cordon-screen',
  act: 'cordon-act',
  /** On-call alerts, delivered by the act stage's own workers: holds never wait behind them. */
  alerts: 'cordon-alerts',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export function parseStages(list: string): Stage[] {
  const stages = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of stages) {
    if (!(STAGES as readonly string[]).includes(s)) throw new Error(`unknown stage "${s}" (stages: ${STAGES.join(', ')})`);
  }
  return stages as Stage[];
}
