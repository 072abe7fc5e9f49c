// The documents people print and hand in, as a browser shows them: the signed declaration
// copy and the signed yearly overview, opened from disk in Debian's headless Chromium
// (playwright-core; never a browser it downloads). Started by tests/tests/console.rs
// (signed_documents_in_a_browser), which makes the files with the `peerlog` program and
// passes:
//   DECLARATION  the declaration copy (HTML)
//   OVERVIEW     the signed yearly overview (HTML)
//   OUT_DIR      where the screenshots go
import { checks, launch } from "./browser.mjs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const declaration = process.env.DECLARATION;
const overview = process.env.OVERVIEW;
const out = process.env.OUT_DIR;
if (!declaration || !overview || !out) throw new Error("DECLARATION, OVERVIEW and OUT_DIR must be set");

const { failures, check } = checks();
const { context, close } = await launch({ width: 900, height: 1200 });
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => failures.push(`script error: ${e.message}`));
  // A signed copy asks for nothing beyond itself.
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) {
      failures.push(`request from a signed copy: ${r.url()}`);
    }
  });

  await page.goto(pathToFileURL(declaration).href);
  // The numbers a reader sees: each list item's own value, as the browser numbers it.
  const numbers = await page.$$eval("ol > li", (items) => items.map((li) => li.value));
  check(
    JSON.stringify(numbers) === JSON.stringify([1, 2, 3, 4, 5, 6, 7, 8]),
    `the declaration's points are numbered 1 to 8 (${JSON.stringify(numbers)})`,
  );
  const text = await page.innerText("body");
  check(!text.includes("**") && !/(^|\n)#+ /.test(text), "no Markdown is left in the declaration");
  check((await page.$$("ol > li strong")).length >= 8, "each point opens in bold");
  await page.screenshot({ path: join(out, "declaration-copy.png"), fullPage: true });

  await page.goto(pathToFileURL(overview).href);
  const body = await page.innerText("body");
  check(!body.includes("**"), "no Markdown is left in the overview");
  check((await page.$$("table.counted tbody tr")).length >= 1, "the overview lists the counted dates");
  // Printed on A4 as the peer would hand it in.
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: join(out, "yearly-overview.png"), fullPage: true });
  await page.pdf({ path: join(out, "yearly-overview.pdf"), format: "A4" });
} finally {
  await close();
}

if (failures.length > 0) {
  console.error(`${failures.length} check(s) failed:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
