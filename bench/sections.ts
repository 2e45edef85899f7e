/** The bench sections, in the order `npm run bench` runs them. Each prints its own figures. */
import { apiSection } from './api.js';
import { clusterSection } from './cluster.js';
import { consoleSection } from './console.js';
import { crowdtwistSection } from './crowdtwist.js';
import { delimitedSection } from './delimited.js';
import { loadSection } from './load.js';
import { sftpSection } from './sftp.js';
import { statSection } from './stat.js';

export interface BenchSection {
  name: string;
  title: string;
  run(): Promise<void>;
}

export const sections: BenchSection[] = [sftpSection, crowdtwistSection, delimitedSection, loadSection, consoleSection, apiSection, statSection, clusterSection];
