/* source_open: opening a capture file or interface, with one-line errors.
 *
 * Everything that can fail because of the environment (missing file, not a
 * capture file, unknown link type, missing interface, no permission, a filter
 * that does not compile, an unwritable -w file) fails here, before a thread
 * starts, with a message main can print as is. */
#include "capture/source_open.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#endif

#include "capture/gzfile.h"
#include "capture/pcapng.h"

/* Appends to buf; false when it does not fit. */
static bool source_open_append(char *buf, size_t n, size_t *at, const char *s)
{
	int w = snprintf(buf + *at, n - *at, "%s", s);

	if (w < 0 || (size_t)w >= n - *at)
		return false;
	*at += (size_t)w;
	return true;
}

/* "(udp or tcp) and (port 5060 or port 5061)", plus IPv4 fragments (MF set or
 * an offset: later fragments have no UDP header to match), IPv6 packets
 * whose first extension header is a fragment header, and the tunnels the
 * decoder opens: VXLAN / GENEVE by UDP destination port, IP-in-IP, 6in4,
 * GRE (and ERSPAN in it) and SCTP by protocol. */
static bool source_open_filter_core(const struct decoder_config *cfg, char *buf, size_t n,
				    size_t *at)
{
	char port[32];
	bool ok = source_open_append(buf, n, at, "(((udp or tcp) and (");
	bool first = true;

	for (int list = 0; list < 3; list++) {
		const uint16_t *ports = list == 2 ? cfg->hep_ports : list ? cfg->tls_ports : cfg->sip_ports;
		size_t count = list == 2 ? cfg->n_hep_ports : list ? cfg->n_tls_ports : cfg->n_sip_ports;
		for (size_t i = 0; i < count && i < DECODER_MAX_PORTS; i++) {
			snprintf(port, sizeof port, "%sport %u", first ? "" : " or ", ports[i]);
			ok = ok && source_open_append(buf, n, at, port);
			first = false;
		}
	}
	if (first)
		ok = ok && source_open_append(buf, n, at, "port 5060");
	ok = ok && source_open_append(buf, n, at,
				      ")) or (ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44) or "
				      "(udp and (dst port 4789 or dst port 8472 or dst port 6081");
	for (size_t i = 0; i < cfg->n_vxlan_ports && i < DECODER_MAX_PORTS; i++) {
		snprintf(port, sizeof port, " or dst port %u", cfg->vxlan_ports[i]);
		ok = ok && source_open_append(buf, n, at, port);
	}
	return ok && source_open_append(buf, n, at,
					")) or ip proto 4 or ip proto 41 or ip proto 47 or "
					"ip proto 132 or ip6 proto 4 or ip6 proto 41 or "
					"ip6 proto 47 or ip6 proto 132)");
}

bool capture_default_filter(const struct decoder_config *cfg, bool vlan, char *buf, size_t len)
{
	size_t at = 0;

	if (len == 0)
		return false;
	buf[0] = '\0';
	bool ok = source_open_filter_core(cfg, buf, len, &at);
	/* BPF offsets assume no VLAN tag; "vlan and ..." re-checks past one tag.
	 * MPLS and PPPoE sessions are matched by their Ethernet type only (the
	 * "mpls"/"pppoes" keywords would shift the offsets of what follows). */
	if (vlan) {
		ok = ok && source_open_append(buf, len, &at,
					      " or ether proto 0x8847 or ether proto 0x8864");
		ok = ok && source_open_append(buf, len, &at, " or (vlan and ");
		ok = ok && source_open_filter_core(cfg, buf, len, &at);
		ok = ok && source_open_append(buf, len, &at, ")");
	}
	return ok;
}

static bool source_open_filter(pcap_t *p, const char *name, const char *expr, char *err,
			       size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad filter '%s': %s", expr, pcap_geterr(p));
		return false;
	}
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot set filter: %s", name, pcap_geterr(p));
		return false;
	}
	return true;
}

/* What every source needs once the handle is open: a link type we decode, the
 * filter, and the -w file.  Closes p on failure. */
static struct capture_source *source_open_finish(pcap_t *p, const char *name, bool live,
						 const char *filter,
						 const struct capture_config *cfg, char *err,
						 size_t errlen)
{
	int dlt = pcap_datalink(p);

	if (!decoder_linktype_supported(dlt)) {
		const char *dname = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "%s: unsupported link type %s (%d)", name,
			 dname ? dname : "unknown", dlt);
		pcap_close(p);
		return NULL;
	}
	if (filter && !source_open_filter(p, name, filter, err, errlen)) {
		pcap_close(p);
		return NULL;
	}
	pcap_dumper_t *dumper = NULL;
	if (cfg->write_path) {
		dumper = pcap_dump_open(p, cfg->write_path);
		if (!dumper) {
			snprintf(err, errlen, "cannot write '%s': %s", cfg->write_path,
				 pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
	}
	struct capture_source *s = capture_source_new(p, name, live, cfg);
	capture_source_set_dumper(s, dumper);
	if (!capture_source_attach_hep(s, cfg, err, errlen)) {
		capture_close(s);
		return NULL;
	}
	return s;
}

/* libpcap's wording for "this is not a capture file" is terse; say it plainly. */
static void source_open_file_error(const char *path, const char *why, char *err, size_t errlen)
{
	if (strstr(why, "unknown file format"))
		snprintf(err, errlen, "'%s' is not a pcap or pcapng file", path);
	else if (strstr(why, "file header bytes, only got 0"))
		snprintf(err, errlen, "'%s' is empty, not a pcap or pcapng file", path);
	else if (strstr(why, "file header"))
		snprintf(err, errlen, "'%s' is not a pcap or pcapng file (%s)", path, why);
	else
		snprintf(err, errlen, "cannot read '%s': %s", path, why);
}

/* pcapng: our own reader (capture/pcapng.c: interfaces of different link
 * types), behind a dead libpcap handle of the first link type for -w and to
 * check -f once. */
static struct capture_source *source_open_pcapng(FILE *fp, const char *name,
						 const struct capture_config *cfg, char *err,
						 size_t errlen)
{
	char why[200] = "";
	struct pcapng_reader *ng = pcapng_open(fp, why, sizeof why);

	if (!ng) {
		snprintf(err, errlen, "'%s' is not a pcap or pcapng file (%s)", name, why);
		fclose(fp);
		return NULL;
	}
	int lt = pcapng_peek_linktype(ng);
	pcap_t *p = pcap_open_dead(lt >= 0 ? lt : DLT_EN10MB, CAPTURE_SNAPLEN);
	if (cfg->filter) {
		struct bpf_program prog;
		if (pcap_compile(p, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "bad filter '%s': %s", cfg->filter, pcap_geterr(p));
			pcap_close(p);
			pcapng_close(ng);
			return NULL;
		}
		pcap_freecode(&prog);
	}
	struct capture_source *s = source_open_finish(p, name, false, NULL, cfg, err, errlen);
	if (!s) {
		pcapng_close(ng);
		return NULL;
	}
	capture_source_set_pcapng(s, ng, cfg->filter);
	return s;
}

struct capture_source *capture_open_file(const char *path, const struct capture_config *cfg,
					 char *err, size_t errlen)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "stdin" : path;
	int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!is_stdin && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(EISDIR));
		close(fd);
		return NULL;
	}
	/* gzip or not, told by the bytes (capture/gzfile.c) */
	uint8_t magic[4];
	size_t mlen = 0;
	FILE *fp = gzfile_open(fd, magic, &mlen);
	if (!fp) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (mlen == 4 && magic[0] == 0x0A && magic[1] == 0x0D && magic[2] == 0x0D && magic[3] == 0x0A)
		return source_open_pcapng(fp, name, cfg, err, errlen);
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p) {
		source_open_file_error(name, ebuf, err, errlen);
		fclose(fp);
		return NULL;
	}
	return source_open_finish(p, name, false, cfg->filter, cfg, err, errlen);
}

/* pcap_activate's failures, in words a user can act on. */
static void source_open_live_error(pcap_t *p, const char *iface, int rc, char *err, size_t errlen)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(err, errlen, "no such interface '%s'", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
		snprintf(err, errlen,
			 "no permission to capture on '%s' (run as root or grant CAP_NET_RAW)",
			 iface);
		break;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(err, errlen, "no permission for promiscuous mode on '%s'", iface);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(err, errlen, "interface '%s' is not up", iface);
		break;
	default:
		snprintf(err, errlen, "cannot capture on '%s': %s", iface,
			 rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		break;
	}
}

/* Linux loopback: every packet reaches the packet socket twice, as it leaves
 * and as it arrives.  libpcap discards the outgoing copy only after it took a
 * place in the ring, so under load the ring filled twice as fast and the
 * kernel counted each packet it could not hold twice: a drop count twice the
 * packets lost (measured: 95,200 sent, 79,999 captured, 30,402 "dropped").
 * PACKET_IGNORE_OUTGOING (Linux 4.20) keeps the outgoing copy out of the ring
 * altogether; libpcap would have discarded it anyway, so nothing is lost. */
static void source_open_loopback_ingress(pcap_t *p, const char *iface)
{
#if defined(__linux__) && defined(PACKET_IGNORE_OUTGOING)
	struct ifreq ifr;
	int fd = pcap_fileno(p), one = 1;

	memset(&ifr, 0, sizeof ifr);
	if (fd < 0 || strlen(iface) >= sizeof ifr.ifr_name)
		return;
	memcpy(ifr.ifr_name, iface, strlen(iface));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK))
		(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#else
	(void)p;
	(void)iface;
#endif
}

struct capture_source *capture_open_live(const char *iface, const struct capture_config *cfg,
					 char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, ebuf);

	if (!p) {
		snprintf(err, errlen, "cannot capture on '%s': %s", iface, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, cfg->snaplen > 0 ? cfg->snaplen : CAPTURE_SNAPLEN);
	pcap_set_promisc(p, 1);
	/* Not immediate mode: on Linux that means TPACKET_V2, one ring slot per packet
	 * sized for the largest frame (64 KiB on lo or with GRO), so the whole buffer
	 * held ~510 packets and a short stall of this process lost packets.  Without
	 * it (TPACKET_V3) packets are packed into blocks at their real size, and a
	 * block is handed over when full or CAPTURE_TIMEOUT_MS after its first packet:
	 * that is the most a packet waits. */
	pcap_set_immediate_mode(p, 0);
	pcap_set_buffer_size(p, cfg->buffer_bytes > 0 ? cfg->buffer_bytes : CAPTURE_BUFFER_BYTES);
	pcap_set_timeout(p, CAPTURE_TIMEOUT_MS);
	int rc = pcap_activate(p);
	if (rc < 0) {
		source_open_live_error(p, iface, rc, err, errlen);
		pcap_close(p);
		return NULL;
	}
	source_open_loopback_ingress(p, iface);
	/* TPACKET_V3 never times out on a quiet wire (an empty block is not handed
	 * over): the capture thread reads without blocking and waits in poll() with
	 * its own timeout, so it still sees stop requests and ages its state. */
	if (pcap_setnonblock(p, 1, ebuf) != 0) {
		snprintf(err, errlen, "cannot capture on '%s': %s", iface, ebuf);
		pcap_close(p);
		return NULL;
	}
	char deflt[4096];
	const char *filter = cfg->filter;
	if (!filter) {
		capture_default_filter(&cfg->decoder, pcap_datalink(p) == DLT_EN10MB, deflt,
				       sizeof deflt);
		filter = deflt;
	}
	return source_open_finish(p, iface, true, filter, cfg, err, errlen);
}
