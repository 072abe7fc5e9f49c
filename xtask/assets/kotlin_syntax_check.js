// Kotlin syntax check with tree-sitter-kotlin, for the Kotlin that cannot be compiled on Linux
// here (the Android app and the Android-only code need the Android SDK and Gradle). It only
// proves that every file parses; kotlinc still compiles what it can in the `kotlin` step.
//
// Usage: node kotlin_syntax_check.js <node_modules with tree-sitter + the Kotlin grammar> FILE...
//        node kotlin_syntax_check.js <node_modules> --self-test FIXTURES_DIR
// Prints one line per file and, for a file that does not parse, the first error positions
// (line:column, 1-based). Exits 1 if any file has an ERROR or MISSING node.
//
// --self-test proves the check can fail and that each normalisation is still needed:
//   - every file in FIXTURES_DIR/valid must parse (after normalisation);
//   - every file in FIXTURES_DIR/valid with a `// needs-normalisation` line must NOT parse
//     without it (when a newer grammar parses it, drop the normalisation);
//   - every file in FIXTURES_DIR/broken must fail, first at the position its
//     `// expect-error: LINE:COLUMN` line names (as the pinned grammar reports it).
//
// The grammar misreads a few constructs that are valid Kotlin; they are rewritten first, always
// into text of the same length with the line breaks where they were, so line:column positions
// stay true:
//   - a modifier keyword used as a name at the start of a statement, e.g.
//     `val sealed = ByteArray(n)` then `sealed[0] = FORMAT_VERSION` on the next line: the
//     grammar takes a statement-initial `sealed` (likewise `open`, `final`, `override`,
//     `private`, `inline`, `abstract`, ...) for the modifier of a local declaration and fails
//     on the `[`. The name is rewritten to `_` + the rest (`sealed` -> `_ealed`) where it
//     stands at the start of a line or after `{`, `;`, `->`, `)`, `else` or `do`, and is
//     directly followed by what only a name can be followed by: `[`, `.`, `(`, `?.`, `!!`, an
//     assignment or arithmetic operator, `=`/`==`, or (after blanks and line breaks) the `}`
//     closing its block (a lambda returning the variable). A real modifier is followed by
//     another modifier or a declaration (`sealed class`, `private val`), which stays as is.
//     `suspend` is left out: it is also a modifier of function types, `suspend () -> Unit`.
//   - a class body whose last member ends on the line of its closing `}`, e.g.
//     `sealed interface S { data object A : S }`, `companion object { const val X = 1 }`,
//     `object : Runnable { override fun run() {} }`: the grammar wants a `;` or a line break
//     after every member, also the last (it reports a MISSING `_class_member_semi`). In each
//     class or enum body (enum entries' included) that has an error, the blank before the closing `}` becomes `;`
//     (`{ const val X = 1;}`, valid Kotlin too), when the last member ends on that line. This
//     one works on the parse tree (a regular expression cannot tell a class body from a
//     lambda or a block), so it runs after the first and the file is parsed again.
//
// Known gaps not handled (no Peerlog file needs them): a statement starting with a name
// `get` right after a property, or `by`/`where` right after a declaration, is read as a
// getter / delegation / type constraint; a one-line class body without a blank before its
// `}` (`{val x = 1}`) has no room for the `;`.
'use strict';

const fs = require('fs');
const path = require('path');

const { checkFiles, errorsOf, flag, parse, position } = require(
  path.join(__dirname, 'syntax_check_common.js'),
);

// Modifiers the grammar cannot also read as a name at the start of a statement (each checked
// with `X[0] = 1`, `X = 1`, `X.y()`, `X(1)` and a bare `X`). `data`, `value`, `enum`, `inner`,
// `const`, `operator`, `companion`, `annotation` are read correctly and need nothing.
const MODIFIERS = [
  'abstract', 'crossinline', 'dynamic', 'external', 'final', 'infix', 'inline', 'internal',
  'lateinit', 'noinline', 'open', 'override', 'private', 'protected', 'public', 'sealed',
  'tailrec', 'vararg',
];
const MODIFIER_AS_NAME = new RegExp(
  // where a statement starts
  '(^|[{;)]|->|\\belse\\b|\\bdo\\b)([ \\t]*)' +
    `(${MODIFIERS.join('|')})` +
    // followed by what only a name can be followed by
    // (a `/` only when it does not start a comment: `private // why` + a declaration)
    '(?=[ \\t]*(?:\\[|\\.|\\(|\\?\\.|!!|\\+\\+|--|[-+*%]?=|[-+*%]|/(?![/*]))|\\s*\\})',
  'gm',
);

function modifiersAsNames(source) {
  return source.replace(
    MODIFIER_AS_NAME,
    (_match, before, blanks, word) => before + blanks + '_' + word.slice(1),
  );
}

const CLASS_BODIES = ['class_body', 'enum_class_body'];

/** Offsets of the blanks to turn into `;` before the `}` of one-line class bodies in error. */
function oneLineClassBodyEnds(tree, source) {
  const offsets = [];
  const bodies = tree.rootNode.descendantsOfType(CLASS_BODIES);
  for (const body of bodies) {
    if (!flag(body, 'hasError')) continue;
    const close = body.lastChild;
    if (!close || close.type !== '}' || close.startIndex === 0) continue;
    const blank = close.startIndex - 1;
    if (source[blank] !== ' ' && source[blank] !== '\t') continue;
    const line = source.slice(source.lastIndexOf('\n', blank) + 1, blank).trimEnd();
    if (line === '' || line.endsWith('{') || line.endsWith(';')) continue;
    offsets.push(blank);
  }
  return offsets;
}

/** The source with the normalisations described at the top applied. */
function normalise(parser, original) {
  let source = modifiersAsNames(original);
  // Nested bodies (`class A { companion object { val x = 1 } }`) may need a second round.
  for (let round = 0; round < 5; round++) {
    const offsets = oneLineClassBodyEnds(parse(parser, source), source);
    if (offsets.length === 0) break;
    const chars = source.split('');
    for (const at of offsets) chars[at] = ';';
    source = chars.join('');
  }
  return source;
}

function fixtures(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.kt') || name.endsWith('.kts'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Returns a list of problems; empty when the check and its normalisations behave. */
function selfTest(parser, dir) {
  const problems = [];
  const valid = fixtures(path.join(dir, 'valid'));
  const broken = fixtures(path.join(dir, 'broken'));
  if (valid.length === 0 || broken.length === 0) {
    problems.push(`${dir} needs fixtures in valid/ and in broken/`);
  }
  for (const file of valid) {
    const original = fs.readFileSync(file, 'utf8');
    const errors = errorsOf(parser, normalise(parser, original));
    if (errors.length > 0) {
      problems.push(`${file}: valid Kotlin reported at ${position(errors[0].startPosition)}`);
    }
    if (/^\s*\/\/ needs-normalisation\b/m.test(original) && errorsOf(parser, original).length === 0) {
      problems.push(
        `${file}: parses without normalisation now: remove the normalisation it covers`,
      );
    }
  }
  for (const file of broken) {
    const original = fs.readFileSync(file, 'utf8');
    const expected = /^\s*\/\/ expect-error: (\d+:\d+)\s*$/m.exec(original);
    if (!expected) {
      problems.push(`${file}: no \`// expect-error: LINE:COLUMN\` line`);
      continue;
    }
    const errors = errorsOf(parser, normalise(parser, original));
    if (errors.length === 0) {
      problems.push(`${file}: broken Kotlin was NOT reported (expected an error at ${expected[1]})`);
    } else if (position(errors[0].startPosition) !== expected[1]) {
      problems.push(
        `${file}: first error at ${position(errors[0].startPosition)}, expected ${expected[1]}`,
      );
    }
  }
  console.log(
    `kotlin syntax self-test: ${valid.length} valid and ${broken.length} broken fixture(s), ` +
      `${problems.length} problem(s)`,
  );
  return problems;
}

function main(argv) {
  const [modules, ...rest] = argv;
  const selfTestDir = rest[0] === '--self-test' ? rest[1] : undefined;
  if (!modules || rest.length === 0 || (rest[0] === '--self-test' && !selfTestDir)) {
    console.error('usage: node kotlin_syntax_check.js <node_modules dir> FILE...');
    console.error('       node kotlin_syntax_check.js <node_modules dir> --self-test FIXTURES_DIR');
    return 2;
  }
  const Parser = require(path.resolve(modules, 'tree-sitter'));
  const Kotlin = require(path.resolve(modules, '@tree-sitter-grammars/tree-sitter-kotlin'));
  const parser = new Parser();
  parser.setLanguage(Kotlin);

  if (selfTestDir) {
    const problems = selfTest(parser, selfTestDir);
    for (const p of problems) console.log(`    ${p}`);
    return problems.length === 0 ? 0 : 1;
  }
  const failed = checkFiles(parser, rest, (original) => normalise(parser, original));
  console.log(`kotlin syntax: ${rest.length - failed} of ${rest.length} file(s) parse`);
  return failed === 0 ? 0 : 1;
}

process.exit(main(process.argv.slice(2)));
