// chatircd's own web client (web/, served by --http-listen) in Debian's
// Chromium through puppeteer-core: log in, &chat lists who is online, a
// round trip with echobot, a raw chat user's message with its unread
// count, a missing user's error, an HTML-looking message shown as text,
// reconnecting on its own after a gateway restart; then with --db: the
// password, history through CHATHISTORY and the read marker. A
// screenshot per step goes to build/web-artifacts/webclient/.
"use strict";
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const puppeteer = require("puppeteer-core");
const lib = require("./lib");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = path.join(process.env.WEB_ARTIFACTS ||
    path.join(lib.ROOT, "build/web-artifacts"), "webclient");
const CHATIRCD = process.env.CHATIRCD_BIN ||
    path.join(lib.ROOT, "build/gateway/chatircd");
const WAIT = 10000;

// The text of the open conversation's messages.
function logText(page) {
	return page.$$eval("#log .msg", (els) => els.map((m) =>
	    m.textContent).join("\n"));
}

async function waitText(page, text) {
	const t0 = Date.now();
	let seen = "";
	while (Date.now() - t0 < WAIT) {
		seen = await logText(page);
		if (seen.includes(text))
			return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(JSON.stringify(text) + " not in the conversation: " +
	    seen.slice(-1500));
}

async function login(page, url, nick, password) {
	await page.goto(url, { waitUntil: "domcontentloaded" });
	await page.waitForSelector("#login-button:not([disabled])",
	    { timeout: WAIT });
	await page.type("#nick", nick);
	if (password !== undefined)
		await page.type("#password", password);
	await page.click("#login-button");
	await page.waitForSelector("#app:not([hidden])", { timeout: WAIT });
}

async function say(page, text) {
	await page.click("#text");
	await page.type("#text", text);
	await page.keyboard.press("Enter");
}

const openConv = async (page, list, nick) => {
	await (await page.waitForSelector(`#${list} li[data-nick="${nick}"]`,
	    { timeout: WAIT })).click();
	await page.waitForFunction((n) =>
	    document.getElementById("peer").textContent === n,
	    { timeout: WAIT }, nick);
};

async function run(tally) {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	for (const f of fs.readdirSync(ARTIFACTS))
		if (f.endsWith(".png"))
			fs.unlinkSync(path.join(ARTIFACTS, f));
	const d = await lib.chatd();
	const httpPort = await lib.freePort();
	let g = await lib.chatircd(d.port, "--http-listen",
	    "127.0.0.1:" + httpPort);
	const url = "http://127.0.0.1:" + httpPort + "/";
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-"));
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webclient-"));
	let browser, page, carol, shot = 0;
	const pageErrors = [];

	const snap = async (name) => {
		if (page)
			await page.screenshot({ path: path.join(ARTIFACTS,
			    String(++shot).padStart(2, "0") + "-" + name +
			    ".png") }).catch(() => {});
	};
	const step = (name, file, fn) => tally.step(name, async () => {
		try {
			await fn();
		} finally {
			await snap(file);
		}
	});

	try {
		await tally.step("Chromium starts", async () => {
			browser = await puppeteer.launch({
				executablePath: CHROMIUM, headless: true,
				userDataDir: profile,
				args: ["--headless", "--no-sandbox",
				    "--disable-gpu", "--disable-quic",
				    "--no-first-run",
				    "--disable-background-networking",
				    "--disable-component-update",
				    "--disable-sync"],
			});
			page = await browser.newPage();
			await page.setViewport({ width: 1100, height: 700 });
			/* a CSP violation or a script error fails the run */
			page.on("pageerror", (e) => pageErrors.push(String(e)));
			page.on("console", (m) => {
				if (m.type() === "error")
					pageErrors.push(m.text());
			});
		});
		await step("log in, &chat lists echobot", "logged-in",
		    async () => {
			await login(page, url, "alice");
			await page.waitForSelector(
			    '#online li[data-nick="echobot"]',
			    { timeout: WAIT });
			const me = await page.$eval("#me",
			    (e) => e.textContent);
			if (me !== "alice")
				throw new Error("logged in as " + me);
		});
		await step("round trip with echobot", "echobot", async () => {
			await openConv(page, "online", "echobot");
			await say(page, "hello from the web client");
			await waitText(page, "alicehello from the web client");
			await waitText(page,
			    "echobothello from the web client");
			const t = await page.$eval("#log .msg time",
			    (e) => e.textContent);
			if (!/^\d\d:\d\d$/.test(t))
				throw new Error("no time shown: " + t);
		});
		await step("a raw chat user's message, with an unread count",
		    "carol-unread", async () => {
			carol = new lib.ChatClient(d.port);
			carol.send("HELLO-FROM carol");
			await carol.expect(/^HELLO carol$/);
			carol.send("SEND alice hi from a raw chat client");
			await carol.expect(/^SEND-OK$/);
			await page.waitForFunction(() => {
				const u = document.querySelector(
				    '#convs li[data-nick="carol"] .unread');
				return u && u.textContent === "1";
			}, { timeout: WAIT });
			await openConv(page, "convs", "carol");
			await waitText(page, "hi from a raw chat client");
			if (await page.$(
			    '#convs li[data-nick="carol"] .unread'))
				throw new Error("still unread once open");
		});
		await step("an HTML-looking message is shown as text",
		    "html-as-text", async () => {
			const evil = "<img src=x onerror=alert(1)><b>bold</b>";
			carol.send("SEND alice " + evil);
			await carol.expect(/^SEND-OK$/);
			await waitText(page, evil);
			const n = await page.$$eval("#log img, #log b",
			    (e) => e.length);
			if (n !== 0)
				throw new Error(n + " elements made from text");
		});
		await step("a missing user's error", "no-such-user",
		    async () => {
			await page.type("#talk", "nobody");
			await page.keyboard.press("Enter");
			await page.waitForFunction(() =>
			    document.getElementById("peer").textContent ===
			    "nobody", { timeout: WAIT });
			await say(page, "anyone there?");
			await waitText(page, "No such nick");
		});
		await step("reconnects on its own after a gateway restart",
		    "reconnected", async () => {
			g.stopped = true;
			const code = await lib.stop(g);
			if (code !== 0)
				throw new Error("chatircd exited " + code);
			await page.waitForFunction(() =>
			    /disconnected|reconnect/.test(
			    document.getElementById("state").textContent),
			    { timeout: WAIT });
			g = await lib.chatircd(d.port, "--http-listen",
			    "127.0.0.1:" + httpPort);
			await page.waitForFunction(() =>
			    document.getElementById("state").textContent ===
			    "connected", { timeout: 20000 });
			await openConv(page, "online", "echobot");
			await say(page, "after the restart");
			await waitText(page, "echobotafter the restart");
		});
		await step("with --db: password, history, read marker",
		    "bouncer", async () => {
			const db = path.join(dir, "gw.db");
			execFileSync(CHATIRCD, ["--db", db, "--add-user",
			    "dora"], { input: "pw-dora\npw-dora\n",
			    stdio: ["pipe", "ignore", "inherit"] });
			const port2 = await lib.freePort();
			await lib.chatircd(d.port, "--http-listen",
			    "127.0.0.1:" + port2, "--db", db);
			const url2 = "http://127.0.0.1:" + port2 + "/";
			const erin = new lib.ChatClient(d.port);
			erin.send("HELLO-FROM erin");
			await erin.expect(/^HELLO erin$/);
			/* the account is logged in upstream from the start */
			await new Promise((r) => setTimeout(r, 500));
			for (let i = 1; i <= 60; i++) {
				erin.send("SEND dora stored " + i);
				await erin.expect(/^SEND-OK$/);
			}
			const p2 = await browser.newPage();
			await p2.setViewport({ width: 1100, height: 700 });
			await p2.goto(url2, { waitUntil: "domcontentloaded" });
			await p2.waitForSelector("#password-row:not([hidden])",
			    { timeout: WAIT });
			await login(p2, url2, "dora", "pw-dora");
			await openConv(p2, "convs", "erin");
			await waitText(p2, "stored 60");
			/* scrolling up fetches the older page */
			await p2.evaluate(() => {
				document.getElementById("log").scrollTop = 0;
			});
			await waitText(p2, "stored 1\n");
			page = p2;
			/* read up to 60; one more comes while none is open */
			await p2.close();
			await new Promise((r) => setTimeout(r, 300));
			erin.send("SEND dora new after reading");
			await erin.expect(/^SEND-OK$/);
			page = await browser.newPage();
			await page.setViewport({ width: 1100, height: 700 });
			await login(page, url2, "dora", "pw-dora");
			await openConv(page, "convs", "erin");
			await waitText(page, "new after reading");
			const order = await page.$$eval("#log > div", (els) =>
			    els.slice(-2).map((e) => e.className + ":" +
			    e.textContent));
			if (!/^marker:/.test(order[0]) ||
			    !/new after reading/.test(order[1]))
				throw new Error("no read marker before the " +
				    "new message: " + JSON.stringify(order));
			erin.close();
		});
		tally.check("no script error or CSP violation in the page",
		    pageErrors.length === 0, pageErrors.join("\n"));
	} finally {
		if (carol)
			carol.close();
		if (browser)
			await browser.close();
		fs.rmSync(profile, { recursive: true, force: true });
		fs.rmSync(dir, { recursive: true, force: true });
		const bad = await lib.stopAll();
		tally.check("chatd and chatircd exit 0 on SIGTERM",
		    bad.length === 0, bad.join("\n"));
	}
}

module.exports = { run };
