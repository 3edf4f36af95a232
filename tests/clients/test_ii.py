"""ii (suckless "irc it") against chatircd + chatd.

ii is a file system client: it writes what it receives to `out` files and
reads commands from `in` fifos, one directory per server and per query.
Options used: server, port, nick and its directory (-i).
"""
from clientlib import chat_user, clients, online, wait_until  # noqa


def logged_in(procs, clients, nick="alice"):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    ii = clients.ii(gw, nick)
    ii.wait_out(r"End of MOTD|MOTD File is missing|No MOTD",
                what="the end of the welcome (MOTD or 422)")
    return chatd, gw, ii


def test_connect_and_echobot_round_trip(procs, clients):
    chatd, gw, ii = logged_in(procs, clients)
    watcher = chat_user(procs, chatd, "watcher")
    assert "alice" in online(watcher)
    # "/j nick text" opens a query directory and sends the text
    ii.write("/j echobot hi")
    ii.wait_out(r"<echobot> hi$", "echobot")
    # then the query's own in fifo
    ii.write("again", "echobot")
    ii.wait_out(r"<alice> again$", "echobot", "own line")
    ii.wait_out(r"<echobot> again$", "echobot")


def test_message_from_another_user(procs, clients):
    chatd, gw, ii = logged_in(procs, clients)
    bob = chat_user(procs, chatd, "bob")
    bob.send("SEND alice hello from the chat side")
    bob.expect(r"^SEND-OK$")
    ii.wait_out(r"<bob> hello from the chat side$", "bob")
    ii.write("hi bob", "bob")
    bob.expect(r"^DELIVERY alice hi bob$")


def test_missing_user_and_quit(procs, clients):
    chatd, gw, ii = logged_in(procs, clients)
    ii.write("/j nobody x")
    ii.wait_out(r"No such nick", what="the 401 in the server's out")
    ii.write("/q")
    wait_until(lambda: not ii.alive(), "ii to exit", show=ii.report)
