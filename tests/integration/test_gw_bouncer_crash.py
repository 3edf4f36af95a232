"""A crash test that counts (issue 8): a chat user sends N messages to a
bouncer account while the gateway is killed (SIGKILL) and restarted at
random points. Each message is confirmed (SEND-OK) or not (UNKNOWN while
the account is offline). Afterwards every confirmed message must be in
the account's history, except those the chat server confirmed in the
last moments before a kill: the chat protocol has no acknowledgement, so
a DELIVERY still on its way to the gateway when it dies cannot be kept
(docs/bouncer.md). The counts are printed."""
import random
import signal
import subprocess
import time

from gwlib import CHATIRCD, chat

N = 300
KILLS = 3
IN_FLIGHT = 0.25        # s before a kill in which a loss is the protocol's
PW = "pw"


def start(procs, d, db):
    g = procs.chatircd(d, "--db", db, "--playback-max", "1000",
                       "--reconnect-min", "50", "--reconnect-max", "200")
    return g


def history(procs, g):
    c = procs.client(g, eol=b"\r\n", name="alice")
    c.send("CAP REQ :draft/chathistory batch")
    c.send("PASS :alice:" + PW)
    c.send("NICK alice")
    c.send("USER u 0 * :x")
    c.send("CAP END")
    c.expect(r" 001 alice ")
    c.send("CHATHISTORY LATEST bob * 1000")
    got = set()
    while True:
        line = c.expect(r"(PRIVMSG alice :(?:\[\d\d:\d\d\] )?n(\d+)$|"
                        r" BATCH -)")
        if "BATCH" in line.group(1):
            return got
        got.add(int(line.group(2)))


def test_kill9_loses_nothing_confirmed_before_it(procs, store_db):
    db = store_db
    r = subprocess.run([CHATIRCD, "--db", db, "--add-user", "alice"],
                       input=PW + "\n", text=True, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    d = procs.chatd()
    g = start(procs, d, db)
    bob = chat(procs, d, "bob")
    rng = random.Random(8)
    kill_at = sorted(rng.sample(range(30, N - 30), KILLS))
    confirmed, kills = {}, []
    for i in range(N):
        if kill_at and i == kill_at[0]:
            kill_at.pop(0)
            g.proc.send_signal(signal.SIGKILL)
            g.proc.wait(10)
            g.proc.stdout.close()
            kills.append(time.monotonic())
            g = start(procs, d, db)
        bob.send("SEND alice n%d" % i)
        reply = bob.expect(r"^(SEND-OK|UNKNOWN|BAD-DEST-USER)$").group(1)
        if reply == "SEND-OK":
            confirmed[i] = time.monotonic()
        time.sleep(rng.random() * 0.004)    # kills land anywhere
    time.sleep(0.5)
    got = history(procs, g)
    lost = sorted(i for i in confirmed if i not in got)
    excused = [i for i in lost
               if any(0 <= k - confirmed[i] < IN_FLIGHT for k in kills)]
    print("crash test: %d sent, %d confirmed, %d in history, %d lost "
          "(%d confirmed < %.0f ms before a kill), %d kills" %
          (N, len(confirmed), len(got), len(lost), len(excused),
           IN_FLIGHT * 1000, len(kills)))
    assert set(lost) == set(excused), "confirmed and lost: %r" % lost
    assert not (got - set(confirmed)), "stored but never confirmed?"
