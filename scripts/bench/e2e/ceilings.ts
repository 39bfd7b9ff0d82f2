/**
 * Same-run ceilings of the end-to-end benchmark, on the same data, level and
 * thread count as the headline run:
 *   (1) gzip + encoding only on the worker threads (validation off), and
 *   (3) encode-only through the pool (the worker's whole job, defaults):
 *       both push the data set's units through the real pool (createEncodePool,
 *       dist/workers/encode-worker.js, transfer both ways) from this process,
 *       2 × threads units in flight;
 *   (2) consume-only: kafkajs reads the topic and discards (consume-only.ts,
 *       its own process).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { packUnit } from '../../../src/pipeline/pack';
import { createEncodePool } from '../../../src/pool/pool';
import type { EncodeOptions } from '../../../src/pipeline/wire';
import type { DataSet } from './dataset';

export interface CeilingFigures {
  mbPerSecond: number;
  cpuSecPerGb: number;
  seconds: number;
}

export async function poolCeiling(data: DataSet, options: EncodeOptions, threads: number, unitSize = 150): Promise<CeilingFigures> {
  const pool = createEncodePool({ minThreads: threads, maxThreads: threads, maxQueue: 64, maxOldGenerationSizeMb: 512, taskTimeoutMs: 0 });
  // warm the threads up (JIT) on one unit, untimed
  await pool.run({ unitId: -1, topic: 't', partition: 0, ...packUnit(toPackable(data.messages.slice(0, unitSize))), options });
  const units: number[] = [];
  for (let s = 0; s < data.messages.length; s += unitSize) units.push(s);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < units.length) {
      const s = units[next++];
      const packed = packUnit(toPackable(data.messages.slice(s, s + unitSize)));
      await pool.run({ unitId: s, topic: 't', partition: 0, ...packed, options });
    }
  };
  await Promise.all(Array.from({ length: threads * 2 }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  return { mbPerSecond: data.rawBytes / 1e6 / seconds, cpuSecPerGb: (cpu.user + cpu.system) / 1e6 / (data.rawBytes / 1e9), seconds };
}

function toPackable(values: Buffer[]): Array<{ value: Buffer; offset: string; timestamp: string; key: null }> {
  return values.map((value, i) => ({ value, offset: String(i), timestamp: '0', key: null }));
}

export function consumeOnlyCeiling(topic: string, group: string, rawBytes: number): Promise<CeilingFigures & { messages: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'consume-only.js'), topic, group], { timeout: 300_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`consume-only failed: ${err.message}\n${stderr}`));
      const r = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { bytes: number; messages: number; uptimeSec: number; cpuSec: number };
      if (r.bytes !== rawBytes) return reject(new Error(`consume-only read ${r.bytes} bytes, expected ${rawBytes}`));
      resolve({ mbPerSecond: r.bytes / 1e6 / r.uptimeSec, cpuSecPerGb: r.cpuSec / (r.bytes / 1e9), seconds: r.uptimeSec, messages: r.messages });
    });
  });
}
