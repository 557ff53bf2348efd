# The lab's desktop guest: the login at the seat (tty1) serves seat-run's
# requests, so that they run inside the seat's active session.
if [ "$(tty)" = /dev/tty1 ] && [ -x /lab/desktop/seat-agent ]; then
    exec /lab/desktop/seat-agent
fi
[ -f ~/.profile ] && . ~/.profile
