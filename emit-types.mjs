// Declarations for the package's two Node entry points, so `deploynet` and `deploynet/esbuild`
// are typed for users (package.json "exports" → "types"). esbuild bundles without types and
// `tsc -b` only checks (its .tsbuild/ output is not shipped), so this emits .d.ts files for
// manifest-cli/index.ts and manifest-cli/esbuild-plugin.ts and what they import, into
// dist/types/ (same layout as the sources: dist/types/manifest-cli/index.d.ts). noCheck: `tsc -b`
// is the type check; this is only emit (about 2 s).
import { rmSync } from 'node:fs';
import ts from 'typescript';

export const TYPES_DIR = 'dist/types';
export const TYPED_ENTRIES = ['manifest-cli/index.ts', 'manifest-cli/esbuild-plugin.ts'];

export function emitTypes() {
  rmSync(TYPES_DIR, { recursive: true, force: true });
  const program = ts.createProgram(TYPED_ENTRIES, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    noCheck: true,
    rootDir: '.',
    outDir: TYPES_DIR,
  });
  const { diagnostics, emitSkipped } = program.emit();
  if (emitSkipped || diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    throw new Error(`emitting ${TYPES_DIR} failed:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
}
