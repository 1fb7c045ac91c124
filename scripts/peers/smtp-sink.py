#!/usr/bin/env python3
"""An SMTP server for tests (PyPI aiosmtpd, installed by scripts/install-tools
into PORTUNUS_TOOLS_DIR/aiosmtpd): every message it accepts is written to
DIR/<time>-<n>.eml, complete before it appears (written aside, then renamed).
Any AUTH is accepted, without TLS. Prints a line once it listens.
Usage: smtp-sink.py PORT DIR"""
import os
import signal
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Maildir:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        os.makedirs(directory, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, f"{time.time_ns()}-{self.count}")
        envelope_lines = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n"
        )
        with open(path + ".part", "wb") as out:
            out.write(envelope_lines.encode() + (envelope.original_content or envelope.content))
        os.rename(path + ".part", path + ".eml")
        return "250 accepted"


port, directory = int(sys.argv[1]), sys.argv[2]
controller = Controller(
    Maildir(directory),
    hostname="127.0.0.1",
    port=port,
    authenticator=lambda *args: AuthResult(success=True),
    auth_require_tls=False,
)
controller.start()
print(f"SMTP sink on 127.0.0.1:{port}, mail in {directory}", flush=True)
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
try:
    signal.pause()
finally:
    controller.stop()
