"""chatircd MONITOR, ISON and AWAY (issue 4), answered from the shared
presence list, so a WeeChat /notify list works."""
import re

from gwlib import chat, irc


def test_monitor_online_offline(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--poll-interval", "1")
    chat(procs, chatd, "bob")
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("MONITOR + bob,_Carol")
    alice.expect(r" 730 alice :bob!bob@\S+$")
    alice.expect(r" 731 alice :_carol$")
    carol = chat(procs, chatd, "Carol")
    alice.expect(r" 730 alice :_carol!Carol@\S+$", timeout=5)
    carol.close()
    alice.expect(r" 731 alice :_carol$", timeout=5)
    alice.send("MONITOR L")
    alice.expect(r" 732 alice :bob$")
    alice.expect(r" 732 alice :_carol$")
    alice.expect(r" 733 alice :End of MONITOR list")
    alice.send("MONITOR S")
    alice.expect(r" 730 alice :bob!")
    alice.expect(r" 731 alice :_carol$")
    alice.send("MONITOR - bob")
    alice.send("MONITOR L")
    alice.expect(r" 732 alice :_carol$")
    alice.expect(r" 733 alice ")
    alice.send("MONITOR C")
    alice.send("MONITOR L")
    alice.expect(r" 733 alice ")
    alice.send("MONITOR X")
    alice.expect(r" 421 alice MONITOR :")


def test_monitor_list_is_bounded(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice")
    isupport = " ".join(l for l in alice.lines if " 005 " in l)
    limit = int(re.search(r"\bMONITOR=(\d+)", isupport).group(1))
    names = ["u%d" % i for i in range(limit + 1)]
    for i in range(0, len(names), 20):
        alice.send("MONITOR + " + ",".join(names[i:i + 20]))
    alice.expect(r" 734 alice %d u%d :Monitor list is full\.$" %
                 (limit, limit))


def test_ison_from_presence(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--poll-interval", "1")
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("ISON bob EchoBot nobody")
    alice.expect(r" 303 alice :echobot$")
    bob = chat(procs, chatd, "bob")
    alice.expect(r"^:bob!\S+ JOIN &chat$", timeout=5)
    alice.send("ISON bob EchoBot nobody")
    alice.expect(r" 303 alice :bob echobot$")
    bob.close()


def test_away_shows_in_whois_and_who(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice")
    bob = irc(procs, gw, "bob")
    alice.send("AWAY :at lunch")
    alice.expect(r" 306 alice ")
    bob.send("WHOIS alice")
    bob.expect(r" 311 bob alice ")
    bob.expect(r" 301 bob alice :at lunch$")
    bob.expect(r" 318 bob alice ")
    bob.send("WHO &chat")
    bob.expect(r" 352 bob &chat alice \S+ \S+ alice G :0 ")
    alice.send("AWAY")
    alice.expect(r" 305 alice ")
    bob.send("WHOIS alice")
    bob.expect(r" 318 bob alice ")
    assert not any(" 301 bob alice" in l for l in bob.lines[-4:])


def test_monitor_gateway_user_quit_and_rename_at_once(procs):
    """A user of this gateway who quits or is renamed: 731 at once, not
    at the next presence poll (here a minute away)."""
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--poll-interval", "60")
    alice = irc(procs, gw, "alice")
    bob = irc(procs, gw, "bob")
    carol = irc(procs, gw, "carol")
    alice.expect(r" 366 alice &chat ")
    alice.send("MONITOR + bob,carol,dave")
    alice.expect(r" 730 alice :bob!bob@\S+$")
    alice.expect(r" 730 alice :carol!carol@\S+$")
    alice.expect(r" 731 alice :dave$")
    bob.send("QUIT :bye")
    alice.expect(r" 731 alice :bob$", timeout=1.5)
    carol.send("NICK dave")
    carol.expect(r"^:carol!\S+ NICK :dave$")
    alice.expect(r" 731 alice :carol$", timeout=1.5)
    alice.expect(r" 730 alice :dave!dave@\S+$", timeout=1.5)
    erin = irc(procs, gw, "erin")
    alice.send("MONITOR + erin")
    alice.expect(r" 730 alice :erin!erin@\S+$")
    erin.close()        # a hang-up, not a QUIT
    alice.expect(r" 731 alice :erin$", timeout=1.5)


def test_monitor_commands_as_the_spec_has_them(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice")
    alice.expect(r" 366 alice &chat ")
    alice.send("MONITOR + echobot,nobody")
    alice.expect(r" 730 alice :echobot!echobot@\S+$")
    alice.expect(r" 731 alice :nobody$")
    alice.send("MONITOR - nobody")      # no output
    alice.send("MONITOR L")
    alice.expect(r" 732 alice :echobot$")
    alice.expect(r" 733 alice :End of MONITOR list$")
    alice.send("MONITOR S")
    alice.expect(r" 730 alice :echobot!echobot@\S+$")
    alice.send("MONITOR C")             # no output
    alice.send("MONITOR L")
    alice.expect(r" 733 alice :End of MONITOR list$")
    assert not any(" 732 " in l for l in alice.lines[-3:]), alice.lines
    alice.send("MONITOR S")             # nothing monitored: nothing
    alice.send("MONITOR -")
    alice.expect(r" 461 alice MONITOR :")
    # the limit: the targets that could not be added, in one 734
    names = ["u%d" % i for i in range(98)]
    for i in range(0, len(names), 20):
        alice.send("MONITOR + " + ",".join(names[i:i + 20]))
    alice.send("MONITOR + echobot,x1,x2,x3")
    alice.expect(r" 730 alice :echobot!")
    alice.expect(r" 731 alice :x1$")
    alice.expect(r" 734 alice 100 x2,x3 :Monitor list is full\.$")
    alice.send("MONITOR L")
    alice.expect(r" 733 alice ")
    listed = [l for l in alice.lines if " 732 alice :" in l]
    assert "x2" not in " ".join(listed[-100:])


def test_away_privmsg_301_userhost_and_away_notify(procs):
    chatd = procs.chatd()
    gw = procs.chatircd(chatd)
    alice = irc(procs, gw, "alice")
    bob = irc(procs, gw, "bob", caps="away-notify")
    alice.expect(r" 366 alice &chat ")
    bob.expect(r" 366 bob &chat ")
    alice.send("AWAY :gone fishing")
    alice.expect(r" 306 alice :You have been marked as being away$")
    bob.expect(r"^:alice!alice@\S+ AWAY :gone fishing$")
    bob.send("PRIVMSG alice :are you there?")
    bob.expect(r" 301 bob alice :gone fishing$")
    alice.expect(r"^:bob!bob@\S+ PRIVMSG alice :are you there\?$")
    bob.send("NOTICE alice :no reply to a notice")
    bob.send("USERHOST alice bob")
    bob.expect(r" 302 bob :alice=-alice@\S+ bob=\+bob@\S+$")
    # the PRIVMSG's 301 only: none for the NOTICE
    assert sum(" 301 bob alice" in l for l in bob.lines) == 1, bob.lines
    bob.send("WHOIS alice")
    bob.expect(r" 301 bob alice :gone fishing$")
    bob.expect(r" 318 bob alice ")
    bob.send("WHO alice")
    bob.expect(r" 352 bob \* alice \S+ \S+ alice G :0 alice$")
    alice.send("AWAY")
    alice.expect(r" 305 alice :You are no longer marked as being away$")
    bob.expect(r"^:alice!alice@\S+ AWAY$")
    bob.send("PRIVMSG alice :back?")
    bob.send("USERHOST alice")
    bob.expect(r" 302 bob :alice=\+alice@\S+$")
    assert not any(" 301 " in l for l in bob.lines[-3:]), bob.lines


def test_away_notify_to_the_accounts_other_clients(procs, tmp_path):
    import subprocess
    from gwlib import CHATIRCD
    db = str(tmp_path / "b.db")
    r = subprocess.run([CHATIRCD, "--db", db, "--add-user", "alice"],
                       input="pw\n", text=True, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    chatd = procs.chatd()
    gw = procs.chatircd(chatd, "--db", db, "--allow-anonymous")
    clients = {}
    for who, caps in (("phone", "away-notify"), ("laptop", None)):
        c = procs.client(gw, eol=b"\r\n", name=who)
        if caps:
            c.send("CAP LS 302")
            c.send("CAP REQ :" + caps)
            c.expect(r" CAP \S+ ACK ")
        c.send("PASS :alice@%s:pw" % who)
        c.send("NICK alice")
        c.send("USER u 0 * :Real Name")
        if caps:
            c.send("CAP END")
        c.expect(r" 001 alice ")
        clients[who] = c
    phone, laptop = clients["phone"], clients["laptop"]
    bob = irc(procs, gw, "bob")
    laptop.send("AWAY :on the train")
    laptop.expect(r" 306 alice ")
    phone.expect(r"^:alice!alice@\S+ AWAY :on the train$")
    bob.send("PRIVMSG alice :one")      # one nick, one state
    bob.expect(r" 301 bob alice :on the train$")
    phone.send("AWAY")
    phone.expect(r" 305 alice ")
    bob.send("PRIVMSG alice :two")
    bob.send("PING sync")
    bob.expect(r"PONG")
    assert sum(" 301 " in l for l in bob.lines) == 1, bob.lines
    # a client attached later finds the account away
    laptop.send("AWAY :back soon")
    laptop.expect(r" 306 alice ")
    tablet = procs.client(gw, eol=b"\r\n", name="tablet")
    tablet.send("PASS :alice@tablet:pw")
    tablet.send("NICK alice")
    tablet.send("USER u 0 * :Real Name")
    tablet.expect(r" 001 alice ")
    laptop.send("QUIT")
    phone.send("QUIT")
    laptop.expect_closed()
    phone.expect_closed()
    bob.send("WHOIS alice")
    bob.expect(r" 301 bob alice :back soon$")
