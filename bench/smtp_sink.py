"""A local SMTP server (aiosmtpd) in its own process that counts messages.

Prints "port N" once listening; when its standard input closes it prints "received N" and exits.
Running it apart from the dispatcher keeps the two from sharing one interpreter lock.
"""
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def main():
    handler = Counter()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print(f"port {port}", flush=True)
    sys.stdin.read()
    controller.stop()
    print(f"received {handler.count}", flush=True)


if __name__ == "__main__":
    main()
