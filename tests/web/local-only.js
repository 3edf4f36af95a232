// Preloaded into The Lounge (node --require): a name lookup other than
// loopback fails at once, so the test never leaves the machine (The Lounge
// asks api.github.com for updates at start).
"use strict";
const dns = require("node:dns");

const LOCAL = new Set(["localhost", "127.0.0.1", "::1"]);
const lookup = dns.lookup;

dns.lookup = function (host, options, callback) {
	if (LOCAL.has(host))
		return lookup.apply(this, arguments);
	const cb = typeof options === "function" ? options : callback;
	const err = new Error("getaddrinfo ENOTFOUND " + host +
	    " (tests/web/local-only.js)");
	err.code = "ENOTFOUND";
	err.hostname = host;
	process.nextTick(cb, err);
	return {};
};
