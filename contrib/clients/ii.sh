#!/bin/sh
# ii (suckless "irc it") connected to chatircd on this machine.
# Usage: ii.sh [nick]; files appear under ~/irc/127.0.0.1/:
#   echo '/j echobot hi' > ~/irc/127.0.0.1/in     # open a query, send "hi"
#   tail -f ~/irc/127.0.0.1/echobot/out           # what echobot says
#   echo 'again' > ~/irc/127.0.0.1/echobot/in     # more in that query
#   echo '/q' > ~/irc/127.0.0.1/in                # quit
exec ii -s 127.0.0.1 -p 6667 -n "${1:-$(id -un)}" -i "$HOME/irc"
