// The coordinator's console in a real browser: Debian's headless Chromium driven by
// playwright-core (never a browser it downloads), axe-core on every page, a screenshot of
// each page. Started by tests/tests/console.rs (the_console_in_a_browser), which runs the
// server, the peers and `peerlog coordinator console`, and passes:
//   CONSOLE_URL  the URL the console printed (with its one-time sign-in secret)
//   EXPECT       `coordinator report --format json` for YEAR, from the CLI
//   YEAR         the year of the story
//   OUT_DIR      where screenshots and the downloaded report go
//   DOCS_SCREENSHOT  where the README's screenshot of the Overview is written
import { checks, launch } from "./browser.mjs";
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const url = process.env.CONSOLE_URL;
const expect = JSON.parse(process.env.EXPECT);
const year = process.env.YEAR;
const out = process.env.OUT_DIR;
const docsShot = process.env.DOCS_SCREENSHOT;
if (!url || !out) throw new Error("CONSOLE_URL and OUT_DIR must be set");

const { failures, check } = checks();
const { context, close } = await launch({ width: 1280, height: 900 });
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(15000);

// Anything the page's CSP refused, and any script error, fails the story.
// (A refused form answers 422 on purpose; the browser logs that status as an error.)
page.on("console", (m) => {
  if (m.type() === "error" && !m.text().includes("status of 422")) {
    failures.push(`console error on ${page.url()}: ${m.text()}`);
  }
});
page.on("pageerror", (e) => failures.push(`script error on ${page.url()}: ${e.message}`));
// Nothing but the console itself is ever asked for.
const origin = new URL(url).origin;
page.on("request", (r) => {
  if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) {
    failures.push(`request to another origin: ${r.url()}`);
  }
});

/** axe-core on the page as it is: no serious or critical violation. */
async function axe(name) {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) forbids inline script.
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result.violations) {
    console.log(`  axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
  }
  check(bad.length === 0, `axe: no serious or critical violation on ${name}`);
}

async function shot(name) {
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
}

const number = async (testid) =>
  Number((await page.getByTestId(testid).first().textContent()).trim());

try {
  // Sign in from the printed URL; the secret leaves the address bar.
  await page.goto(url);
  check(!page.url().includes("token"), "the sign-in secret is gone from the address bar");
  const cookies = await context.cookies();
  check(
    cookies.length === 1 && cookies[0].httpOnly && cookies[0].sameSite === "Strict",
    "one session cookie, HttpOnly and SameSite=Strict",
  );

  // Keyboard: the first Tab reaches the skip link.
  await page.keyboard.press("Tab");
  check(
    (await page.evaluate(() => document.activeElement?.textContent)) === "Skip to content",
    "the first Tab reaches “Skip to content”",
  );

  // Overview for the story's year, chosen with the year chooser.
  await page.getByLabel("Year").selectOption(year);
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(`**/?year=${year}`);
  check((await number("activity-days")) === expect.activity_days, "Overview: activity-days as the CLI report");
  for (const cat of ["outreach", "group", "course"]) {
    check(
      (await number(`category-${cat}`)) === expect.by_category[cat],
      `Overview: ${cat} as the CLI report`,
    );
  }
  check(
    (await number("active-with-declaration")) === expect.active_peers_with_declaration,
    "Overview: active peers with a signed declaration as the CLI report",
  );
  check(await page.getByText("2 expenses waiting for a decision").isVisible(), "Overview: expenses waiting");
  // "I need to talk": the open requests first on the Overview, the most urgent on top.
  const debriefs = page.getByTestId("debriefs").locator("tbody tr");
  check((await debriefs.count()) === 2, "Overview: both open requests for a talk");
  check(
    (await debriefs.first().locator("th").textContent()).trim() === "Ola Nordmann",
    "Overview: the request for today comes first",
  );
  check(await page.getByText("After a hard visit").isVisible(), "Overview: the peer's short message");
  await axe("overview");
  await shot("overview");
  if (docsShot) {
    await page.screenshot({ path: docsShot, fullPage: false });
  }

  // Mark Ola's request followed up: only Kari's stays open.
  await debriefs.first().getByRole("button", { name: "Mark as followed up" }).click();
  await page.waitForURL("**/");
  check(
    await page.getByText("Marked as followed up; the peer sees it after both of you sync.").isVisible(),
    "Overview: the request is marked followed up",
  );
  const stillOpen = page.getByTestId("debriefs").locator("tbody tr");
  check(
    (await stillOpen.count()) === 1 &&
      (await stillOpen.first().locator("th").textContent()).trim() === "Kari Nordmann",
    "Overview: only the other request stays open",
  );
  await axe("overview after marking");
  await page.getByLabel("Year").selectOption(year);
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(`**/?year=${year}`);

  // Sync now, with progress, then the page shows the outcome.
  await page.getByRole("button", { name: "Sync now" }).click();
  await page.waitForFunction(() => document.getElementById("sync-status")?.textContent.startsWith("Synced:"));
  check(true, "Sync now finishes and says so");

  // Tablet width: nothing runs off the side.
  await page.setViewportSize({ width: 768, height: 1024 });
  check(
    await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    "Overview fits a tablet's width",
  );
  await shot("overview-tablet");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Peers, and a peer's page.
  await page.getByRole("link", { name: "Peers", exact: true }).click();
  check((await page.getByTestId("peer-row").count()) === 2, "Peers: one row per peer");
  await axe("peers");
  await shot("peers");
  await page.getByRole("link", { name: "Kari Nordmann" }).click();
  await page.getByLabel("Year").selectOption(year);
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(`**year=${year}`);
  check(await page.getByText("Contacts by month").isVisible(), "a peer's contacts by month");
  check(!(await page.content()).includes("PRIVATE-NOTE-MARKER"), "never a private note");
  await axe("peer");
  await shot("peer");

  // Expenses: approve the bus ticket (its receipt shown inline), reject the taxi.
  await page.getByRole("link", { name: "Expenses", exact: true }).click();
  const bus = page.getByTestId("expense").filter({ hasText: "Bus to the hospital" });
  check(
    await bus.locator("img.receipt").evaluate((img) => img.complete && img.naturalWidth > 0),
    "the receipt is shown inline",
  );
  await axe("expenses");
  await shot("expenses");
  await bus.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL("**/expenses");
  const taxi = () => page.getByTestId("expense").filter({ hasText: "Taxi" });
  await taxi().getByRole("button", { name: "Reject" }).click();
  check(await page.getByText("a rejection needs a reason").isVisible(), "a rejection without a reason: the field says why");
  await axe("expenses with a field error");
  await taxi().getByLabel("Reason").fill("Please take the bus");
  await taxi().getByRole("button", { name: "Reject" }).click();
  await page.waitForURL("**/expenses");
  check(await page.getByText("No expenses are waiting.").isVisible(), "both expenses decided");

  // Training: record Kari's course; the Peers page then shows her certified.
  await page.getByRole("link", { name: "Training", exact: true }).click();
  check(await page.getByText("No courses recorded yet.").isVisible(), "Training: no courses yet");
  await axe("training");
  await page.getByLabel("Peers", { exact: true }).selectOption({ label: "Kari Nordmann" });
  await page.getByLabel("Course", { exact: true }).fill("Likepersonskurs");
  await page.getByLabel("Course date").fill(`${year}-02-01`);
  await page.getByRole("button", { name: "Record course" }).click();
  await page.waitForURL("**/training");
  check(
    await page.getByText("Course recorded. The peer sees it after both of you sync.").isVisible(),
    "Training: the course is recorded",
  );
  check(
    (await page.getByTestId("course-row").filter({ hasText: "Kari Nordmann" }).count()) === 1,
    "Training: Kari's course is listed",
  );
  // The chapter's settings: the themes question is on (set with the CLI); flag uncertified.
  const themesBox = page.getByLabel("Ask about recovery themes (CHIME) after each contact");
  check(await themesBox.isChecked(), "Training: the themes switch shows the chapter's setting");
  await page.getByLabel(/Flag contacts logged by peers without a valid certificate/).check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.waitForURL("**/training");
  check(
    await page.getByText("Settings saved. Peers get them at the next sync.").isVisible(),
    "Training: the settings are saved",
  );
  check(
    (await themesBox.isChecked()) &&
      (await page.getByLabel(/Flag contacts logged by peers without a valid certificate/).isChecked()),
    "Training: both switches on after saving",
  );
  await axe("training after saving");
  await shot("training");
  await page.getByRole("link", { name: "Peers", exact: true }).click();
  const kariRow = page.getByTestId("peer-row").filter({ hasText: "Kari Nordmann" });
  check(
    (await kariRow.getByTestId("certified").textContent()).trim() === "yes",
    "Peers: Kari is certified",
  );

  // Invite: a QR code and the text.
  await page.getByRole("link", { name: "Invite", exact: true }).click();
  await page.getByLabel("Valid for days").fill("3");
  await page.getByRole("button", { name: "Create invitation" }).click();
  await page.waitForURL("**/invite");
  check(await page.getByRole("img", { name: "QR code of the invitation" }).isVisible(), "the invitation's QR code");
  check(
    (await page.getByTestId("invitation-text").inputValue()).startsWith("peerlog1:"),
    "the invitation as text",
  );
  await axe("invite");
  await shot("invite");

  // Declaration: write, preview, publish.
  await page.getByRole("link", { name: "Declaration", exact: true }).click();
  await axe("declaration");
  await page.getByLabel("Language").selectOption("en");
  await page
    .getByLabel("Text (Markdown)")
    .fill("# Confidentiality\n\n1. I keep what I hear to myself.\n2. I never write down names.");
  await page.getByRole("button", { name: "Preview" }).click();
  check(
    await page.getByRole("heading", { name: "Confidentiality" }).isVisible(),
    "the preview shows the text as peers will see it",
  );
  await axe("declaration preview");
  await shot("declaration-preview");
  await page.getByRole("button", { name: "Publish" }).click();
  await page.waitForURL("**/declaration");
  check(
    (await page.getByTestId("declaration-version").textContent()).includes("Current version 1"),
    "version 1 published",
  );
  check(await page.getByText("I never write down names.").isVisible(), "the published text is shown");
  await shot("declaration");

  // Report: the figures, the signed reports, and the XLSX download.
  await page.getByRole("link", { name: "Report", exact: true }).click();
  await page.getByLabel("Year").selectOption(year);
  await page.getByRole("button", { name: "Show" }).click();
  await page.waitForURL(`**year=${year}`);
  check((await number("activity-days")) === expect.activity_days, "Report: activity-days as the CLI report");
  // The recovery themes: per-theme counts only, as the CLI report.
  check(await page.getByTestId("themes").isVisible(), "Report: the recovery themes section");
  for (const theme of ["connectedness", "hope", "identity", "meaning", "empowerment"]) {
    check(
      (await number(`theme-${theme}`)) === expect.themes[theme],
      `Report: ${theme} as the CLI report`,
    );
  }
  await axe("report");
  await shot("report");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "The report as XLSX" }).click(),
  ]);
  const xlsx = join(out, download.suggestedFilename());
  await download.saveAs(xlsx);
  check(
    download.suggestedFilename() === `peerlog-report-${year}.xlsx` &&
      readFileSync(xlsx).subarray(0, 2).toString() === "PK",
    "the XLSX report downloads",
  );

  // Every page fits a tablet's width (tables scroll inside their own box).
  await page.setViewportSize({ width: 768, height: 1024 });
  for (const path of ["/", "/peers", "/training", "/invite", "/expenses", "/declaration", "/report"]) {
    await page.goto(new URL(path, origin).href);
    check(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      `${path} fits a tablet's width`,
    );
  }
} catch (e) {
  failures.push(`the story stopped: ${e.stack || e}`);
  await shot("failure").catch(() => {});
} finally {
  await close();
}

writeFileSync(join(out, "result.txt"), failures.length ? failures.join("\n") + "\n" : "ok\n");
if (failures.length) {
  console.error(`\n${failures.length} failure(s):\n${failures.join("\n")}`);
  process.exit(1);
}
console.log("\nthe console's browser story passed");
