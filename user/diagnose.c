// SPDX-License-Identifier: GPL-2.0-only
/*
 * offguard's diagnosis: which offload setups are wrong on which device,
 * how we know, and what to do. Each rule below reads the device's
 * configuration (devinfo) and offguard's counters for it, and emits at
 * most one finding with a stable id. Severity: error when packets are
 * lost or corrupted (or will be on the next path change), warning when a
 * setup costs throughput or hides a fault, info otherwise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "names.h"

struct out {
	struct og_finding	*f;
	unsigned int		nr, cap;
};

static const char *const sev_names[] = {
	[OG_SEV_INFO]		= "info",
	[OG_SEV_WARNING]	= "warning",
	[OG_SEV_ERROR]		= "error",
};

const char *og_severity_name(enum og_severity s)
{
	return s <= OG_SEV_ERROR ? sev_names[s] : "?";
}

static struct og_finding *add(struct out *o, unsigned int dev, const char *id,
			      enum og_severity sev)
{
	struct og_finding *f;

	if (o->nr == o->cap) {
		unsigned int cap = o->cap ? o->cap * 2 : 8;

		f = realloc(o->f, cap * sizeof(*f));
		if (!f)
			return NULL;
		o->f = f;
		o->cap = cap;
	}
	f = &o->f[o->nr++];
	memset(f, 0, sizeof(*f));
	f->dev = dev;
	f->id = id;
	f->severity = sev;
	return f;
}

static void __attribute__((format(printf, 3, 4)))
ev(struct og_finding *f, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (f->nr_ev >= OG_DIAG_MAX_EVIDENCE)
		return;
	f->ev[f->nr_ev].key = key;
	va_start(ap, fmt);
	vsnprintf(f->ev[f->nr_ev].val, sizeof(f->ev[0].val), fmt, ap);
	va_end(ap);
	f->nr_ev++;
}

#define SUMMARY(f, ...)	snprintf((f)->summary, sizeof((f)->summary), __VA_ARGS__)
#define FIX(f, ...)	snprintf((f)->fix, sizeof((f)->fix), __VA_ARGS__)

static const char *dev_name(const struct og_diag_dev *d, char *buf,
			    size_t size)
{
	if (d->have_info && d->info.name[0])
		return d->info.name;
	snprintf(buf, size, "ifindex %u", d->info.ifindex);
	return buf;
}

static const struct og_counter *cnt(const struct og_diag_dev *d,
				    enum og_hook h, enum og_reason r)
{
	return &d->reason[h][r];
}

static const char *onoff(const struct og_diag_dev *d, __u32 bits)
{
	if (!d->info.have_features)
		return "unknown";
	if (d->info.feat_active & bits)
		return "on";
	return d->info.feat_available & bits ? "off (the device can)" :
					       "off (fixed: the device cannot)";
}

/* A TUN/TAP's offloads are the reader's to accept (TUNSETOFFLOAD). */
static bool is_tun(const struct og_diag_dev *d)
{
	return d->have_info && !strcmp(d->info.kind, "tun");
}

/* The device can, and someone switched it off (ethtool -K ... off). */
static bool can_but_off(const struct og_diag_dev *d, __u32 bits)
{
	return d->info.have_features && (d->info.feat_available & bits) &&
	       !(d->info.feat_active & bits) &&
	       !(d->info.feat_requested & bits);
}

/*
 * Asked for and available, yet off: the driver keeps it off (a veth whose
 * peer runs native XDP loses TSO, a TUN whose reader did not accept it).
 */
static bool held_off(const struct og_diag_dev *d, __u32 bits)
{
	return d->info.have_features && (d->info.feat_available & bits) &&
	       (d->info.feat_requested & bits) &&
	       !(d->info.feat_active & bits);
}

/* partial_no_tx_csum at egress: the kernel checksums in software. */
static int rule_tx_csum(const struct og_diag_dev *d, unsigned int i,
			struct out *o, const char *name)
{
	const struct og_counter *c = cnt(d, OG_HOOK_TC_EGRESS,
					 OG_PARTIAL_NO_TX_CSUM);
	struct og_finding *f;
	bool fixable = can_but_off(d, OG_DF_TX_CSUM_ANY);

	if (!c->packets)
		return 0;
	f = add(o, i, "tx_csum_in_software",
		fixable ? OG_SEV_WARNING : OG_SEV_INFO);
	if (!f)
		return -ENOMEM;
	SUMMARY(f, "%llu packets left %s with the checksum still to do, and %s has %s: the kernel computed them in software (%llu bytes summed by the CPU)",
		(unsigned long long)c->packets, name, name,
		fixable ? "tx checksumming switched off" :
			  "no tx checksum offload",
		(unsigned long long)c->bytes);
	ev(f, "partial_no_tx_csum", "%llu", (unsigned long long)c->packets);
	ev(f, "bytes", "%llu", (unsigned long long)c->bytes);
	ev(f, "tx_checksumming", "%s", onoff(d, OG_DF_TX_CSUM_ANY));
	if (is_tun(d))
		FIX(f, "the program reading %s (QEMU, a VPN) should accept checksum offload: TUNSETOFFLOAD with TUN_F_CSUM (ethtool cannot turn on what the reader does not accept)",
		    name);
	else if (fixable)
		FIX(f, "ethtool -K %s tx on", name);
	else
		FIX(f, "nothing to change on %s (driver %s cannot); on a bulk path, prefer a device with tx checksum offload",
		    name, d->info.driver[0] ? d->info.driver : "?");
	return 0;
}

/* gso_no_tso at egress: software segmentation. */
static int rule_gso(const struct og_diag_dev *d, unsigned int i,
		    struct out *o, const char *name)
{
	const struct og_counter *c = cnt(d, OG_HOOK_TC_EGRESS, OG_GSO_NO_TSO);
	const struct og_dev_stats *st = &d->st[OG_HOOK_TC_EGRESS];
	__u32 want = 0;
	struct og_finding *f;
	bool fixable;

	if (!c->packets)
		return 0;
	if (st->gso_tcpv4)
		want |= OG_DF_TSO;
	if (st->gso_tcpv6)
		want |= OG_DF_TSO6;
	if (st->gso_udp_l4)
		want |= OG_DF_USO;
	if (!want)
		want = OG_DF_TSO | OG_DF_TSO6 | OG_DF_USO;
	fixable = can_but_off(d, want);
	f = add(o, i, "gso_in_software", fixable ? OG_SEV_WARNING : OG_SEV_INFO);
	if (!f)
		return -ENOMEM;
	SUMMARY(f, "%llu GSO packets left %s, which %s: the kernel segmented them in software",
		(unsigned long long)c->packets, name,
		fixable ? "has segmentation offload switched off" :
			  "cannot segment them in hardware");
	ev(f, "gso_no_tso", "%llu", (unsigned long long)c->packets);
	ev(f, "gso_tcpv4", "%llu", (unsigned long long)st->gso_tcpv4);
	ev(f, "gso_tcpv6", "%llu", (unsigned long long)st->gso_tcpv6);
	ev(f, "gso_udp_l4", "%llu", (unsigned long long)st->gso_udp_l4);
	ev(f, "tso", "%s", onoff(d, OG_DF_TSO));
	ev(f, "tso6", "%s", onoff(d, OG_DF_TSO6));
	ev(f, "uso", "%s", onoff(d, OG_DF_USO));
	if (is_tun(d))
		FIX(f, "the program reading %s should accept segmentation offload: TUNSETOFFLOAD with TUN_F_TSO4/TUN_F_TSO6/TUN_F_USO4/TUN_F_USO6",
		    name);
	else if (held_off(d, want) && !strcmp(d->info.kind, "veth"))
		FIX(f, "%s keeps segmentation off although asked: a native XDP program on its veth peer does that; attach XDP in generic mode there (offguard attach <peer> --hook xdp --xdp-mode skb) if the segments should stay large",
		    name);
	else if (fixable)
		FIX(f, "ethtool -K %s%s%s", name,
		    (want & (OG_DF_TSO | OG_DF_TSO6)) ? " tso on" : "",
		    (want & OG_DF_USO) ? " tx-udp-segmentation on" : "");
	else
		FIX(f, "nothing to change on %s: software GSO is what the kernel does for devices without it; it costs CPU, not packets",
		    name);
	return 0;
}

static const char *seed_text(unsigned int variant)
{
	switch (variant) {
	case OG_SEED_FULL_CSUM:
		return "puts the full checksum where the pseudo-header seed belongs (the classic writer bug): latent while offloads stay on, wrong on any path without tx checksum offload";
	case OG_SEED_LENGTHLESS:
		return "writes a NIC-style seed without the length: wrong wherever the kernel or a device completes it";
	case OG_SEED_ZERO:
		return "leaves the checksum field 0 where the pseudo-header seed belongs: wrong wherever it is completed";
	default:
		return "writes a checksum field that is neither the seed nor the full checksum";
	}
}

/* partial_bad_seed at ingress: the writer's virtio_net_hdr is wrong. */
static int rule_seed(const struct og_diag_dev *d, unsigned int i,
		     struct out *o, const char *name)
{
	const struct og_counter *c = cnt(d, OG_HOOK_TC_INGRESS,
					 OG_PARTIAL_BAD_SEED);
	const struct og_dev_stats *st = &d->st[OG_HOOK_TC_INGRESS];
	unsigned int v, top = OG_SEED_OTHER;
	bool repaired = c->packets && c->repaired == c->packets;
	struct og_finding *f;

	if (!c->packets)
		return 0;
	for (v = 0; v < __OG_SEED_MAX; v++)
		if (st->seed_variant[v] > st->seed_variant[top])
			top = v;
	f = add(o, i, "writer_bad_seed",
		repaired ? OG_SEV_WARNING : OG_SEV_ERROR);
	if (!f)
		return -ENOMEM;
	SUMMARY(f, "the writer on %s %s (%llu packets)%s", name, seed_text(top),
		(unsigned long long)c->packets,
		repaired ? "; offguard repaired every one" :
			   c->repaired ? "; offguard repaired some" : "");
	ev(f, "partial_bad_seed", "%llu", (unsigned long long)c->packets);
	ev(f, "repaired", "%llu", (unsigned long long)c->repaired);
	for (v = 0; v < __OG_SEED_MAX; v++)
		if (st->seed_variant[v])
			ev(f, og_seed_variant_name(v), "%llu",
			   (unsigned long long)st->seed_variant[v]);
	ev(f, "policy", "%s", d->have_conf[OG_HOOK_TC_INGRESS] ?
	   og_policy_name(d->conf[OG_HOOK_TC_INGRESS].policy) : "-");
	if (repaired)
		FIX(f, "fix the writer: with VIRTIO_NET_HDR_F_NEEDS_CSUM the field must hold the folded pseudo-header sum (virtio 1.x, 5.1.6.2); offguard repair covers it meanwhile");
	else
		FIX(f, "fix the writer: with VIRTIO_NET_HDR_F_NEEDS_CSUM the field must hold the folded pseudo-header sum (virtio 1.x, 5.1.6.2); meanwhile: offguard attach %s --hook tc-ingress --policy repair",
		    name);
	return 0;
}

/* Other writer faults the kernel drops or corrupts, at ingress. */
static int rule_writer_meta(const struct og_diag_dev *d, unsigned int i,
			    struct out *o, const char *name)
{
	static const enum og_reason rules[] = {
		OG_PARTIAL_BAD_START, OG_PARTIAL_BAD_OFFSET,
		OG_GSO_TYPE_MISMATCH, OG_GSO_NOT_PARTIAL, OG_GSO_BAD_L4_HDR,
		OG_GSO_FRAGMENT, OG_GSO_BAD_TCP_FLAGS, OG_UNNECESSARY_BUT_BAD,
	};
	__u64 total = 0, dropped = 0;
	struct og_finding *f = NULL;
	char list[128] = "";
	size_t n = 0;
	unsigned int k;

	for (k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
		const struct og_counter *c = cnt(d, OG_HOOK_TC_INGRESS,
						 rules[k]);

		if (!c->packets)
			continue;
		if (!f) {
			f = add(o, i, "writer_bad_metadata", OG_SEV_ERROR);
			if (!f)
				return -ENOMEM;
		}
		ev(f, og_reason_name(rules[k]), "%llu",
		   (unsigned long long)c->packets);
		total += c->packets;
		dropped += c->dropped;
		if (n < sizeof(list))
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
				      n ? ", " : "", og_reason_name(rules[k]));
	}
	if (!f)
		return 0;
	ev(f, "dropped_by_offguard", "%llu", (unsigned long long)dropped);
	SUMMARY(f, "the writer on %s hands the kernel metadata it drops later or would corrupt (%s): %llu packets",
		name, list, (unsigned long long)total);
	if (d->have_conf[OG_HOOK_TC_INGRESS] &&
	    d->conf[OG_HOOK_TC_INGRESS].policy == OG_POLICY_STRICT)
		FIX(f, "fix the writer's virtio_net_hdr; offguard strict drops these at %s with attribution",
		    name);
	else
		FIX(f, "fix the writer's virtio_net_hdr; meanwhile offguard attach %s --hook tc-ingress --policy strict drops them here, attributed, instead of deeper in the stack",
		    name);
	return 0;
}

/* GSO segments larger than the MTU they must fit. */
static int rule_gso_mtu(const struct og_diag_dev *d, unsigned int i,
			struct out *o, const char *name)
{
	__u64 p = 0, rep = 0;
	__u32 mtu = d->info.mtu;
	struct og_finding *f;
	unsigned int h;

	for (h = OG_HOOK_TC_INGRESS; h <= OG_HOOK_TC_EGRESS; h++) {
		p += cnt(d, h, OG_GSO_SIZE_EXCEEDS_MTU)->packets;
		rep += cnt(d, h, OG_GSO_SIZE_EXCEEDS_MTU)->repaired;
		if (d->have_conf[h] && d->conf[h].mtu)
			mtu = d->conf[h].mtu;
	}
	if (!p)
		return 0;
	f = add(o, i, "gso_exceeds_mtu",
		rep == p ? OG_SEV_WARNING : OG_SEV_ERROR);
	if (!f)
		return -ENOMEM;
	SUMMARY(f, "%llu GSO packets on %s carry segments larger than the MTU (%u) they must fit: the kernel drops or fragments them%s",
		(unsigned long long)p, name, mtu,
		rep == p ? "; offguard re-cut every one" : "");
	ev(f, "gso_size_exceeds_mtu", "%llu", (unsigned long long)p);
	ev(f, "repaired", "%llu", (unsigned long long)rep);
	ev(f, "mtu", "%u", mtu);
	if (rep == p)
		FIX(f, "make the sender's MTU/MSS fit %u (in a guest: ip link set <if> mtu %u)",
		    mtu, mtu);
	else
		FIX(f, "make the sender's MTU/MSS fit %u (in a guest: ip link set <if> mtu %u); meanwhile: offguard attach %s --policy repair (re-cuts TCP GSO)",
		    mtu, mtu, name);
	return 0;
}

/* Ports of one bridge with different MTUs: the larger frames die there. */
static int rule_bridge_mtu(const struct og_diag_dev *devs, unsigned int nr,
			   unsigned int i, struct out *o, const char *name)
{
	const struct og_diag_dev *d = &devs[i];
	const struct og_diag_dev *low = NULL;
	char mbuf[32], lbuf[32];
	const char *master = NULL;
	struct og_finding *f;
	unsigned int k;

	if (!d->have_info || !d->info.master)
		return 0;
	for (k = 0; k < nr; k++) {
		const struct og_diag_dev *e = &devs[k];

		if (!e->have_info)
			continue;
		if (e->info.ifindex == d->info.master)
			master = dev_name(e, mbuf, sizeof(mbuf));
		if (k == i || e->info.master != d->info.master)
			continue;
		if (e->info.mtu < d->info.mtu &&
		    (!low || e->info.mtu < low->info.mtu))
			low = e;
	}
	if (!low)
		return 0;
	f = add(o, i, "mtu_mismatch", OG_SEV_WARNING);
	if (!f)
		return -ENOMEM;
	SUMMARY(f, "%s (MTU %u) and %s (MTU %u) are ports of the same bridge %s: frames over %u bytes from %s cannot leave by %s",
		name, d->info.mtu, dev_name(low, lbuf, sizeof(lbuf)),
		low->info.mtu, master ?: "?", low->info.mtu, name,
		dev_name(low, lbuf, sizeof(lbuf)));
	ev(f, "mtu", "%u", d->info.mtu);
	ev(f, "port", "%s", dev_name(low, lbuf, sizeof(lbuf)));
	ev(f, "port_mtu", "%u", low->info.mtu);
	ev(f, "bridge", "%s", master ?: "?");
	FIX(f, "ip link set %s mtu %u (and the guest's interface behind it), or raise %s's MTU",
	    name, low->info.mtu, dev_name(low, lbuf, sizeof(lbuf)));
	return 0;
}

/* UDP GSO leaving a device that cannot checksum. */
static int rule_udp_gso_csum(const struct og_diag_dev *d, unsigned int i,
			     struct out *o, const char *name)
{
	const struct og_dev_stats *st = &d->st[OG_HOOK_TC_EGRESS];
	struct og_finding *f;

	if (!st->gso_udp_l4 || !d->info.have_features ||
	    (d->info.feat_active & OG_DF_TX_CSUM_ANY))
		return 0;
	f = add(o, i, "udp_gso_no_tx_csum", OG_SEV_WARNING);
	if (!f)
		return -ENOMEM;
	SUMMARY(f, "UDP GSO senders (UDP_SEGMENT) send through %s, which has no tx checksum offload: kernels before 6.11 refuse such sends (EIO), this one checksums every segment in software",
		name);
	ev(f, "gso_udp_l4", "%llu", (unsigned long long)st->gso_udp_l4);
	ev(f, "tx_checksumming", "%s", onoff(d, OG_DF_TX_CSUM_ANY));
	if (can_but_off(d, OG_DF_TX_CSUM_ANY))
		FIX(f, "ethtool -K %s tx on", name);
	else
		FIX(f, "route UDP GSO senders through a device with tx checksum offload, or have them send without UDP_SEGMENT on this path");
	return 0;
}

static bool csum_fault_seen(const struct og_diag_dev *d)
{
	static const enum og_reason faults[] = {
		OG_PARTIAL_BAD_SEED, OG_L3_BAD_CSUM, OG_L4_BAD_CSUM,
		OG_UNNECESSARY_BUT_BAD, OG_WIRE_L3_BAD_CSUM,
		OG_WIRE_L4_BAD_CSUM, OG_WIRE_LEAKED_PARTIAL,
		OG_KDROP_IP_CSUM, OG_KDROP_TCP_CSUM, OG_KDROP_UDP_CSUM,
	};
	unsigned int h, k;

	for (h = 0; h < __OG_HOOK_MAX; h++)
		for (k = 0; k < sizeof(faults) / sizeof(faults[0]); k++)
			if (d->reason[h][faults[k]].packets)
				return true;
	return false;
}

/* tx checksumming off although the device can, and nothing calls for it. */
static int rule_tx_off(const struct og_diag_dev *d, unsigned int i,
		       struct out *o, const char *name)
{
	__u64 seen = 0;
	struct og_finding *f;
	unsigned int h;

	if (!d->info.have_features ||
	    !(d->info.feat_available & OG_DF_TX_CSUM_ANY) ||
	    (d->info.feat_requested & OG_DF_TX_CSUM_ANY))
		return 0;
	/* tx_csum_in_software / udp_gso_no_tx_csum say it, with the cost */
	if (cnt(d, OG_HOOK_TC_EGRESS, OG_PARTIAL_NO_TX_CSUM)->packets ||
	    d->st[OG_HOOK_TC_EGRESS].gso_udp_l4)
		return 0;
	for (h = 0; h < __OG_HOOK_MAX; h++)
		seen += d->st[h].packets;
	if (csum_fault_seen(d))
		return 0;
	f = add(o, i, "tx_csum_off_without_cause",
		seen ? OG_SEV_WARNING : OG_SEV_INFO);
	if (!f)
		return -ENOMEM;
	if (seen)
		SUMMARY(f, "tx checksumming is switched off on %s although the device can do it, and offguard saw %llu packets there without one checksum fault: the folklore workaround, paid for in CPU and throughput",
			name, (unsigned long long)seen);
	else
		SUMMARY(f, "tx checksumming is switched off on %s although the device can do it; offguard has no traffic of it to say whether anything calls for that",
			name);
	ev(f, "tx_checksumming", "%s", onoff(d, OG_DF_TX_CSUM_ANY));
	ev(f, "requested", "off");
	ev(f, "packets_seen", "%llu", (unsigned long long)seen);
	if (is_tun(d))
		FIX(f, "the program reading %s should accept checksum offload (TUNSETOFFLOAD with TUN_F_CSUM); if a writer's checksums were the reason, offguard attach %s --policy repair fixes them instead",
		    name, name);
	else
		FIX(f, "ethtool -K %s tx on; if a writer's checksums were the reason, offguard attach <tap> --policy repair fixes them at the source instead",
		    name);
	return 0;
}

/* What XDP saw on the wire. */
static int rule_wire(const struct og_diag_dev *d, unsigned int i,
		     struct out *o, const char *name)
{
	const struct og_counter *l3 = cnt(d, OG_HOOK_XDP, OG_WIRE_L3_BAD_CSUM);
	const struct og_counter *l4 = cnt(d, OG_HOOK_XDP, OG_WIRE_L4_BAD_CSUM);
	const struct og_counter *z6 = cnt(d, OG_HOOK_XDP,
					  OG_WIRE_UDP6_ZERO_CSUM);
	const struct og_counter *lp = cnt(d, OG_HOOK_XDP,
					  OG_WIRE_LEAKED_PARTIAL);
	const struct og_counter *ov = cnt(d, OG_HOOK_XDP, OG_WIRE_OVERSIZE);
	struct og_finding *f;

	if (lp->packets) {
		bool rep = lp->repaired == lp->packets;

		f = add(o, i, "wire_leaked_partial",
			rep ? OG_SEV_WARNING : OG_SEV_ERROR);
		if (!f)
			return -ENOMEM;
		SUMMARY(f, "%llu frames arrived on %s with a partial checksum nobody completed: a sender's checksum offload was lost on the way (a VM or tunnel path that forwards CHECKSUM_PARTIAL frames as they are)%s",
			(unsigned long long)lp->packets, name,
			rep ? "; offguard completed every one" : "");
		ev(f, "wire_leaked_partial", "%llu",
		   (unsigned long long)lp->packets);
		ev(f, "repaired", "%llu", (unsigned long long)lp->repaired);
		FIX(f, "find the sender whose offload is lost; meanwhile offguard attach %s --hook xdp --policy repair completes them",
		    name);
	}
	if (l3->packets || l4->packets || z6->packets) {
		f = add(o, i, "wire_bad_checksums", OG_SEV_WARNING);
		if (!f)
			return -ENOMEM;
		SUMMARY(f, "%llu frames with wrong checksums that claim to be complete arrived on %s: corruption on the link or a sender bug (offguard never rewrites these)",
			(unsigned long long)(l3->packets + l4->packets +
					     z6->packets), name);
		ev(f, "wire_l3_bad_csum", "%llu", (unsigned long long)l3->packets);
		ev(f, "wire_l4_bad_csum", "%llu", (unsigned long long)l4->packets);
		ev(f, "wire_udp6_zero_csum", "%llu",
		   (unsigned long long)z6->packets);
		FIX(f, "check the link and the senders (offguard dump %s -w bad.pcap shows them); offguard attach %s --hook xdp --policy strict drops them here, attributed",
		    name, name);
	}
	if (ov->packets) {
		f = add(o, i, "wire_oversize", OG_SEV_WARNING);
		if (!f)
			return -ENOMEM;
		SUMMARY(f, "%llu frames longer than %s's MTU (%u) arrived: LRO/GRO or TSO output leaking onto the wire",
			(unsigned long long)ov->packets, name, d->info.mtu);
		ev(f, "wire_oversize", "%llu", (unsigned long long)ov->packets);
		ev(f, "mtu", "%u", d->info.mtu);
		FIX(f, "turn LRO off on the sending side (ethtool -K <dev> lro off), or raise %s's MTU to what arrives",
		    name);
	}
	return 0;
}

/* The kernel's own checksum/GSO drops on this device. */
static int rule_kdrop(const struct og_diag_dev *d, unsigned int i,
		      struct out *o, const char *name)
{
	__u64 total = 0;
	struct og_finding *f = NULL;
	unsigned int r;

	for (r = OG_KDROP_IP_CSUM; r <= OG_KDROP_OTHER_OFFLOAD; r++) {
		const struct og_counter *c = cnt(d, OG_HOOK_KDROP, r);

		if (!c->packets)
			continue;
		if (!f) {
			f = add(o, i, "kernel_checksum_drops", OG_SEV_WARNING);
			if (!f)
				return -ENOMEM;
		}
		ev(f, og_reason_name(r), "%llu", (unsigned long long)c->packets);
		total += c->packets;
	}
	if (!f)
		return 0;
	SUMMARY(f, "the kernel dropped %llu packets on %s for checksum or segmentation reasons",
		(unsigned long long)total, name);
	if (d->watched)
		FIX(f, "see the other findings for %s; offguard dump %s -w drops.pcap shows the packets",
		    name, name);
	else
		FIX(f, "offguard attach %s --hook all shows which sender and which rule", name);
	return 0;
}

int og_diagnose(const struct og_diag_dev *devs, unsigned int nr,
		struct og_finding **out, unsigned int *nr_out)
{
	struct out o = { .f = *out, .nr = *nr_out, .cap = *nr_out };
	unsigned int i;
	int err = 0;

	for (i = 0; i < nr && !err; i++) {
		const struct og_diag_dev *d = &devs[i];
		char buf[32];
		const char *name = dev_name(d, buf, sizeof(buf));

		err = rule_seed(d, i, &o, name) ?:
		      rule_writer_meta(d, i, &o, name) ?:
		      rule_gso_mtu(d, i, &o, name) ?:
		      rule_tx_csum(d, i, &o, name) ?:
		      rule_gso(d, i, &o, name) ?:
		      rule_udp_gso_csum(d, i, &o, name) ?:
		      rule_tx_off(d, i, &o, name) ?:
		      rule_bridge_mtu(devs, nr, i, &o, name) ?:
		      rule_wire(d, i, &o, name) ?:
		      rule_kdrop(d, i, &o, name);
	}
	*out = o.f;
	*nr_out = o.nr;
	return err;
}
