/**
 * `npm run bench [section…]`: prints figures (speed, memory) for each section. Sections run one
 * after another in this process's children, so that one's memory does not inflate the next's.
 */
import { figuresTable } from './goals.js';
import { sections } from './sections.js';

const wanted = process.argv.slice(2);
const chosen = wanted.length ? sections.filter((section) => wanted.includes(section.name)) : sections;
if (wanted.length && chosen.length !== wanted.length) {
  process.stderr.write(`unknown section; known: ${sections.map((section) => section.name).join(', ')}\n`);
  process.exit(2);
}
for (const section of chosen) {
  process.stdout.write(`\n## ${section.name}: ${section.title}\n\n`);
  await section.run();
}
process.stdout.write(`\n## goals\n\n${figuresTable()}\n`);
