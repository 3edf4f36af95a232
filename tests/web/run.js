// Runs the Node client tests in order, each against its own chatd and
// chatircd; prints "N passed, N failed" and exits 1 on any failure.
// usage: node run.js [ircframework] [thelounge] [webclient]
"use strict";
const lib = require("./lib");

const suites = {
	ircframework: "./ircframework.test.js",
	thelounge: "./thelounge.test.js",
	webclient: "./webclient.test.js",
};

async function main() {
	const names = process.argv.length > 2 ? process.argv.slice(2) :
	    Object.keys(suites);
	let passed = 0, failed = 0;
	for (const name of names) {
		const tally = new lib.Tally(name);
		const t0 = Date.now();
		try {
			await require(suites[name]).run(tally);
		} catch (e) {
			tally.check("runs", false, e && e.stack ? e.stack : e);
			await lib.stopAll();
		}
		console.log("%s: %d passed, %d failed in %d s", name,
		    tally.passed, tally.failed,
		    Math.round((Date.now() - t0) / 1000));
		passed += tally.passed;
		failed += tally.failed;
	}
	console.log("%d passed, %d failed", passed, failed);
	process.exit(failed === 0 ? 0 : 1);
}

main();
