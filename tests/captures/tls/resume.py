#!/usr/bin/env python3
"""Two TLS 1.2 connections, the second resuming the first's session by
session ID (MODE sid: tickets off) or by session ticket (MODE ticket, RFC 5077),
each carrying an OPTIONS and its 200 OK.  MODE tls10: the same over TLS 1.0
with AES-128-CBC-SHA (implicit, chained IVs); MODE hrr: TLS 1.3 where the
server accepts only secp384r1, so that it answers the client's X25519 key
share with a HelloRetryRequest (RFC 8446 4.1.4); MODE cbc384: TLS 1.2 with
ECDHE-RSA-AES256-SHA384 (AES-256-CBC, HMAC-SHA384, the SHA-384 PRF).  Python's ssl (OpenSSL) writes the
key log.  Usage: resume.py MODE KEYLOG CERT KEY ADDR PORT (record_resume.sh)."""
import socket
import ssl
import sys
import threading
import time

MODE, KEYLOG, CERT, KEY, ADDR, PORT = sys.argv[1:7]
PORT = int(PORT)


def sip(first, cseq):
    if first:
        return ("\r\nOPTIONS sip:ucma@%s SIP/2.0\r\nVia: SIP/2.0/TLS %s:5070;branch=z9hG4bK-r%d\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:mon@%s>;tag=r1\r\nTo: <sip:ucma@%s>\r\n"
                "Call-ID: resume-%s@%s\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n"
                % (ADDR, ADDR, cseq, ADDR, ADDR, MODE, ADDR, cseq)).encode()
    return ("SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS %s:5070;branch=z9hG4bK-r%d\r\n"
            "From: <sip:mon@%s>;tag=r1\r\nTo: <sip:ucma@%s>;tag=r2\r\n"
            "Call-ID: resume-%s@%s\r\nCSeq: %d OPTIONS\r\nContent-Length: 0\r\n\r\n"
            % (ADDR, cseq, ADDR, ADDR, MODE, ADDR, cseq)).encode()


srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
srv.load_cert_chain(CERT, KEY)
cli = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cli.check_hostname = False
cli.verify_mode = ssl.CERT_NONE
cli.keylog_filename = KEYLOG
VERSION = {"tls10": ssl.TLSVersion.TLSv1, "hrr": ssl.TLSVersion.TLSv1_3}.get(MODE, ssl.TLSVersion.TLSv1_2)
for c in (srv, cli):
    c.minimum_version = c.maximum_version = VERSION
    if MODE == "sid":
        c.options |= ssl.OP_NO_TICKET
    if MODE == "tls10":
        c.set_ciphers("ECDHE-RSA-AES128-SHA:@SECLEVEL=0")
if MODE in ("sid", "ticket"):
    cli.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
if MODE == "cbc384":
    cli.set_ciphers("ECDHE-RSA-AES256-SHA384")
if MODE == "hrr":
    srv.set_ecdh_curve("secp384r1")

lsock = socket.socket()
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind((ADDR, PORT))
lsock.listen(2)


def serve():
    for cseq in (1, 2):
        s, _ = lsock.accept()
        s = srv.wrap_socket(s, server_side=True)
        s.recv(65536)
        s.sendall(sip(False, cseq))
        s.unwrap().close()  # a clean shutdown keeps the session resumable


t = threading.Thread(target=serve)
t.start()
session = None
for cseq in (1, 2):
    c = cli.wrap_socket(socket.create_connection((ADDR, PORT)), session=session)
    c.sendall(sip(True, cseq))
    c.recv(65536)
    if cseq == 2 and MODE in ("sid", "ticket") and not c.session_reused:
        sys.exit("session not resumed")
    session = c.session
    c.unwrap().close()
    time.sleep(0.2)
t.join()
