"""A Redis stand-in for fault tests: hung (accepts, never answers), then answering.

Bound to a port the OS picks (port 0) before anything is told about it; one
thread accepts, in arrival order, and keeps every connection open. While
hung, nothing is ever written back, as with a Redis that stopped answering
but still holds its port. :meth:`FakeRedis.answer` makes later connections
served by a tiny in-memory Redis (``GET``, ``SET``, ``DEL`` and the commands
redis-py sends on connecting, in RESP3).
"""

import socket
import threading

#: How long a test may wait for the server's own thread (never reached when
#: all is well: the wait ends on an event).
WAIT_SECONDS = 10
#: RESP3's null (redis-py speaks RESP3 when the server does).
NULL = b"_\r\n"


class FakeRedis:
    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.hung = True
        self.data = {}
        self._accepted = []
        self._probes = set()
        self._changed = threading.Condition()
        self._closing = False
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self):
        while True:
            connection, peer = self._listener.accept()
            if self._closing:
                connection.close()
                return
            with self._changed:
                self._accepted.append((connection, peer))
                self._changed.notify_all()
            if not self.hung and peer not in self._probes:
                threading.Thread(
                    target=self._serve, args=(connection,), daemon=True
                ).start()

    def connections(self):
        """How many connections clients have made so far.

        A probe connection of our own is accepted after every earlier one
        (the kernel queues them in order), so once it is, the count is whole.
        """
        probe = socket.create_connection(("127.0.0.1", self.port))
        name = probe.getsockname()
        self._probes.add(name)
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(peer == name for _, peer in self._accepted),
                timeout=WAIT_SECONDS,
            )
        probe.close()
        assert found, "the fake Redis stopped accepting"
        return sum(1 for _, peer in self._accepted if peer not in self._probes)

    def answer(self):
        """From now on, connections are answered (earlier ones stay hung)."""
        self.hung = False

    def close(self):
        if self._closing:
            return
        self._closing = True
        # Wake the accepting thread, and let it end before its socket closes.
        socket.create_connection(("127.0.0.1", self.port)).close()
        self._acceptor.join(WAIT_SECONDS)
        self._listener.close()
        for connection, _ in self._accepted:
            connection.close()

    # --- a tiny Redis ----------------------------------------------------

    def _serve(self, connection):
        stream = connection.makefile("rb")
        try:
            while True:
                command = _read_command(stream)
                if command is None:
                    return
                connection.sendall(self._run(command))
        except OSError:
            return
        finally:
            stream.close()

    def _run(self, command):
        name, args = command[0].upper(), command[1:]
        if name == b"GET":
            value = self.data.get(args[0])
            return NULL if value is None else _bulk(value)
        if name == b"SET":
            if b"NX" in (arg.upper() for arg in args[2:]) and args[0] in self.data:
                return NULL
            self.data[args[0]] = args[1]
            return b"+OK\r\n"
        if name == b"DEL":
            removed = sum(self.data.pop(key, None) is not None for key in args)
            return b":%d\r\n" % removed
        if name == b"PING":
            return b"+PONG\r\n"
        if name == b"HELLO":
            return b"%1\r\n$5\r\nproto\r\n:3\r\n"
        if name in (b"SELECT", b"CLIENT", b"AUTH"):
            return b"+OK\r\n"
        return b"-ERR unknown command '%s'\r\n" % name


def _bulk(value):
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _read_command(stream):
    """One RESP command (an array of bulk strings), or ``None`` at the end."""
    line = stream.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.split()
    command = []
    for _ in range(int(line[1:])):
        length = int(stream.readline()[1:])
        command.append(stream.read(length + 2)[:-2])
    return command
