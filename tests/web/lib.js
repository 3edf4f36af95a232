// What the Node client tests share: real chatd and chatircd from build/
// on loopback, a raw chat client, free ports, and a pass/fail tally that
// stops a scenario at its first failed step.
"use strict";
const { spawn } = require("node:child_process");
const net = require("node:net");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "../..");
const CHATD = process.env.CHATD_BIN ||
    path.join(ROOT, "build/contrib/chatd/chatd");
const CHATIRCD = process.env.CHATIRCD_BIN ||
    path.join(ROOT, "build/gateway/chatircd");

const daemons = [];

// Start a daemon that prints "listening on ADDR:PORT"; resolves its port.
function daemon(name, argv) {
	return new Promise((resolve, reject) => {
		const p = spawn(argv[0], argv.slice(1),
		    { stdio: ["ignore", "pipe", "pipe"] });
		const d = { name, proc: p, out: "", err: "", port: 0 };
		daemons.push(d);
		const timer = setTimeout(() => reject(new Error(name +
		    " did not start: " + d.err)), 10000);
		p.stderr.on("data", (b) => { d.err += b; });
		p.stdout.on("data", (b) => {
			d.out += b;
			const m = /listening on \S+:(\d+)/.exec(d.out);
			if (m && !d.port) {
				d.port = Number(m[1]);
				clearTimeout(timer);
				resolve(d);
			}
		});
		p.on("exit", (code) => {
			d.exited = code;
			clearTimeout(timer);
			if (!d.port)
				reject(new Error(name + " exited " + code +
				    ": " + d.err));
		});
	});
}

function chatd(...args) {
	return daemon("chatd", [CHATD, "--bind", "127.0.0.1", "--port", "0",
	    ...args]);
}

function chatircd(upstreamPort, ...args) {
	return daemon("chatircd", [CHATIRCD, "--listen", "127.0.0.1:0",
	    "--upstream", "127.0.0.1:" + upstreamPort, ...args]);
}

// SIGTERM and wait: resolves the exit code (null if a signal killed it).
function stop(d) {
	return new Promise((resolve) => {
		if (d.exited !== undefined)
			return resolve(d.exited);
		const t = setTimeout(() => d.proc.kill("SIGKILL"), 10000);
		d.proc.on("exit", (code) => { clearTimeout(t); resolve(code); });
		d.proc.kill("SIGTERM");
	});
}

// Stop every daemon still running; the names of those that did not exit 0.
async function stopAll() {
	const bad = [];
	for (const d of daemons.splice(0).reverse()) {
		if (d.stopped)
			continue;
		const code = await stop(d);
		if (code !== 0)
			bad.push(d.name + " exited " + code + "\n" + d.err);
	}
	return bad;
}

// A port free right now on 127.0.0.1 (for programs that cannot take 0).
function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const port = s.address().port;
			s.close(() => resolve(port));
		});
	});
}

// A raw chat protocol client: lines in, expect(regex) out.
class ChatClient {
	constructor(port) {
		this.lines = [];
		this.waiters = [];
		this.buf = "";
		this.sock = net.connect(port, "127.0.0.1");
		this.sock.setEncoding("utf8");
		this.sock.on("data", (s) => {
			this.buf += s;
			let i;
			while ((i = this.buf.indexOf("\n")) >= 0) {
				this.lines.push(this.buf.slice(0, i));
				this.buf = this.buf.slice(i + 1);
			}
			this.waiters.forEach((w) => w());
		});
	}
	send(line) { this.sock.write(line + "\n"); }
	expect(re, ms = 5000) {
		return new Promise((resolve, reject) => {
			const check = () => {
				const i = this.lines.findIndex((l) => re.test(l));
				if (i < 0)
					return false;
				const line = this.lines.splice(0, i + 1)[i];
				clearTimeout(t);
				this.waiters = this.waiters.filter((w) => w !== check);
				resolve(line);
				return true;
			};
			const t = setTimeout(() => reject(new Error("no " + re +
			    " in " + JSON.stringify(this.lines))), ms);
			if (!check())
				this.waiters.push(check);
		});
	}
	close() { this.sock.destroy(); }
}

// Steps run in order; the first failure skips the rest (counted failed).
class Tally {
	constructor(suite) {
		this.suite = suite;
		this.passed = 0;
		this.failed = 0;
		this.broken = false;
	}
	async step(name, fn) {
		if (this.broken) {
			this.failed++;
			console.log("not run: %s: %s", this.suite, name);
			return;
		}
		const t0 = Date.now();
		try {
			await fn();
			this.passed++;
			console.log("ok: %s: %s (%d ms)", this.suite, name,
			    Date.now() - t0);
		} catch (e) {
			this.failed++;
			this.broken = true;
			console.log("FAIL: %s: %s: %s", this.suite, name,
			    e && e.stack ? e.stack : e);
		}
	}
	check(name, ok, detail) {
		if (ok) {
			this.passed++;
			console.log("ok: %s: %s", this.suite, name);
		} else {
			this.failed++;
			console.log("FAIL: %s: %s: %s", this.suite, name, detail);
		}
	}
}

module.exports = { ROOT, chatd, chatircd, stop, stopAll, freePort,
    ChatClient, Tally };
