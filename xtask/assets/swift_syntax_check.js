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

const fs = require('fs');
const path = require('path');

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error('usage: node swift_syntax_check.js <node_modules dir> FILE...');
  process.exit(2);
}
const Parser = require(path.resolve(modules, 'tree-sitter'));
const Swift = require(path.resolve(modules, 'tree-sitter-swift'));
const parser = new Parser();
parser.setLanguage(Swift);

const MAX_SHOWN = 5;

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

function flag(node, name) {
  const v = node[name];
  return typeof v === 'function' ? v.call(node) : Boolean(v);
}

// Depth-first, only into subtrees that contain an error.
function findErrors(node, out) {
  if (out.length >= MAX_SHOWN) return;
  if (node.type === 'ERROR' || flag(node, 'isMissing')) {
    out.push(node);
    return;
  }
  if (!flag(node, 'hasError')) return;
  for (let i = 0; i < node.childCount; i++) findErrors(node.child(i), out);
}

let failed = 0;
for (const file of files) {
  const source = normalise(fs.readFileSync(file, 'utf8'));
  // A callback input avoids the node binding's size limit on string input (32 KiB).
  const tree = parser.parse((index) => source.slice(index, index + 16384));
  const lines = source.split('\n').length;
  const errors = [];
  findErrors(tree.rootNode, errors);
  if (errors.length === 0 && !flag(tree.rootNode, 'hasError')) {
    console.log(`ok   ${file} (${lines} lines)`);
    continue;
  }
  failed++;
  console.log(`FAIL ${file} (${lines} lines)`);
  const sourceLines = source.split('\n');
  for (const node of errors) {
    const { row, column } = node.startPosition;
    const kind = node.type === 'ERROR' ? 'syntax error' : `missing ${node.type}`;
    console.log(`    ${file}:${row + 1}:${column + 1}: ${kind}`);
    console.log(`        ${(sourceLines[row] || '').trim().slice(0, 160)}`);
  }
}
console.log(`swift syntax: ${files.length - failed} of ${files.length} file(s) parse`);
process.exit(failed === 0 ? 0 : 1);
