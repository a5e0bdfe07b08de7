#!/usr/bin/python3
"""A real SMTP server for the reminders tests (run with Debian's /usr/bin/python3,
which has python3-aiosmtpd): aiosmtpd on 127.0.0.1:PORT.

Each message is parsed with Python's email package -- a MIME reader duban did
not write -- and appended to OUT as one JSON line: from, to, subject (decoded),
body (decoded text), content_type, charset, transfer_encoding, message_id,
notification_id (X-Duban-Notification-Id, decoded). RCPT to an address that
starts with "refuse" is answered 550 (final), with "busy" 451 (try later).
Writes OUT.ready once listening; stops on SIGTERM or SIGINT.

usage: smtp_receiver.py PORT OUT
"""
import json
import os
import signal
import sys
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out):
        self.out = out

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        rec = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(msg["subject"]),
            "body": msg.get_content(),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "transfer_encoding": str(msg["content-transfer-encoding"]),
            "message_id": str(msg["message-id"]),
            "notification_id": str(msg["x-duban-notification-id"]),
            "header_from": str(msg["from"]),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return "250 Message accepted"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    # Block the stop signals before aiosmtpd starts its thread, then wait
    # for one here.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller = Controller(Handler(out), hostname="127.0.0.1", port=port)
    controller.start()
    with open(out + ".ready", "w") as f:
        f.write("ready\n")
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
