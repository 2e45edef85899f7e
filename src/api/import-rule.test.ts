/**
 * ARCHITECTURE.md's rule for the partner API: it drops files into the inbox and reads answers, as
 * a partner does over SFTP, so it never imports `pipeline/` or a format's internals, and knows the
 * store, the intake and the format list only as types (the composition root hands it the rest).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const API = path.dirname(new URL(import.meta.url).pathname);
const ALWAYS = ['core/', 'config/', 'security/', 'delivery/', 'fs/', 'data-layout.js', 'log.js'];
const TYPES_ONLY = ['store/', 'intake/', 'formats/types.js'];

interface Import {
  file: string;
  target: string;
  typeOnly: boolean;
}

/** Every import of another part of src/ in the api/ modules, read by TypeScript's own parser. */
function apiImports(): Import[] {
  const files = readdirSync(API).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
  return files.flatMap((file) => {
    const source = ts.createSourceFile(file, readFileSync(path.join(API, file), 'utf8'), ts.ScriptTarget.Latest);
    return source.statements.flatMap((statement) => {
      if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) return [];
      const specifier = statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('../')) return [];
      const typeOnly = ts.isImportDeclaration(statement) ? statement.importClause?.isTypeOnly === true : statement.isTypeOnly;
      return [{ file, target: specifier.text.slice(3), typeOnly }];
    });
  });
}

describe('what the partner API may import', () => {
  it('never pipeline/ or a format, and store/, intake/ and the format list only as types', () => {
    const imports = apiImports();
    expect(imports.length).toBeGreaterThan(0);
    const broken = imports.filter(({ target, typeOnly }) => {
      if (ALWAYS.some((allowed) => target.startsWith(allowed))) return false;
      return !(typeOnly && TYPES_ONLY.some((allowed) => target.startsWith(allowed)));
    });
    expect(broken).toEqual([]);
  });
});
