/** The bench sections, in the order `npm run bench` runs them. Each prints its own figures. */
import { sftpSection } from './sftp.js';
import { delimitedSection } from './delimited.js';

export interface BenchSection {
  name: string;
  title: string;
  run(): Promise<void>;
}

export const sections: BenchSection[] = [sftpSection, delimitedSection];
