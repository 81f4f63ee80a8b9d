// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet builder and RFC 1071 checksums. See pkt.h for the contract.
 *
 * Everything is written byte by byte in network order rather than through
 * the libc header structs, so that deliberately inconsistent headers (a
 * doff that lies, a length past the data) are as easy to make as good ones.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "pkt.h"


#define NEXTHDR_HOP	0
#define NEXTHDR_ROUTING	43
#define NEXTHDR_FRAG	44
#define NEXTHDR_DEST	60

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

void og_pkt_spec_init(struct og_pkt_spec *spec)
{
	static const __u8 smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const __u8 dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(spec, 0, sizeof(*spec));
	memcpy(spec->src_mac, smac, 6);
	memcpy(spec->dst_mac, dmac, 6);
	/* Documentation ranges (RFC 5737, RFC 3849): never routed anywhere. */
	inet_pton(AF_INET, "192.0.2.1", &spec->saddr4);
	inet_pton(AF_INET, "192.0.2.2", &spec->daddr4);
	inet_pton(AF_INET6, "2001:db8::1", &spec->saddr6);
	inet_pton(AF_INET6, "2001:db8::2", &spec->daddr6);
	inet_pton(AF_INET6, "2001:db8::99", &spec->rt2_addr);
	spec->ttl = 64;
	spec->ip_id = 1;
	spec->df = true;
	spec->l4proto = IPPROTO_TCP;
	spec->sport = 40000;
	spec->dport = 5201;
	spec->tcp_flags = OG_TCP_ACK | OG_TCP_PSH;
	spec->seq = 1;
	spec->ack = 1;
	spec->pattern_seed = 0x5a;
	spec->l4_csum = OG_L4_CSUM_FULL;
}

void og_vnet_spec_init(struct og_vnet_spec *vs)
{
	memset(vs, 0, sizeof(*vs));
	vs->csum_start = -1;
	vs->csum_offset = -1;
	vs->hdr_len = -1;
}

/*
 * RFC 1071 one's-complement sum of big-endian 16-bit words, into a 32-bit
 * accumulator that is folded only at the end. An odd trailing byte is the
 * high half of a word padded with zero, which is why only the last piece
 * of a chained sum may have odd length.
 */
__u32 og_csum_add(__u32 sum, const void *buf, size_t len)
{
	const __u8 *p = buf;
	__u64 acc = sum;

	while (len >= 2) {
		acc += get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (__u32)p[0] << 8;
	/* Fold back into 32 bits so callers can keep chaining. */
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (__u32)acc;
}

__u16 og_csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

__u16 og_csum(const void *buf, size_t len)
{
	return (__u16)~og_csum_fold(og_csum_add(0, buf, len));
}

static size_t tcp_opts(const struct og_pkt_spec *s, __u8 *o)
{
	size_t n = 0;

	if (s->mss) {
		o[n++] = 2;
		o[n++] = 4;
		put16(o + n, s->mss);
		n += 2;
	}
	if (s->sack_perm) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
	}
	if (s->tcp_ts) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 8;
		o[n++] = 10;
		put32(o + n, 0x01020304);
		put32(o + n + 4, s->tcp_flags & OG_TCP_ACK ? 0x0a0b0c0d : 0);
		n += 8;
	}
	if (s->wscale) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = s->wscale;
	}
	return n;	/* every option above is padded to 4 bytes */
}

static size_t ext_len(enum og_pkt_ext e)
{
	switch (e) {
	case OG_EXT_HBH:
	case OG_EXT_DST:
	case OG_EXT_FRAG:
		return 8;
	case OG_EXT_RT2:
		return 24;
	default:
		return 0;
	}
}

static __u8 ext_proto(enum og_pkt_ext e)
{
	switch (e) {
	case OG_EXT_HBH:
		return NEXTHDR_HOP;
	case OG_EXT_DST:
		return NEXTHDR_DEST;
	case OG_EXT_FRAG:
		return NEXTHDR_FRAG;
	default:
		return NEXTHDR_ROUTING;
	}
}

static int n_ext(const struct og_pkt_spec *s)
{
	int n = 0;

	while (n < OG_PKT_MAX_EXT && s->ext[n] != OG_EXT_NONE)
		n++;
	return n;
}

static void put_ext(const struct og_pkt_spec *s, enum og_pkt_ext e,
		    __u8 next, __u8 *p)
{
	memset(p, 0, ext_len(e));
	p[0] = next;
	switch (e) {
	case OG_EXT_HBH:
	case OG_EXT_DST:
		/* Hdr Ext Len 0 = 8 bytes; one PadN option fills the rest. */
		p[2] = 1;
		p[3] = 4;
		break;
	case OG_EXT_FRAG:
		put16(p + 2, (__u16)(s->frag_off << 3 | (s->mf ? 1 : 0)));
		put32(p + 4, s->frag_ident);
		break;
	case OG_EXT_RT2:
		p[1] = 2;	/* (24 - 8) / 8 */
		p[2] = 2;	/* type 2 */
		p[3] = 1;	/* segments left: rt2_addr is still ahead */
		memcpy(p + 8, &s->rt2_addr, 16);
		break;
	default:
		break;
	}
}

int og_pkt_build(const struct og_pkt_spec *s, void *buf, size_t cap,
		 struct og_pkt *pkt)
{
	__u8 opts[40], *b = buf;
	size_t off = 0, l3_len, l4h, optlen = 0, ext_total = 0;
	int i, next;

	memset(pkt, 0, sizeof(*pkt));
	if (s->l4proto != IPPROTO_TCP && s->l4proto != IPPROTO_UDP)
		return -EINVAL;
	if (s->ip_opts_len % 4 || s->ip_opts_len > OG_PKT_MAX_IPOPT)
		return -EINVAL;
	/* Options belong to IPv4, extension headers to IPv6. */
	if (s->ipv6 ? s->ip_opts_len != 0 : n_ext(s) != 0)
		return -EINVAL;

	if (s->l4proto == IPPROTO_TCP) {
		optlen = tcp_opts(s, opts);
		l4h = OG_TCP_HLEN + optlen;
	} else {
		l4h = OG_UDP_HLEN;
	}
	for (i = 0; i < n_ext(s); i++)
		ext_total += ext_len(s->ext[i]);
	l3_len = s->ipv6 ? OG_IPV6_HLEN + ext_total :
			   (size_t)OG_IPV4_HLEN + s->ip_opts_len;

	if ((s->ether ? OG_ETH_HLEN + (s->vlan_id ? OG_VLAN_HLEN : 0) : 0) +
	    l3_len + l4h + s->payload_len > cap)
		return -ENOSPC;
	if (l3_len + l4h + s->payload_len > 65535 + (s->ipv6 ? 40 : 0))
		return -EINVAL;

	if (s->ether) {
		memcpy(b, s->dst_mac, 6);
		memcpy(b + 6, s->src_mac, 6);
		off = 12;
		if (s->vlan_id) {
			put16(b + off, ETH_P_8021Q);
			put16(b + off + 2, s->vlan_id & 0x0fff);
			off += 4;
		}
		put16(b + off, s->ipv6 ? ETH_P_IPV6 : ETH_P_IP);
		off += 2;
	}

	pkt->data = b;
	pkt->l3_off = off;
	pkt->l4_off = off + l3_len;
	pkt->payload_off = pkt->l4_off + l4h;
	pkt->l4_len = l4h + s->payload_len;
	pkt->len = pkt->payload_off + s->payload_len;
	pkt->l4proto = s->l4proto;
	pkt->ipv6 = s->ipv6;
	pkt->csum_off = s->l4proto == IPPROTO_TCP ? OG_TCP_CSUM_OFF :
						    OG_UDP_CSUM_OFF;

	if (!s->ipv6) {
		__u8 *ip = b + off;
		__u16 frag = s->frag_off & 0x1fff;

		if (s->df)
			frag |= 0x4000;
		if (s->mf)
			frag |= 0x2000;
		ip[0] = 0x40 | (__u8)(l3_len / 4);
		ip[1] = s->tos;
		put16(ip + 2, (__u16)(l3_len + pkt->l4_len + s->ip_len_delta));
		put16(ip + 4, s->ip_id);
		put16(ip + 6, frag);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->l4proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, &s->saddr4, 4);
		memcpy(ip + 16, &s->daddr4, 4);
		/* NOPs then one EOL: valid options that no router acts on. */
		if (s->ip_opts_len) {
			memset(ip + 20, 1, s->ip_opts_len);
			ip[20 + s->ip_opts_len - 1] = 0;
		}
		pkt->ph_src_off = off + 12;
		pkt->ph_dst_off = off + 16;
	} else {
		__u8 *ip = b + off, *p;
		__u32 vtf = 6u << 28 | (__u32)s->tos << 20;

		put32(ip, vtf);
		put16(ip + 4, (__u16)(ext_total + pkt->l4_len + s->ip_len_delta));
		ip[6] = n_ext(s) ? ext_proto(s->ext[0]) : s->l4proto;
		ip[7] = s->ttl ? s->ttl : 64;
		memcpy(ip + 8, &s->saddr6, 16);
		memcpy(ip + 24, &s->daddr6, 16);
		pkt->ph_src_off = off + 8;
		pkt->ph_dst_off = off + 24;
		p = ip + OG_IPV6_HLEN;
		for (i = 0; i < n_ext(s); i++) {
			next = i + 1 < n_ext(s) ? ext_proto(s->ext[i + 1]) :
						  s->l4proto;
			put_ext(s, s->ext[i], (__u8)next, p);
			/* RFC 6275 6.4: the checksum covers the home address. */
			if (s->ext[i] == OG_EXT_RT2)
				pkt->ph_dst_off = (size_t)(p + 8 - b);
			p += ext_len(s->ext[i]);
		}
	}

	off = pkt->l4_off;
	if (s->l4proto == IPPROTO_TCP) {
		__u8 *th = b + off;
		__u8 doff = s->doff_set ? s->doff & 0x0f : (__u8)(l4h / 4);

		put16(th, s->sport);
		put16(th + 2, s->dport);
		put32(th + 4, s->seq);
		put32(th + 8, s->tcp_flags & OG_TCP_ACK ? s->ack : 0);
		th[12] = (__u8)(doff << 4);
		th[13] = s->tcp_flags;
		put16(th + 14, s->window ? s->window : 65535);
		put16(th + 16, 0);
		put16(th + 18, 0);
		memcpy(th + 20, opts, optlen);
	} else {
		__u8 *uh = b + off;

		put16(uh, s->sport);
		put16(uh + 2, s->dport);
		put16(uh + 4, (__u16)(pkt->l4_len + s->udp_len_delta));
		put16(uh + 6, 0);
	}
	for (size_t j = 0; j < s->payload_len; j++)
		b[pkt->payload_off + j] = og_pkt_pattern(s->pattern_seed, j);

	og_pkt_set_ip_csum(pkt, s->bad_ip_csum);
	if (s->l4_csum != OG_L4_CSUM_KEEP)
		og_pkt_set_l4_csum(pkt, s->l4_csum);
	return (int)pkt->len;
}

__u32 og_pkt_pseudo_sum(const struct og_pkt *pkt, bool with_len)
{
	__u32 sum, len = (__u32)pkt->l4_len;

	size_t alen = pkt->ipv6 ? 16 : 4;

	sum = og_csum_add(0, pkt->data + pkt->ph_src_off, alen);
	sum = og_csum_add(sum, pkt->data + pkt->ph_dst_off, alen);
	sum += pkt->l4proto;
	if (with_len)
		sum += (len >> 16) + (len & 0xffff);
	return sum;
}

static __u16 full_csum(const struct og_pkt *pkt)
{
	const __u8 *l4 = pkt->data + pkt->l4_off;
	__u32 sum = og_pkt_pseudo_sum(pkt, true);
	__u16 c;

	/* Sum around the checksum field rather than zeroing it in place. */
	sum = og_csum_add(sum, l4, pkt->csum_off);
	sum = og_csum_add(sum, l4 + pkt->csum_off + 2,
			  pkt->l4_len - pkt->csum_off - 2);
	c = (__u16)~og_csum_fold(sum);
	/* RFC 768: a computed 0 is sent as all ones; 0 means "none". */
	if (c == 0 && pkt->l4proto == IPPROTO_UDP)
		c = 0xffff;
	return c;
}

__u16 og_pkt_l4_csum_value(const struct og_pkt *pkt, enum og_l4_csum mode)
{
	__u16 full, seed, nolen, v;

	switch (mode) {
	case OG_L4_CSUM_FULL:
		return full_csum(pkt);
	case OG_L4_CSUM_SEED:
		return og_csum_fold(og_pkt_pseudo_sum(pkt, true));
	case OG_L4_CSUM_LENGTHLESS:
		return og_csum_fold(og_pkt_pseudo_sum(pkt, false));
	case OG_L4_CSUM_ZERO:
		return 0;
	case OG_L4_CSUM_BAD:
		full = full_csum(pkt);
		seed = og_csum_fold(og_pkt_pseudo_sum(pkt, true));
		nolen = og_csum_fold(og_pkt_pseudo_sum(pkt, false));
		/*
		 * Must not be mistaken for any other variant. 0 and 0xffff
		 * are out too: one is "no checksum" for UDP, and either can
		 * be the one's-complement twin of a right value.
		 */
		v = full ^ 0x0bad;
		while (v == full || v == seed || v == nolen || v == 0 ||
		       v == 0xffff)
			v++;
		return v;
	default:
		return og_pkt_l4_csum_get(pkt);
	}
}

void og_pkt_set_l4_csum(struct og_pkt *pkt, enum og_l4_csum mode)
{
	__u16 v;

	if (mode == OG_L4_CSUM_KEEP)
		return;
	/* Computed over a zero field, whatever was there before. */
	put16(pkt->data + pkt->l4_off + pkt->csum_off, 0);
	v = og_pkt_l4_csum_value(pkt, mode);
	put16(pkt->data + pkt->l4_off + pkt->csum_off, v);
}

__u16 og_pkt_l4_csum_get(const struct og_pkt *pkt)
{
	return get16(pkt->data + pkt->l4_off + pkt->csum_off);
}

bool og_pkt_l4_csum_ok(const struct og_pkt *pkt)
{
	__u32 sum = og_pkt_pseudo_sum(pkt, true);

	sum = og_csum_add(sum, pkt->data + pkt->l4_off, pkt->l4_len);
	return og_csum_fold(sum) == 0xffff;
}

void og_pkt_set_ip_csum(struct og_pkt *pkt, bool bad)
{
	__u8 *ip = pkt->data + pkt->l3_off;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	__u16 c;

	if (pkt->ipv6)
		return;
	put16(ip + 10, 0);
	c = og_csum(ip, ihl);
	put16(ip + 10, bad ? (__u16)(c + 1) : c);
}

void og_pkt_vnet_hdr(const struct og_pkt *pkt, const struct og_vnet_spec *vs,
		     struct virtio_net_hdr *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->flags = vs->flags;
	hdr->gso_type = vs->gso_type | (vs->ecn ? VIRTIO_NET_HDR_GSO_ECN : 0);
	hdr->gso_size = vs->gso_size;
	hdr->hdr_len = (__u16)(vs->hdr_len >= 0 ? (size_t)vs->hdr_len :
						  pkt->payload_off);
	if (vs->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM || vs->csum_start >= 0 ||
	    vs->csum_offset >= 0) {
		hdr->csum_start = (__u16)(vs->csum_start >= 0 ?
					  (size_t)vs->csum_start : pkt->l4_off);
		hdr->csum_offset = (__u16)(vs->csum_offset >= 0 ?
					   vs->csum_offset : pkt->csum_off);
	}
}

const char *og_pkt_l4_name(__u8 l4proto)
{
	switch (l4proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "?";
	}
}

int og_pkt_parse_tcp_flags(const char *s)
{
	static const char letters[] = "FSRPAUEC";
	int flags = 0;

	if (!*s)
		return -1;
	if (!strcmp(s, "none") || !strcmp(s, "0"))
		return 0;
	for (; *s; s++) {
		const char *p = strchr(letters, *s >= 'a' && *s <= 'z' ?
					       *s - 'a' + 'A' : *s);

		if (!p)
			return -1;
		flags |= 1 << (p - letters);
	}
	return flags;
}
