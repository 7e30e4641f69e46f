#!/usr/bin/python3
"""Regenerates the tunnel captures of tests/e2e/tunnels.sh (needs python3-scapy
and tshark; the test itself needs neither).

Each recorded call of tests/captures/corpus (the seed outage u02 and the
healthy timer call u03) is wrapped, packet by packet, by Scapy -- an encoder
independent of sipwatch -- in one encapsulation.  tshark then confirms that
every SIP message decodes through it; expected.txt records, per capture, the
plain call it wraps, the encapsulation counter sipwatch must show and the
number of SIP messages tshark sees.

  /usr/bin/python3 tests/captures/tunnels/make_tunnels.py
"""
import os
import subprocess
import sys

from scapy.all import (Ether, IP, IPv6, UDP, Dot1Q, GRE, PPPoE, PPP, Raw, rdpcap,
                       wrpcap, fragment, SCTP, SCTPChunkData, SCTPChunkSACK)
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific
from scapy.contrib.geneve import GENEVE
from scapy.contrib.mpls import MPLS
from scapy.layers.vxlan import VXLAN

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', 'corpus')
CALLS = {'u02': 'u02_seed_dropped_se90_realtime.pcap',
         'u03': 'u03_healthy_update_se90_realtime.pcap'}
MAC_A, MAC_B = '02:00:00:00:8c:01', '02:00:00:00:8c:02'
O4_A, O4_B = '192.0.2.1', '192.0.2.2'        # outer (underlay) addresses
O6_A, O6_B = '2001:db8:8c::1', '2001:db8:8c::2'


def outer4(proto=None):
    ip = IP(src=O4_A, dst=O4_B, id=7)
    if proto is not None:
        ip.proto = proto
    return Ether(src=MAC_A, dst=MAC_B) / ip


def inner_ip(eth):
    return eth[IP].copy()


def to_v6(eth):
    """The same UDP datagram over IPv6 (the addresses mapped into 2001:db8:1::/64)."""
    ip = eth[IP]
    a = '2001:db8:1::' + ip.src.split('.')[-1]
    b = '2001:db8:1::' + ip.dst.split('.')[-1]
    udp = ip[UDP]
    return IPv6(src=a, dst=b) / UDP(sport=udp.sport, dport=udp.dport) / Raw(bytes(udp.payload))


def sip_payload(eth):
    return bytes(eth[UDP].payload)


def wrap(kind, eth, i):
    """A list of frames carrying the packet eth in encapsulation kind."""
    if kind == 'vxlan':
        return [outer4() / UDP(sport=40000 + i % 1000, dport=4789) / VXLAN(vni=42) / eth]
    if kind == 'vxlan8472':
        return [outer4() / UDP(sport=40000, dport=8472) / VXLAN(vni=7) / eth]
    if kind == 'vxlan_vlan':
        inner = Ether(src=eth.src, dst=eth.dst) / Dot1Q(vlan=100) / inner_ip(eth)
        return [outer4() / UDP(sport=40000, dport=4789) / VXLAN(vni=42) / inner]
    if kind == 'vxlan_frag':
        # the inner datagram in 256-byte fragments, reassembled by inner addresses
        inner = inner_ip(eth)
        inner.id = 1000 + i
        return [outer4() / UDP(sport=40000, dport=4789) / VXLAN(vni=42) /
                Ether(src=eth.src, dst=eth.dst) / f for f in fragment(inner, fragsize=256)]
    if kind == 'geneve':
        opt = bytes([0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef])  # one 4-byte option
        return [outer4() / UDP(sport=40000, dport=6081) /
                GENEVE(vni=5, proto=0x6558, optionlen=2, options=opt) / eth]
    if kind == 'gre':
        return [outer4() / GRE(key_present=1, key=99, seqnum_present=1, seqence_number=i,
                               chksum_present=1, proto=0x0800) / inner_ip(eth)]
    if kind == 'gre6':
        return [Ether(src=MAC_A, dst=MAC_B, type=0x86dd) / IPv6(src=O6_A, dst=O6_B) /
                GRE(proto=0x0800) / inner_ip(eth)]
    if kind == 'gretap':
        return [outer4() / GRE(proto=0x6558) / eth]
    if kind == 'erspan1':
        return [outer4() / GRE(proto=0x88be) / eth]
    if kind == 'erspan2':
        return [outer4() / GRE(seqnum_present=1, seqence_number=i, proto=0x88be) /
                ERSPAN_II(ver=1, session_id=3) / eth]
    if kind == 'erspan3':
        return [outer4() / GRE(seqnum_present=1, seqence_number=i, proto=0x22eb) /
                ERSPAN_III(ver=2, session_id=3, o=1) / ERSPAN_PlatformSpecific(platf_id=3) / eth]
    if kind == 'mpls':
        return [Ether(src=MAC_A, dst=MAC_B, type=0x8847) / MPLS(label=100, s=0) /
                MPLS(label=200, s=1) / inner_ip(eth)]
    if kind == 'ipip':
        return [outer4(proto=4) / inner_ip(eth)]
    if kind == 'sit':
        return [outer4(proto=41) / to_v6(eth)]
    if kind == 'pppoe':
        return [Ether(src=MAC_A, dst=MAC_B) / PPPoE(sessionid=0x11) / PPP(proto=0x0021) /
                inner_ip(eth)]
    if kind == 'sctp':
        # RFC 4168: one SIP message per DATA chunk, behind a SACK chunk (bundling)
        ip = eth[IP]
        data = SCTPChunkData(tsn=i, stream_id=0, stream_seq=i, proto_id=0, beginning=1,
                             ending=1, data=sip_payload(eth))
        return [Ether(src=eth.src, dst=eth.dst) / IP(src=ip.src, dst=ip.dst) /
                SCTP(sport=5060, dport=5060, tag=1) / SCTPChunkSACK(cumul_tsn_ack=i) / data]
    raise ValueError(kind)


# encapsulation -> the counter sipwatch must show non-zero, and the tshark filter
KINDS = {
    'vxlan': ('vxlan', 'vxlan && sip'),
    'vxlan8472': ('vxlan', 'sip'),  # tshark needs "-d udp.port==8472,vxlan": see below
    'vxlan_vlan': ('vlan', 'vxlan && vlan && sip'),
    'vxlan_frag': ('vxlan', 'vxlan && sip'),
    'geneve': ('geneve', 'geneve && sip'),
    'gre': ('gre', 'gre && sip'),
    'gre6': ('gre', 'ipv6 && gre && sip'),
    'gretap': ('gre', 'gre && eth.type == 0x6558 || gre && sip'),
    'erspan1': ('erspan', 'erspan && sip'),
    'erspan2': ('erspan', 'erspan && sip'),
    'erspan3': ('erspan', 'erspan && sip'),
    'mpls': ('mpls', 'mpls && sip'),
    'ipip': ('ipip', 'ip.proto == 4 && sip'),
    'sit': ('ipip', 'ip.proto == 41 && sip'),
    'pppoe': ('pppoe', 'pppoes && sip'),
    'sctp': ('sctp', 'sctp && sip'),
}


def tshark_count(path, flt):
    cmd = ['tshark', '-n', '-r', path, '-d', 'udp.port==8472,vxlan', '-Y', flt,
           '-T', 'fields', '-e', 'sip.CSeq']
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return sum(1 for line in out.splitlines() if line.strip())


def main():
    lines = ['# capture plain-call encap-counter tshark-sip-messages']
    for call, name in sorted(CALLS.items()):
        pkts = rdpcap(os.path.join(CORPUS, name))
        plain = tshark_count(os.path.join(CORPUS, name), 'sip')
        for kind, (counter, flt) in sorted(KINDS.items()):
            out = []
            for i, p in enumerate(pkts):
                for w in wrap(kind, p, i):
                    w.time = p.time
                    out.append(w)
            path = os.path.join(HERE, '%s_%s.pcap' % (call, kind))
            wrpcap(path, out)
            got = tshark_count(path, flt)
            if got != plain:
                sys.exit('%s: tshark sees %d SIP messages through %s, the plain call %d'
                         % (path, got, kind, plain))
            lines.append('%s_%s.pcap %s %s %d' % (call, kind, name, counter, got))
    with open(os.path.join(HERE, 'expected.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
