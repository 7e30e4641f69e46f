#!/usr/bin/env python3
"""Replays the SIP messages of a cleartext capture over real stream transports.

Each leg of the original call (a pair of addresses) becomes one TCP
connection between loopback addresses of 127.0.160.0/24; the first sender on a
leg is its client.  The messages are sent in their original order and at
their original times, so the session-timer verdicts of the replayed call can
be compared with those of the same replay over plain TCP.

Modes: tcp (plain), tls12, tls12-chacha, tls12-rsa-cbc (RSA key exchange,
AES-CBC, encrypt-then-MAC), tls12-rsa-cbc-mte (MAC-then-encrypt), tls13,
tls13-chacha, ws, wss, wss-deflate (permessage-deflate), all through Python's
ssl (OpenSSL) with keylog_filename.  WebSocket: client frames masked, messages
over 300 bytes split in two frames with a ping between them (RFC 6455 5.4).

Usage: replay.py MODE IN.pcap KEYLOG CERT KEY PORT
The caller captures the loopback traffic (record.sh)."""
import base64
import hashlib
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import zlib

MODE, PCAP, KEYLOG, CERT, KEY, PORT = sys.argv[1:7]
PORT = int(PORT)
BASE = "127.0.160."
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SSL_OP_NO_ENCRYPT_THEN_MAC = 1 << 19  # OpenSSL 3 ssl.h


def messages():
    out = subprocess.run(
        ["tshark", "-r", PCAP, "-Y", "udp", "-T", "fields", "-e", "frame.time_relative",
         "-e", "ip.src", "-e", "ip.dst", "-e", "udp.payload"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        t, src, dst, payload = line.split("\t")
        yield float(t), src, dst, bytes.fromhex(payload.replace(":", ""))


def contexts():
    srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cli = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cli.check_hostname = False
    cli.verify_mode = ssl.CERT_NONE
    cli.keylog_filename = KEYLOG
    srv.load_cert_chain(CERT, KEY)
    ver = ssl.TLSVersion.TLSv1_3 if MODE.startswith("tls13") else ssl.TLSVersion.TLSv1_2
    for c in (srv, cli):
        c.minimum_version = c.maximum_version = ver
        c.options |= ssl.OP_NO_TICKET
    if MODE in ("tls12", "wss", "wss-deflate"):
        cli.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384")
    elif MODE == "tls12-chacha":
        cli.set_ciphers("ECDHE-RSA-CHACHA20-POLY1305")
    elif MODE.startswith("tls12-rsa-cbc"):
        cli.set_ciphers("AES128-SHA256")
        srv.set_ciphers("AES128-SHA256")
        if MODE.endswith("mte"):
            for c in (srv, cli):
                c.options |= SSL_OP_NO_ENCRYPT_THEN_MAC
    return srv, cli


class Leg:
    """One connection: the client end and the accepted server end."""

    def __init__(self, client_ip, server_ip, srv_ctx, cli_ctx):
        self.client_ip = client_ip
        self.deflate = MODE == "wss-deflate"
        self.comp = {}
        lsock = socket.socket()
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((server_ip, PORT))
        lsock.listen(1)
        c = socket.socket()
        c.bind((client_ip, 0))
        c.connect((server_ip, PORT))
        s, _ = lsock.accept()
        lsock.close()
        if srv_ctx:
            res = {}
            t = threading.Thread(target=lambda: res.update(s=srv_ctx.wrap_socket(s, server_side=True)))
            t.start()
            c = cli_ctx.wrap_socket(c)
            t.join()
            s = res["s"]
        self.ends = {"c": c, "s": s}
        for e in self.ends.values():
            threading.Thread(target=self.drain, args=(e,), daemon=True).start()
        if MODE.startswith("ws"):
            self.upgrade()

    def drain(self, sock):
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def upgrade(self):
        key = base64.b64encode(os.urandom(16)).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if self.deflate else ""
        req = ("GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: sip\r\n%s\r\n" % (BASE, key, ext))
        self.ends["c"].sendall(req.encode())
        acc = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if self.deflate else ""
        resp = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: sip\r\n%s\r\n" % (acc, ext))
        time.sleep(0.01)
        self.ends["s"].sendall(resp.encode())
        time.sleep(0.01)

    def frame(self, op, payload, fin, masked, rsv1=False):
        b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | op
        n = len(payload)
        if n < 126:
            hdr = bytes([b0, (0x80 if masked else 0) | n])
        elif n < 65536:
            hdr = bytes([b0, (0x80 if masked else 0) | 126]) + n.to_bytes(2, "big")
        else:
            hdr = bytes([b0, (0x80 if masked else 0) | 127]) + n.to_bytes(8, "big")
        if not masked:
            return hdr + payload
        mask = os.urandom(4)
        return hdr + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))

    def send(self, from_client, data):
        end = self.ends["c" if from_client else "s"]
        if not MODE.startswith("ws"):
            end.sendall(data)
            return
        rsv1 = False
        if self.deflate:
            z = self.comp.setdefault(from_client, zlib.compressobj(wbits=-15))
            data = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
            data = data[:-4]  # RFC 7692 7.2.1: without the final 00 00 ff ff
            rsv1 = True
        if len(data) > 300:  # fragmented, with a ping between the fragments
            half = len(data) // 2
            end.sendall(self.frame(0x1, data[:half], False, from_client, rsv1) +
                        self.frame(0x9, b"ka", True, from_client) +
                        self.frame(0x0, data[half:], True, from_client))
        else:
            end.sendall(self.frame(0x1, data, True, from_client, rsv1))

    def close(self):
        for e in self.ends.values():
            try:
                e.close()
            except OSError:
                pass


def main():
    msgs = list(messages())
    ips = {}
    for _, src, dst, _ in msgs:
        for a in (src, dst):
            ips.setdefault(a, BASE + str(10 + len(ips)))
    srv_ctx, cli_ctx = (None, None) if MODE in ("tcp", "ws") else contexts()
    legs = {}
    for _, src, dst, _ in msgs:
        k = frozenset((src, dst))
        if k not in legs:
            legs[k] = Leg(ips[src], ips[dst], srv_ctx, cli_ctx)
    start = time.monotonic() + 0.2
    for t, src, dst, payload in msgs:
        delay = start + t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        leg = legs[frozenset((src, dst))]
        # Addresses inside the messages stay the original ones: the analyzer
        # keys dialogs on Call-ID and tags, not on addresses.
        leg.send(ips[src] == leg.client_ip, payload)
    time.sleep(0.3)
    for leg in legs.values():
        leg.close()


main()
