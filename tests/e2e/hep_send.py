#!/usr/bin/env python3
"""hep_send.py PCAP ADDR PORT KEY: sends the SIP messages of an Ethernet/IPv4/UDP
capture as HEP3 (agent id 77, auth key KEY) to ADDR:PORT over UDP and over one
TCP connection, among garbage: 80 TCP connections stalled on half a HEP
header, 10 sending HTTP, 20000 garbage datagrams, 2000 lying HEP packets
(zero-length chunks, chunk and total lengths beyond the packet) and 200 HEP
packets with a wrong key.  Used by tests/e2e/hep_flood.sh; bounded in time."""
import socket
import struct
import sys
import time


def chunk(t, v):
    return struct.pack('>HHH', 0, t, 6 + len(v)) + v


def hep(src, dst, sport, dport, sec, usec, payload, key):
    b = b''.join([chunk(1, b'\x02'), chunk(2, b'\x11'), chunk(3, src), chunk(4, dst),
                  chunk(7, struct.pack('>H', sport)), chunk(8, struct.pack('>H', dport)),
                  chunk(9, struct.pack('>I', sec)), chunk(10, struct.pack('>I', usec)),
                  chunk(11, b'\x01'), chunk(12, struct.pack('>I', 77)), chunk(14, key),
                  chunk(15, payload)])
    return b'HEP3' + struct.pack('>H', 6 + len(b)) + b


def messages(path):
    d = open(path, 'rb').read()
    assert struct.unpack_from('<I', d, 0)[0] == 0xa1b2c3d4, 'little-endian µs pcap only'
    off = 24
    while off + 16 <= len(d):
        sec, usec, incl, _ = struct.unpack_from('<IIII', d, off)
        f = d[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(f) < 42 or f[12:14] != b'\x08\x00' or f[23] != 17:
            continue
        ihl = (f[14] & 15) * 4
        u = 14 + ihl
        sport, dport, ulen = struct.unpack_from('>HHH', f, u)
        yield f[26:30], f[30:34], sport, dport, sec, usec, f[u + 8:u + ulen]


def lying(i):
    good = hep(b'\1\2\3\4', b'\1\2\3\5', 1, 2, 1, 1, b'INVITE sip:x SIP/2.0\r\n\r\n', b'k')
    b = bytearray(good)
    if i % 3 == 0:
        b[6 + 4:6 + 6] = b'\0\0'           # first chunk zero-length
    elif i % 3 == 1:
        b[6 + 4:6 + 6] = b'\xff\xff'       # chunk beyond the packet
    else:
        b[4:6] = struct.pack('>H', len(b) + 100)  # total beyond the packet
    return bytes(b)


def main():
    path, addr, port, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()
    deadline = time.time() + 50
    stalled = []
    for _ in range(80):
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(b'HEP3\x00')
        stalled.append(s)
    for _ in range(10):
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(b'GET / HTTP/1.0\r\n\r\n')
        stalled.append(s)
    time.sleep(0.2)
    tcp = socket.create_connection((addr, port), timeout=5)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    msgs = list(messages(path))
    # A live agent stamps messages with the time it saw them: shift the
    # capture's times to now (the collector's clock runs on the wall clock).
    shift = int(time.time()) - msgs[0][4] if msgs else 0
    msgs = [(a, b, c, d, sec + shift, usec, pl) for (a, b, c, d, sec, usec, pl) in msgs]
    per = 20000 // max(1, len(msgs))
    sent = 0
    for n, (src, dst, sp, dp, sec, usec, pl) in enumerate(msgs):
        for i in range(per):
            udp.sendto(b'garbage %d' % i, (addr, port))
            if i % 10 == 0:
                udp.sendto(lying(i // 10 + n), (addr, port))
            if i % 500 == 499:
                time.sleep(0.003)  # a flood, not a kernel buffer overrun
        bad = b'X-Not-This: ' + key + b'\r\n' + pl.replace(b'Call-ID: ', b'Call-ID: wrongkey-', 1)
        for _ in range(10):
            udp.sendto(hep(src, dst, sp, dp, sec, usec, bad, b'wrong'), (addr, port))
        h = hep(src, dst, sp, dp, sec, usec, pl, key)
        udp.sendto(h, (addr, port))
        tcp.sendall(h[:10])
        time.sleep(0.002)
        tcp.sendall(h[10:])
        sent += 1
        if time.time() > deadline:
            break
    time.sleep(0.5)
    tcp.close()
    for s in stalled:
        s.close()
    print('%d messages sent over UDP and TCP among %d garbage datagrams' % (sent, per * sent))


if __name__ == '__main__':
    main()
