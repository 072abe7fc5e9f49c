// What the Kotlin and Swift syntax checks share: parse with tree-sitter, find the first
// errors, and print one line per file. Each check brings its own grammar and normalisation.
'use strict';

const fs = require('fs');

const MAX_SHOWN = 5;

function parse(parser, source) {
  // A callback input avoids the node binding's size limit on string input (32 KiB).
  return parser.parse((index) => source.slice(index, index + 16384));
}

/** Fails loudly if a normalisation moved anything (length or line breaks). */
function checkSameShape(file, source, normalised) {
  const breaks = (s) => s.split('').flatMap((c, i) => (c === '\n' ? [i] : [])).join(',');
  if (normalised.length !== source.length || breaks(normalised) !== breaks(source)) {
    throw new Error(`${file}: normalisation changed the length or the line breaks`);
  }
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

function position(point) {
  return `${point.row + 1}:${point.column + 1}`;
}

/** The innermost node holding an error that the node API does not show (a MISSING hidden
 * token such as `_class_member_semi`). */
function innermostWithError(node) {
  for (;;) {
    let next = null;
    for (let i = 0; i < node.childCount && !next; i++) {
      if (flag(node.child(i), 'hasError')) next = node.child(i);
    }
    if (!next) return node;
    node = next;
  }
}

/** The errors of one text: [] when it parses. */
function errorsOf(parser, source) {
  const tree = parse(parser, source);
  const errors = [];
  findErrors(tree.rootNode, errors);
  if (errors.length === 0 && flag(tree.rootNode, 'hasError')) {
    errors.push(innermostWithError(tree.rootNode));
  }
  return errors;
}

/**
 * Parses each file after `normalise(original)` (which must keep the length and the line
 * breaks), prints a line per file (and its errors); returns the failed count.
 */
function checkFiles(parser, files, normalise) {
  let failed = 0;
  for (const file of files) {
    const original = fs.readFileSync(file, 'utf8');
    const source = normalise(original);
    checkSameShape(file, original, source);
    const lines = source.split('\n').length;
    const errors = errorsOf(parser, source);
    if (errors.length === 0) {
      console.log(`ok   ${file} (${lines} lines)`);
      continue;
    }
    failed++;
    console.log(`FAIL ${file} (${lines} lines)`);
    const sourceLines = original.split('\n');
    for (const node of errors) {
      const kind =
        node.type === 'ERROR'
          ? 'syntax error'
          : flag(node, 'isMissing')
            ? `missing ${node.type}`
            : `syntax error in this ${node.type} (a missing token)`;
      const span =
        node.endPosition.row > node.startPosition.row
          ? ` (the parser gave up on the text up to ${position(node.endPosition)})`
          : '';
      console.log(`    ${file}:${position(node.startPosition)}: ${kind}${span}`);
      console.log(`        ${(sourceLines[node.startPosition.row] || '').trim().slice(0, 160)}`);
    }
  }
  return failed;
}

module.exports = { checkFiles, errorsOf, flag, parse, position };
