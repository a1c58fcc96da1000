#!/usr/bin/python3
"""SMTP servers for the email notifier's tests (started by scripts/test-servers/test-env.sh).

Three aiosmtpd servers in one process, on the ports given:
  plain     no STARTTLS, no AUTH
  starttls  STARTTLS required (the test CA's server certificate), then AUTH PLAIN/LOGIN required
  smtps     implicit TLS from the first byte, AUTH required

Every message accepted is saved as DIR/FLAVOUR/N.json: the envelope, whether the session was
encrypted and who logged in, the raw message, and what Python's email parser makes of it
(decoded subject, headers, the text/plain and text/html parts, and its defects), so the tests
check the message as a real mail client reads it. Written to a temporary name then renamed:
a reader never sees half a file.

Runs with Debian's python3-aiosmtpd (/usr/bin/python3).
"""
import argparse
import itertools
import json
import os
import signal
import ssl
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

counter = itertools.count(1)


def parse(raw):
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    parts = []
    defects = [type(d).__name__ for d in msg.defects]
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
        if part.get_content_maintype() == "multipart":
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
            "text": part.get_content(),
        })
    return {
        "subject": str(msg["Subject"] or ""),
        "from": str(msg["From"] or ""),
        "to": str(msg["To"] or ""),
        "date": str(msg["Date"] or ""),
        "message_id": str(msg["Message-ID"] or ""),
        "content_type": msg.get_content_type(),
        "headers": [[k, str(v)] for k, v in msg.items()],
        "parts": parts,
        "defects": defects,
    }


class Saver:
    def __init__(self, folder, flavour):
        self.folder = os.path.join(folder, flavour)
        self.flavour = flavour
        os.makedirs(self.folder, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        record = {
            "flavour": self.flavour,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "auth_login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "raw": raw.decode("utf-8", errors="replace"),
            "parsed": parse(raw),
        }
        n = next(counter)
        path = os.path.join(self.folder, "%06d.json" % n)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--dir", required=True)
    a.add_argument("--cert", required=True)
    a.add_argument("--key", required=True)
    a.add_argument("--user", required=True)
    a.add_argument("--password", required=True)
    a.add_argument("--plain", type=int, required=True)
    a.add_argument("--starttls", type=int, required=True)
    a.add_argument("--smtps", type=int, required=True)
    args = a.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password)
        # handled=False: aiosmtpd answers the refusal (535) itself.
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    servers = [
        Controller(Saver(args.dir, "plain"), hostname="127.0.0.1", port=args.plain),
        Controller(Saver(args.dir, "starttls"), hostname="127.0.0.1", port=args.starttls, tls_context=context,
                   require_starttls=True, authenticator=authenticator, auth_required=True),
        # Implicit TLS: the session is encrypted from the start, which aiosmtpd's
        # auth_require_tls does not see (it watches for STARTTLS), so that check is off here.
        Controller(Saver(args.dir, "smtps"), hostname="127.0.0.1", port=args.smtps, ssl_context=context,
                   authenticator=authenticator, auth_required=True, auth_require_tls=False),
    ]
    for s in servers:
        s.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for s in servers:
        s.stop()


if __name__ == "__main__":
    main()
