// irc-framework (the IRC library under The Lounge and Kiwi IRC) as a plain
// Node client of chatircd: connect, register, PRIVMSG echobot and get the
// reply; a gateway NOTICE (nick taken) is a server notice, not a user's.
"use strict";
const IRC = require("irc-framework");
const lib = require("./lib");

function client(port, nick) {
	const c = new IRC.Client();
	c.connect({ host: "127.0.0.1", port, nick, username: nick,
	    gecos: "irc-framework test", auto_reconnect: false,
	    ping_interval: 0 });
	return c;
}

// Resolves the first `event` for which match() is true, or times out.
function wait(c, event, match, ms = 5000) {
	return new Promise((resolve, reject) => {
		const seen = [];
		const on = (e) => {
			seen.push(e);
			if (!match(e))
				return;
			clearTimeout(t);
			c.removeListener(event, on);
			resolve(e);
		};
		const t = setTimeout(() => {
			c.removeListener(event, on);
			reject(new Error("no matching " + event + " in " +
			    JSON.stringify(seen)));
		}, ms);
		c.on(event, on);
	});
}

async function run(tally) {
	const d = await lib.chatd();
	const g = await lib.chatircd(d.port);
	const clients = [];
	let a;

	await tally.step("connect and register", async () => {
		a = client(g.port, "fwalice");
		clients.push(a);
		const e = await wait(a, "registered", () => true);
		if (e.nick !== "fwalice")
			throw new Error("registered as " + e.nick);
	});
	await tally.step("PRIVMSG echobot, the reply comes back", async () => {
		const reply = wait(a, "privmsg", (e) => e.nick === "echobot");
		a.say("echobot", "hello from irc-framework");
		const e = await reply;
		if (e.message !== "hello from irc-framework" ||
		    e.target !== "fwalice")
			throw new Error("reply " + JSON.stringify(e));
	});
	await tally.step("gateway NOTICE (nick taken) is from the server",
	    async () => {
		const b = client(g.port, "echobot");
		clients.push(b);
		const e = await wait(b, "notice",
		    (n) => /Cannot log in as echobot/.test(n.message));
		if (!e.from_server || e.nick !== "")
			throw new Error("seen as a user's notice: " +
			    JSON.stringify(e));
	});
	for (const c of clients)
		c.quit("done");
	await new Promise((r) => setTimeout(r, 200));
	const bad = await lib.stopAll();
	tally.check("daemons exit 0 on SIGTERM", bad.length === 0,
	    bad.join("\n"));
}

module.exports = { run };
