// The chatircd web client: IRC over the gateway's own WebSocket
// (/socket, text.ircv3.net). Log in, the &chat list of who is online,
// one conversation per person with unread counts; with a bouncer
// (draft/chathistory, draft/read-marker) history on scroll and read
// markers. Text from the network is only ever set as textContent.
"use strict";

(() => {
	const $ = (id) => document.getElementById(id);
	const WANT_CAPS = ["server-time", "echo-message", "message-tags",
	    "batch", "draft/chathistory", "draft/read-marker"];
	const HISTORY_PAGE = 50;
	const RECONNECT = [1000, 2000, 4000, 8000, 15000];

	const state = {
		ws: null, nick: "", want: "", password: "", caps: new Set(),
		offered: new Set(), registered: false, loggedIn: false,
		chan: "", online: new Map(), convs: new Map(), current: null,
		batches: new Map(), retry: 0, timer: null, probing: false,
		lsDone: false,
	};

	// --- the socket -----------------------------------------------
	function socketUrl() {
		const scheme = location.protocol === "https:" ? "wss:" : "ws:";
		return scheme + "//" + location.host + "/socket";
	}

	function send(command, ...params) {
		if (state.ws && state.ws.readyState === WebSocket.OPEN)
			state.ws.send(Irc.build(command, ...params));
	}

	function connect(probe) {
		state.probing = probe;
		state.lsDone = false;
		state.registered = false;
		state.offered = new Set();
		state.caps = new Set();
		state.batches = new Map();
		const ws = new WebSocket(socketUrl(), ["text.ircv3.net"]);
		state.ws = ws;
		ws.onopen = () => {
			send("CAP", "LS", "302");
			if (probe)
				return;
			if (state.password)
				send("PASS", state.want + ":" + state.password);
			send("NICK", state.want);
			send("USER", state.want, "0", "*",
			    "chatircd web client");
		};
		ws.onmessage = (ev) => {
			if (ws === state.ws && typeof ev.data === "string")
				onLine(Irc.parse(ev.data));
		};
		ws.onclose = () => {
			if (ws === state.ws)
				onClose();
		};
	}

	function onClose() {
		state.ws = null;
		if (state.probing) {
			$("login-note").textContent =
			    "The gateway is not answering; reload to try "
			    + "again.";
			return;
		}
		if (!state.loggedIn) {
			loginError(state.lastError ||
			    "The connection closed before the login.");
			return;
		}
		setState("down", "disconnected");
		const delay = RECONNECT[Math.min(state.retry,
		    RECONNECT.length - 1)];
		state.retry++;
		status("Connection lost; reconnecting in " +
		    Math.round(delay / 1000) + " s…");
		clearTimeout(state.timer);
		state.timer = setTimeout(() => {
			setState("down", "reconnecting");
			connect(false);
		}, delay);
	}

	// --- lines from the gateway -----------------------------------
	const handlers = {
		CAP: onCap, "001": onWelcome, PING: (m) => send("PONG",
		    m.params[0] || ""), JOIN: onJoin, PART: onPart,
		QUIT: onQuit, NICK: onNick, "353": onNames,
		PRIVMSG: onPrivmsg, NOTICE: onPrivmsg, BATCH: onBatch,
		MARKREAD: onMarkRead, "401": onNoSuch, "404": onNoSuch,
		"464": onBadPassword, ERROR: onError, FAIL: onFail,
		"433": onNickTaken,
	};

	function onLine(m) {
		const b = m.tags.batch && state.batches.get(m.tags.batch);
		if (b && m.command !== "BATCH") {
			b.lines.push(m);
			return;
		}
		const h = handlers[m.command];
		if (h)
			h(m);
	}

	function onCap(m) {
		const sub = m.params[1];
		if (sub === "LS") {
			const more = m.params[2] === "*";
			const list = m.params[more ? 3 : 2] || "";
			for (const c of list.split(" "))
				if (c)
					state.offered.add(c.split("=")[0]);
			if (more)
				return;
			state.lsDone = true;
			if (state.probing) {
				showLoginForm();
				send("QUIT", "probe");
				state.ws = null;	/* closing */
				return;
			}
			const req = WANT_CAPS.filter((c) =>
			    state.offered.has(c));
			if (req.length)
				send("CAP", "REQ", req.join(" "));
			else
				send("CAP", "END");
		} else if (sub === "ACK" || sub === "NAK") {
			if (sub === "ACK")
				for (const c of (m.params[2] || "").split(" "))
					if (c)
						state.caps.add(
						    c.replace(/^-/, ""));
			send("CAP", "END");
		}
	}

	function onWelcome(m) {
		state.nick = m.params[0];
		state.registered = true;
		state.retry = 0;
		const first = !state.loggedIn;
		state.loggedIn = true;
		$("me").textContent = state.nick;
		setState("", "connected");
		state.lastError = "";
		$("login").hidden = true;
		$("app").hidden = false;
		if (!first)
			status("Reconnected as " + state.nick + ".");
		else if (state.nick !== state.want)
			status("Logged in as " + state.nick + " (" +
			    state.want + " was taken).");
		state.online.clear();
		renderOnline();
		if (bouncer())
			send("CHATHISTORY", "TARGETS", "timestamp=" +
			    new Date(0).toISOString(), "timestamp=" +
			    new Date(Date.now() + 86400000).toISOString(),
			    "50");
		if (state.current) {
			catchUp(state.current);
			renderConv();
		}
	}

	function bouncer() {
		return state.caps.has("draft/chathistory");
	}

	function isMe(nick) {
		return Irc.fold(nick) === Irc.fold(state.nick);
	}

	function onJoin(m) {
		const chan = m.params[0];
		if (chan[0] !== "&")
			return;
		if (isMe(m.nick)) {
			state.chan = chan;
			$("online-title").textContent = "Online in " + chan;
			return;
		}
		state.online.set(Irc.fold(m.nick), m.nick);
		renderOnline();
	}

	function onPart(m) {
		if (m.params[0] === state.chan && !isMe(m.nick)) {
			state.online.delete(Irc.fold(m.nick));
			renderOnline();
		}
	}

	function onQuit(m) {
		state.online.delete(Irc.fold(m.nick));
		renderOnline();
	}

	function onNick(m) {
		const to = m.params[0];
		if (isMe(m.nick)) {
			state.nick = to;
			$("me").textContent = to;
			return;
		}
		if (state.online.delete(Irc.fold(m.nick))) {
			state.online.set(Irc.fold(to), to);
			renderOnline();
		}
	}

	function onNames(m) {
		if (m.params[2] !== state.chan)
			return;
		for (let n of (m.params[3] || "").split(" ")) {
			n = n.replace(/^[~&@%+]+/, "").split("!")[0];
			if (n && !isMe(n))
				state.online.set(Irc.fold(n), n);
		}
		renderOnline();
	}

	// One message into its conversation: the peer is the sender, or
	// the target of our own (echo-message, history).
	function messageOf(m) {
		const target = m.params[0] || "";
		const mine = isMe(m.nick);
		const peer = mine ? target : m.nick;
		const fromServer = !m.prefix.includes("!");
		return {
			peer, mine, fromServer,
			id: m.tags.msgid || "",
			time: m.tags.time ? Date.parse(m.tags.time) :
			    Date.now(),
			from: m.nick, text: m.params[1] || "",
			kind: m.command === "NOTICE" ? "notice" : "msg",
			target,
		};
	}

	function onPrivmsg(m) {
		const msg = messageOf(m);
		if (msg.fromServer || msg.target[0] === "&" ||
		    msg.target === "*") {
			status(msg.text);
			return;
		}
		if (!msg.mine && !isMe(msg.target))
			return;
		const c = conv(msg.peer);
		if (!addMsg(c, msg))
			return;
		if (!msg.mine && !(c === state.current && visible()))
			c.unread++;
		if (c === state.current && visible())
			markRead(c);
		touch(c);
	}

	function onNoSuch(m) {
		const c = conv(m.params[1] || "");
		addMsg(c, { kind: "error", time: Date.now(), from: "",
		    text: m.params[2] || "No such user", mine: false, id: "" });
		touch(c);
	}

	function onBatch(m) {
		const ref = m.params[0] || "";
		if (ref[0] === "+") {
			state.batches.set(ref.slice(1), { type: m.params[1],
			    target: m.params[2] || "", lines: [] });
			return;
		}
		const b = state.batches.get(ref.slice(1));
		state.batches.delete(ref.slice(1));
		if (!b)
			return;
		if (b.type === "chathistory") {
			history(b);
		} else if (b.type === "draft/chathistory-targets") {
			for (const l of b.lines)
				if (l.command === "CHATHISTORY" && l.params[1])
					touch(conv(l.params[1]), Date.parse((
					    l.params[2] || "").replace(
					    /^timestamp=/, "")) || 0);
		} else {
			for (const l of b.lines)
				onLine(l);
		}
	}

	function history(b) {
		const c = conv(b.target);
		c.loading = false;
		const before = c.msgs.length;
		for (const l of b.lines)
			if (l.command === "PRIVMSG" || l.command === "NOTICE")
				addMsg(c, messageOf(l), true);
		if (c.msgs.length === before)
			c.exhausted = true;
		const first = !c.historyLoaded;
		c.historyLoaded = true;
		countUnread(c);
		if (c === state.current && visible())
			markRead(c);
		if (c === state.current)
			renderConv(!first);
		renderConvs();
	}

	function onMarkRead(m) {
		const c = conv(m.params[0] || "");
		const t = (m.params[1] || "").replace(/^timestamp=/, "");
		c.readAt = t === "*" ? 0 : Date.parse(t) || 0;
		/* the marker stays where the reading stood when opened */
		if (c.markerAt === undefined)
			c.markerAt = c.readAt;
		countUnread(c);
		if (c === state.current)
			renderConv();
		renderConvs();
	}

	function onBadPassword(m) {
		state.lastError = m.params[1] || "Password incorrect";
		state.loggedIn = false;
		clearTimeout(state.timer);
	}

	function onNickTaken(m) {
		status(m.params[2] || "That name is taken");
	}

	function onError(m) {
		if (!state.lastError)
			state.lastError = m.params[0] || "Closed";
		if (state.loggedIn)
			status(state.lastError);
	}

	function onFail(m) {
		status(m.params[m.params.length - 1]);
	}

	// --- conversations --------------------------------------------
	function conv(peer) {
		const key = Irc.fold(peer);
		let c = state.convs.get(key);
		if (!c) {
			c = { peer, key, msgs: [], ids: new Set(), unread: 0,
			    last: 0, readAt: 0, historyLoaded: false,
			    loading: false, exhausted: false };
			state.convs.set(key, c);
		}
		return c;
	}

	// Add in time order (history comes older first); false if known.
	function addMsg(c, msg, quiet) {
		if (msg.id && c.ids.has(msg.id))
			return false;
		if (msg.id)
			c.ids.add(msg.id);
		let i = c.msgs.length;
		while (i > 0 && c.msgs[i - 1].time > msg.time)
			i--;
		c.msgs.splice(i, 0, msg);
		if (!quiet && c === state.current)
			renderConv();
		return true;
	}

	function touch(c, when) {
		c.last = Math.max(c.last, when || Date.now());
		renderConvs();
	}

	function countUnread(c) {
		if (!bouncer())
			return;
		c.unread = c.msgs.filter((m) => !m.mine && m.kind !== "error" &&
		    m.time > c.readAt).length;
		if (c === state.current && visible())
			c.unread = 0;
	}

	function visible() {
		return document.visibilityState !== "hidden";
	}

	function markRead(c) {
		c.unread = 0;
		const last = c.msgs.filter((m) => m.kind !== "error").pop();
		if (!last || !state.caps.has("draft/read-marker") ||
		    last.time <= c.readAt)
			return;
		send("MARKREAD", c.peer, "timestamp=" +
		    new Date(last.time).toISOString());
	}

	function open(peer) {
		const c = conv(peer);
		state.current = c;
		$("text").disabled = false;
		$("send").disabled = false;
		if (bouncer() && !c.historyLoaded && !c.loading) {
			c.loading = true;
			send("CHATHISTORY", "LATEST", c.peer, "*",
			    String(HISTORY_PAGE));
			if (state.caps.has("draft/read-marker"))
				send("MARKREAD", c.peer);
		}
		markRead(c);
		touch(c, c.last);
		renderConv();
		$("text").focus();
	}

	// After a reconnect: what came while away.
	function catchUp(c) {
		if (!bouncer())
			return;
		const last = c.msgs.filter((m) => m.kind !== "error").pop();
		if (last)
			send("CHATHISTORY", "AFTER", c.peer, "timestamp=" +
			    new Date(last.time).toISOString(),
			    String(HISTORY_PAGE));
		else
			send("CHATHISTORY", "LATEST", c.peer, "*",
			    String(HISTORY_PAGE));
	}

	function olderHistory() {
		const c = state.current;
		if (!c || !bouncer() || c.loading || c.exhausted ||
		    !c.msgs.length)
			return;
		c.loading = true;
		send("CHATHISTORY", "BEFORE", c.peer, "timestamp=" +
		    new Date(c.msgs[0].time).toISOString(),
		    String(HISTORY_PAGE));
	}

	function sendText(text) {
		const c = state.current;
		if (!c || !text)
			return;
		if (!state.registered) {
			status("Not connected; the message was not sent.");
			return;
		}
		for (const part of splitText(text)) {
			send("PRIVMSG", c.peer, part);
			if (!state.caps.has("echo-message")) {
				addMsg(c, { peer: c.peer, mine: true, id: "",
				    time: Date.now(), from: state.nick,
				    text: part, kind: "msg" });
				touch(c);
			}
		}
	}

	// Pieces of at most 400 bytes of UTF-8, cut between characters.
	function splitText(text) {
		const out = [];
		const enc = new TextEncoder();
		let cur = "";
		for (const ch of text) {
			if (enc.encode(cur + ch).length > 400) {
				out.push(cur);
				cur = "";
			}
			cur += ch;
		}
		if (cur)
			out.push(cur);
		return out;
	}

	// --- the page -------------------------------------------------
	function el(tag, cls, text) {
		const e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function renderOnline() {
		const ul = $("online");
		ul.replaceChildren();
		const names = [...state.online.values()].sort((a, b) =>
		    a.localeCompare(b));
		for (const n of names) {
			const li = el("li", "", n);
			li.dataset.nick = n;
			li.addEventListener("click", () => open(n));
			ul.append(li);
		}
		renderConvs();
	}

	function renderConvs() {
		const ul = $("convs");
		ul.replaceChildren();
		const list = [...state.convs.values()].sort((a, b) =>
		    b.last - a.last);
		for (const c of list) {
			const li = el("li", c === state.current ? "current" :
			    "");
			li.dataset.nick = c.peer;
			const name = el("span", state.online.has(c.key) ? "" :
			    "offline", c.peer);
			li.append(name);
			if (c.unread > 0)
				li.append(el("span", "unread",
				    String(c.unread)));
			li.addEventListener("click", () => open(c.peer));
			ul.append(li);
		}
		const total = list.reduce((n, c) => n + c.unread, 0);
		document.title = (total ? "(" + total + ") " : "") + "chat";
	}

	function clock(t) {
		const d = new Date(t);
		return String(d.getHours()).padStart(2, "0") + ":" +
		    String(d.getMinutes()).padStart(2, "0");
	}

	function renderConv(keepTop) {
		const c = state.current;
		const log = $("log");
		if (!c)
			return;
		$("peer").textContent = c.peer;
		$("peer-state").textContent = state.online.has(c.key) ?
		    "online" : "not online";
		const atBottom = log.scrollHeight - log.scrollTop -
		    log.clientHeight < 40;
		const fromBottom = log.scrollHeight - log.scrollTop;
		log.replaceChildren();
		let marked = false;
		for (const m of c.msgs) {
			if (bouncer() && c.markerAt && !marked &&
			    m.time > c.markerAt && !m.mine) {
				log.append(el("div", "marker",
				    "new since you last read"));
				marked = true;
			}
			const kind = m.kind === "error" ? "error" :
			    m.kind === "notice" ? "info" : "";
			const row = el("div", "msg " + (m.mine ? "mine " : "") +
			    kind);
			const time = el("time", "", clock(m.time));
			time.dateTime = new Date(m.time).toISOString();
			time.title = new Date(m.time).toLocaleString();
			row.append(time, el("span", "from", m.from),
			    el("span", "text", m.text));
			log.append(row);
		}
		if (keepTop)
			log.scrollTop = log.scrollHeight - fromBottom;
		else if (atBottom || !keepTop)
			log.scrollTop = log.scrollHeight;
		renderConvs();
	}

	function status(text) {
		$("status").textContent = text;
	}

	function setState(cls, text) {
		$("state").className = "state " + cls;
		$("state").textContent = text;
	}

	function loginError(text) {
		$("login").hidden = false;
		$("app").hidden = true;
		$("login-error").textContent = text;
		$("login-button").disabled = false;
	}

	function showLoginForm() {
		const accounts = state.offered.has("sasl");
		$("password-row").hidden = !accounts;
		$("password").required = accounts;
		$("login-note").textContent = accounts ?
		    "This gateway has accounts: your name and password." :
		    "Pick a name to chat under.";
		$("login-button").disabled = false;
	}

	// --- wiring ---------------------------------------------------
	$("login-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		state.want = $("nick").value.trim();
		state.password = $("password").value;
		if (!state.want)
			return;
		state.lastError = "";
		$("login-error").textContent = "";
		$("login-button").disabled = true;
		connect(false);
	});
	$("send-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		sendText($("text").value);
		$("text").value = "";
	});
	$("talk-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		const name = $("talk").value.trim();
		$("talk").value = "";
		if (name && !/[\s,*?!@]/.test(name) && name[0] !== "&")
			open(name);
	});
	$("log").addEventListener("scroll", () => {
		if ($("log").scrollTop < 40)
			olderHistory();
	});
	document.addEventListener("visibilitychange", () => {
		if (visible() && state.current) {
			markRead(state.current);
			renderConvs();
		}
	});
	$("login-button").disabled = true;
	connect(true);
})();
