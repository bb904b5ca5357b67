// Exec halt hook of test clusters: one line "<action> <height>" per run appended to the file named by
// argv[2], so runs can be counted (test/harness invariants).
import { appendFileSync } from 'node:fs';

appendFileSync(process.argv[2], `${process.env.PAUSENET_ACTION} ${process.env.PAUSENET_HEIGHT}\n`);
