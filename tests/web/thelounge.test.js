// The Lounge (pinned in package-lock.json), private mode on 127.0.0.1,
// driven in Debian's Chromium through puppeteer-core against chatd +
// chatircd: sign in, &chat lists echobot, /msg echobot round trip, a raw
// chat user's message, /msg nobody's 401, /join #test's 403, and the
// gateway's notice when chatd restarts landing in the server window. A
// screenshot per step goes to build/web-artifacts/ (WEB_ARTIFACTS
// overrides).
"use strict";
const { execFileSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const puppeteer = require("puppeteer-core");
const lib = require("./lib");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const LOUNGE = require.resolve("thelounge/index.js");
const ARTIFACTS = process.env.WEB_ARTIFACTS ||
    path.join(lib.ROOT, "build/web-artifacts");
const USER = "alice", PASSWORD = "lounge-test-pw";
const WAIT = 10000;

// THELOUNGE_HOME with a config, a user and that user's network.
function loungeHome(port, gwPort) {
	const home = fs.mkdtempSync(path.join(os.tmpdir(), "thelounge-"));
	const config = {
		public: false, host: "127.0.0.1", port, bind: "127.0.0.1",
		reverseProxy: false, prefetch: false, fileUpload: { enable:
		false }, messageStorage: [], leaveMessage: "", lockNetwork: true,
		defaults: { name: "chat", host: "127.0.0.1", port: gwPort,
		    tls: false, rejectUnauthorized: false, nick: USER,
		    username: USER, realname: "The Lounge test", join: "" },
	};
	fs.writeFileSync(path.join(home, "config.js"), "module.exports = " +
	    JSON.stringify(config, null, "\t") + ";\n");
	fs.mkdirSync(path.join(home, "users"));	/* `add` needs it */
	execFileSync(process.execPath, [LOUNGE, "add", USER, "--password",
	    PASSWORD], { env: { ...process.env, THELOUNGE_HOME: home },
	    stdio: ["ignore", "ignore", "inherit"] });
	const file = path.join(home, "users", USER + ".json");
	const user = JSON.parse(fs.readFileSync(file, "utf8"));
	user.networks = [{ ...config.defaults, channels: [] }];
	fs.writeFileSync(file, JSON.stringify(user, null, "\t"));
	return home;
}

// `thelounge start`; resolves once it serves. Name lookups other than
// loopback fail inside it (local-only.js): it checks GitHub for updates.
function loungeStart(home) {
	return new Promise((resolve, reject) => {
		const p = spawn(process.execPath, ["--require",
		    path.join(__dirname, "local-only.js"), LOUNGE, "start"],
		    { env: { ...process.env, THELOUNGE_HOME: home },
		    stdio: ["ignore", "pipe", "pipe"] });
		let out = "";
		const t = setTimeout(() => reject(new Error(
		    "The Lounge did not start: " + out)), 30000);
		const on = (b) => {
			out += b;
			if (/Available at http/.test(out)) {
				clearTimeout(t);
				resolve({ proc: p, log: () => out });
			}
		};
		p.stdout.on("data", on);
		p.stderr.on("data", on);
		p.on("exit", (code) => {
			clearTimeout(t);
			reject(new Error("The Lounge exited " + code + ": " +
			    out));
		});
	});
}

// The text of the open window's messages, from one nick or all.
function chatText(page, from) {
	return page.$$eval("#chat-container .msg", (els, nick) => els
	    .filter((m) => !nick || m.querySelector(
		`.from .user[data-name="${nick}"]`))
	    .map((m) => m.innerText).join("\n"), from);
}

async function waitText(page, text, from) {
	const t0 = Date.now();
	let seen = "";
	while (Date.now() - t0 < WAIT) {
		seen = await chatText(page, from);
		if (seen.includes(text))
			return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(JSON.stringify(text) + (from ? " from " + from : "") +
	    " not in the window: " + seen.slice(-1500));
}

async function open(page, sel, name) {
	await (await page.waitForSelector(sel, { timeout: WAIT })).click();
	await page.waitForFunction((n) => {
		const c = document.querySelector("#chat-container");
		return c && (n === null ||
		    c.getAttribute("data-current-channel") === n);
	}, { timeout: WAIT }, name);
}

const openChannel = (page, name) => open(page,
    `.channel-list-item[data-name="${name}"]`, name);
const openLobby = (page) => open(page,
    `.channel-list-item[data-type="lobby"]`, null);

async function say(page, line) {
	await page.click("#input");
	await page.type("#input", line);
	await page.keyboard.press("Enter");
}

async function run(tally) {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	for (const f of fs.readdirSync(ARTIFACTS))
		if (f.endsWith(".png"))
			fs.unlinkSync(path.join(ARTIFACTS, f));
	let d = await lib.chatd();
	const g = await lib.chatircd(d.port);
	const webPort = await lib.freePort();
	const home = loungeHome(webPort, g.port);
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-"));
	let lounge, browser, page, carol, shot = 0;

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
		await tally.step("The Lounge and Chromium start", async () => {
			lounge = await loungeStart(home);
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
			await page.setViewport({ width: 1280, height: 800 });
		});
		await step("sign in", "signed-in", async () => {
			await page.goto("http://127.0.0.1:" + webPort + "/",
			    { waitUntil: "domcontentloaded" });
			await page.waitForSelector(
			    "#sign-in input[name=username]", { timeout: WAIT });
			await page.type("#sign-in input[name=username]", USER);
			await page.type("#signin-password",
			    PASSWORD);
			await page.click("#sign-in button[type=submit]");
			await page.waitForSelector(
			    ".channel-list-item[data-type=lobby]:not(.not-connected)",
			    { timeout: WAIT });
		});
		await step("&chat lists echobot", "chat-echobot", async () => {
			await openChannel(page, "&chat");
			await page.waitForSelector(
			    '.userlist .user[data-name="echobot"]',
			    { timeout: WAIT });
		});
		await step("/msg echobot round trip", "echobot-query",
		    async () => {
			await say(page, "/msg echobot hello from The Lounge");
			await openChannel(page, "echobot");
			await waitText(page, "hello from The Lounge", "echobot");
		});
		await step("a raw chat user's message appears", "carol-query",
		    async () => {
			carol = new lib.ChatClient(d.port);
			carol.send("HELLO-FROM carol");
			await carol.expect(/^HELLO carol$/);
			carol.send("SEND alice hi from a raw chat client");
			await carol.expect(/^SEND-OK$/);
			await openChannel(page, "carol");
			await waitText(page, "hi from a raw chat client",
			    "carol");
		});
		await step("/msg nobody x: the 401 shows in the open window",
		    "no-such-nick", async () => {
			await say(page, "/msg nobody x");
			/* how The Lounge words ERR_NOSUCHNICK */
			await waitText(page,
			    "User nobody hasn't logged in or does not exist.");
		});
		await step("/join #test: JOIN &#test, the 403 in the server " +
		    "window", "join-test", async () => {
			await say(page, "/join #test");
			await openLobby(page);
			await waitText(page, "No such channel (the only " +
			    "channel on this network is &chat)");
			if (!(await chatText(page)).includes("&#test"))
				throw new Error("no &#test in the 403");
		});
		await step("the gateway's notice (chatd restarted) lands in " +
		    "the server window, not in the open query", "server-notice",
		    async () => {
			const port = d.port;
			await openChannel(page, "carol");
			carol.close();
			d.stopped = true;
			const code = await lib.stop(d);
			if (code !== 0)
				throw new Error("chatd exited " + code);
			await new Promise((r) => setTimeout(r, 300));
			d = await lib.chatd("--port", String(port));
			await openLobby(page);
			await waitText(page,
			    "The connection to the chat server was lost");
			await waitText(page, "Reconnected to the chat server " +
			    "as alice");
			await openChannel(page, "carol");
			const q = await chatText(page);
			if (q.includes("connection to the chat server"))
				throw new Error("also in carol's query: " + q);
			await openLobby(page);
		});
	} finally {
		if (carol)
			carol.close();
		if (browser)
			await browser.close();
		if (lounge) {
			lounge.proc.kill("SIGTERM");
			await new Promise((r) => lounge.proc.exitCode !== null ?
			    r() : lounge.proc.on("exit", r));
		}
		fs.rmSync(home, { recursive: true, force: true });
		fs.rmSync(profile, { recursive: true, force: true });
		const bad = await lib.stopAll();
		tally.check("chatd and chatircd exit 0 on SIGTERM",
		    bad.length === 0, bad.join("\n"));
	}
}

module.exports = { run };
