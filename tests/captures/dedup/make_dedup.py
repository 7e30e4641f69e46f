#!/usr/bin/python3
"""Regenerates tests/captures/dedup/u03_mirror_and_retransmission.pcap for
tests/e2e/dedup.sh (needs python3-scapy; the test does not).

The healthy timer call u03 with, added by Scapy:
  - a mirror duplicate: frame 6 (the callee's 200 OK to the INVITE) seen again
    1 ms later, byte for byte (same IPv4 ID) -- one message;
  - a genuine retransmission: frame 12 (the 200 OK to the UPDATE) sent again
    9 ms later with a new IPv4 ID -- a second message, marked retransmission.

  /usr/bin/python3 tests/captures/dedup/make_dedup.py
"""
import os

from scapy.all import IP, rdpcap, wrpcap

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, '..', 'corpus', 'u03_healthy_update_se90_realtime.pcap')


def main():
    pkts = list(rdpcap(SRC))
    mirror = pkts[5].copy()
    mirror.time = pkts[5].time + 0.001
    retrans = pkts[11].copy()
    retrans[IP].id = (retrans[IP].id + 0x321) & 0xffff
    del retrans[IP].chksum
    retrans = retrans.__class__(bytes(retrans))
    retrans.time = pkts[11].time + 0.009
    out = pkts[:6] + [mirror] + pkts[6:12] + [retrans] + pkts[12:]
    out.sort(key=lambda p: p.time)
    wrpcap(os.path.join(HERE, 'u03_mirror_and_retransmission.pcap'), out)


if __name__ == '__main__':
    main()
