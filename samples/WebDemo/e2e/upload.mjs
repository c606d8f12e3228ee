// Drives the web demo in headless Chromium: opens <url>, uploads <file>, waits for the outcome, prints what the page
// shows as one JSON line on stdout and saves a screenshot.
//   node upload.mjs <url> <file> <screenshot.png>
// Uses the machine's Chromium (CHROMIUM_PATH, default /usr/bin/chromium); playwright-core downloads no browser.
import { chromium } from "playwright-core";

const [url, file, screenshot] = process.argv.slice(2);
if (!url || !file || !screenshot) {
  console.error("usage: node upload.mjs <url> <file> <screenshot.png>");
  process.exit(2);
}

// flags for a closed network: without them Chromium keeps trying to reach Google's services
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 600 } });
  const consoleErrors = [];
  page.on("console", (message) => { if (message.type() === "error") consoleErrors.push(message.text()); });
  page.on("pageerror", (error) => consoleErrors.push(error.message));

  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state !== "loading", null, { timeout: 30_000 });
  await page.setInputFiles("#image-input", file);
  await page.click("#predict-button");
  await page.waitForFunction(() => ["done", "error"].includes(document.body.dataset.state), null, { timeout: 60_000 });
  // the preview and overlay images decode asynchronously; wait so the screenshot shows them
  await page.waitForFunction(() => [...document.images].every((i) => i.hidden || !i.getAttribute("src") || i.complete),
    null, { timeout: 10_000 });

  const shown = await page.evaluate(() => {
    const visible = (id) => !document.getElementById(id).hidden;
    return {
      state: document.body.dataset.state,
      label: visible("result") ? document.getElementById("prediction-label").textContent : null,
      probabilities: visible("result")
        ? [...document.querySelectorAll("#probabilities li")].map((li) => ({
            className: li.dataset.className, probability: Number(li.dataset.probability) }))
        : [],
      gradCamStatus: visible("result") ? document.getElementById("gradcam-status").textContent : null,
      error: visible("error") ? document.getElementById("error").textContent : null,
    };
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ ...shown, consoleErrors }));
} finally {
  await browser.close();
}
