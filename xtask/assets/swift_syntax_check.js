// Swift syntax check with tree-sitter-swift (no Swift toolchain runs on Linux here).
//
// Usage: node swift_syntax_check.js <node_modules with tree-sitter + tree-sitter-swift> FILE...
// Prints one line per file and, for a file that does not parse, the first error positions.
// Exits 1 if any file has an ERROR or MISSING node.
//
// The grammar misreads a few constructs that are valid Swift; they are blanked out first
// (replaced by spaces of the same length, so line:column positions stay true):
//   - `@_documentation(visibility: ...)` attributes, which uniffi puts on internal helpers,
//     together with the `#if swift(>=5.8)` ... `#endif` around them (the grammar rejects an
//     attribute-only conditional block inside a type body);
//   - the `(unsafe)` of `nonisolated(unsafe)`;
//   - the `()` of a closure whose body is just the empty tuple, `{ () }` (uniffi's
//     `let writeReturn = { () }` for callback methods returning nothing): the grammar takes
//     `()` for a parameter list and wants `in`. `{ }` is the same closure.
'use strict';

const path = require('path');

const { checkFiles } = require(path.join(__dirname, 'syntax_check_common.js'));

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error('usage: node swift_syntax_check.js <node_modules dir> FILE...');
  process.exit(2);
}
const Parser = require(path.resolve(modules, 'tree-sitter'));
const Swift = require(path.resolve(modules, 'tree-sitter-swift'));
const parser = new Parser();
parser.setLanguage(Swift);

function blank(text) {
  return text.replace(/[^\n]/g, ' ');
}

function normalise(source) {
  return source
    .replace(/#if\s+swift\([^)\n]*\)\s*@_documentation\s*\([^)]*\)\s*#endif/g, blank)
    .replace(/@_documentation\s*\([^)]*\)/g, blank)
    .replace(/\bnonisolated\s*\(\s*unsafe\s*\)/g, (m) => 'nonisolated' + blank(m.slice(11)))
    .replace(/\{\s*\(\s*\)\s*\}/g, (m) => '{' + blank(m.slice(1, -1)) + '}');
}

const failed = checkFiles(parser, files, normalise);
console.log(`swift syntax: ${files.length - failed} of ${files.length} file(s) parse`);
process.exit(failed === 0 ? 0 : 1);
