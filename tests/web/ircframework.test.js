// irc-framework (the IRC library under The Lounge and Kiwi IRC) as a plain
// Node client of chatircd: connect, register, PRIVMSG echobot and get the
// reply; a gateway NOTICE (nick taken) is a server notice, not a user's.
// Then the same library over IRCv3 WebSocket (--http-listen /socket):
// its own websocket transport with text.ircv3.net, and binary.ircv3.net
// through that transport taught to read binary messages.
"use strict";
const IRC = require("irc-framework");
const WsTransport = require("irc-framework/src/transports/websocket");
const lib = require("./lib");

// irc-framework's transport reads strings only: binary.ircv3.net
// messages are UTF-8 bytes, decoded here; lines go out as bytes too.
class BinaryTransport extends WsTransport {
	connect() {
		super.connect();
		this.socket.binaryType = "arraybuffer";
		const on = this.socket.onmessage;
		this.socket.onmessage = (ev) => {
			this.binarySeen = ev.data instanceof ArrayBuffer;
			on({ data: typeof ev.data === "string" ? ev.data :
			    new TextDecoder().decode(ev.data) });
		};
	}
	writeLine(line, cb) {
		if (this.socket && this.connected)
			this.socket.send(new TextEncoder().encode(line));
		if (cb)
			setTimeout(cb, 0);
	}
}

function wsClient(port, nick, protocol) {
	const c = new IRC.Client();
	c.connect({ host: "127.0.0.1", port, path: "/socket", nick,
	    username: nick, gecos: "irc-framework over WebSocket",
	    auto_reconnect: false, ping_interval: 0,
	    transport: protocol === "binary.ircv3.net" ? BinaryTransport :
	    WsTransport, websocket_protocol: protocol });
	return c;
}

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
	const httpPort = await lib.freePort();
	const g = await lib.chatircd(d.port, "--http-listen", "127.0.0.1:" +
	    httpPort);
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
	for (const proto of ["text.ircv3.net", "binary.ircv3.net"]) {
		await tally.step("over WebSocket (" + proto + "): register, " +
		    "echobot round trip", async () => {
			const nick = proto[0] === "t" ? "wstext" : "wsbinary";
			const w = wsClient(httpPort, nick, proto);
			clients.push(w);
			const e = await wait(w, "registered", () => true);
			if (e.nick !== nick)
				throw new Error("registered as " + e.nick);
			const reply = wait(w, "privmsg",
			    (m) => m.nick === "echobot");
			w.say("echobot", "héllo over " + proto);
			const m = await reply;
			if (m.message !== "héllo over " + proto)
				throw new Error("reply " + JSON.stringify(m));
			const t = w.connection.transport;
			if (proto[0] === "b" && !t.binarySeen)
				throw new Error("binary.ircv3.net answered "
				    + "in text");
			if (t.socket.protocol !== proto)
				throw new Error("subprotocol " +
				    t.socket.protocol);
		});
	}
	for (const c of clients)
		c.quit("done");
	await new Promise((r) => setTimeout(r, 200));
	const bad = await lib.stopAll();
	tally.check("daemons exit 0 on SIGTERM", bad.length === 0,
	    bad.join("\n"));
}

module.exports = { run };
