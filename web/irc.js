// IRC lines for the web client: parse one (IRCv3 message-tags included)
// and build one. No DOM here.
"use strict";

const Irc = (() => {
	const UNESCAPE = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

	function unescapeTag(v) {
		return v.replace(/\\(.?)/g, (m, c) =>
		    c in UNESCAPE ? UNESCAPE[c] : c);
	}

	// "@tags :prefix COMMAND params :trailing" -> an object.
	function parse(line) {
		const msg = { tags: {}, prefix: "", nick: "", command: "",
		    params: [] };
		let i = 0;
		if (line[0] === "@") {
			const sp = line.indexOf(" ");
			for (const t of line.slice(1, sp < 0 ? undefined : sp)
			    .split(";")) {
				const eq = t.indexOf("=");
				if (eq < 0)
					msg.tags[t] = "";
				else
					msg.tags[t.slice(0, eq)] =
					    unescapeTag(t.slice(eq + 1));
			}
			i = sp < 0 ? line.length : sp + 1;
		}
		while (line[i] === " ")
			i++;
		if (line[i] === ":") {
			const sp = line.indexOf(" ", i);
			msg.prefix = line.slice(i + 1, sp < 0 ? undefined : sp);
			msg.nick = msg.prefix.split("!")[0];
			i = sp < 0 ? line.length : sp + 1;
		}
		while (i < line.length) {
			while (line[i] === " ")
				i++;
			if (i >= line.length)
				break;
			if (line[i] === ":" && msg.command) {
				msg.params.push(line.slice(i + 1));
				break;
			}
			const sp = line.indexOf(" ", i);
			const word = line.slice(i, sp < 0 ? undefined : sp);
			if (!msg.command)
				msg.command = word.toUpperCase();
			else
				msg.params.push(word);
			i = sp < 0 ? line.length : sp + 1;
		}
		return msg;
	}

	// A command and its parameters; the last one may hold spaces. Line
	// breaks are cut out: one line per WebSocket message.
	function build(command, ...params) {
		const clean = params.map((p) => String(p).replace(/[\r\n]+/g,
		    " "));
		const last = clean.length ? clean[clean.length - 1] : null;
		const head = [command, ...clean.slice(0, -1)];
		if (last === null)
			return command;
		return head.join(" ") + " " + (last === "" || /[ :]/.test(
		    last) || last[0] === ":" ? ":" + last : last);
	}

	// IRC's ASCII casemapping (CASEMAPPING=ascii).
	function fold(name) {
		return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
	}

	return { parse, build, fold };
})();
