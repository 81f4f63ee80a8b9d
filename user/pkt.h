/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet builder: IPv4/IPv6 (options, extension headers, fragment fields),
 * TCP/UDP, a deterministic payload, and every checksum a writer might put
 * in the L4 checksum field, right or wrong. Used by `offguard demo` and by
 * the test tools, so that the bytes a test sends and the bytes the rules
 * judge come from one place.
 *
 * Contract:
 *  - og_pkt_build() fills a caller buffer from a struct og_pkt_spec and
 *    reports where L3, L4 and the payload start; it never allocates;
 *  - checksum values are computed in host order over big-endian 16-bit
 *    words and stored in network order;
 *  - "seed" means what a CHECKSUM_PARTIAL writer leaves in the checksum
 *    field: the folded pseudo-header sum, not inverted (tcp_v4_send_check);
 *  - og_pkt_vnet_hdr() fills a struct virtio_net_hdr in the byte order a
 *    TUN/TAP or AF_PACKET socket expects on this host (native: the kernel
 *    treats legacy virtio as little endian on little-endian hosts).
 */
#ifndef OG_PKT_H
#define OG_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <linux/types.h>
#include <linux/virtio_net.h>

/* Debian 12's uapi headers predate USO (kernel 6.2). */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

#define OG_ETH_HLEN		14
#define OG_VLAN_HLEN		4
#define OG_IPV4_HLEN		20
#define OG_IPV6_HLEN		40
#define OG_TCP_HLEN		20
#define OG_UDP_HLEN		8
#define OG_TCP_CSUM_OFF		16	/* offsetof(struct tcphdr, check) */
#define OG_UDP_CSUM_OFF		6	/* offsetof(struct udphdr, check) */

#define OG_PKT_MAX_EXT		4
#define OG_PKT_MAX_IPOPT	40
/* Largest frame the builder makes: 64 KiB of IP plus link headers. */
#define OG_PKT_MAX		(65535 + OG_ETH_HLEN + OG_VLAN_HLEN)

/* TCP flag bits, byte 13 of the header. */
#define OG_TCP_FIN		0x01
#define OG_TCP_SYN		0x02
#define OG_TCP_RST		0x04
#define OG_TCP_PSH		0x08
#define OG_TCP_ACK		0x10
#define OG_TCP_URG		0x20
#define OG_TCP_ECE		0x40
#define OG_TCP_CWR		0x80

/* IPv6 extension headers the builder can insert, in the order given. */
enum og_pkt_ext {
	OG_EXT_NONE	= 0,
	OG_EXT_HBH,		/* hop-by-hop options, PadN only */
	OG_EXT_DST,		/* destination options, PadN only */
	OG_EXT_FRAG,		/* fragment header: offset and M from the spec */
	OG_EXT_RT2,		/* routing type 2: final destination = rt2_addr */
};

/* What goes in the L4 checksum field. */
enum og_l4_csum {
	OG_L4_CSUM_FULL	= 0,	/* correct complete checksum */
	OG_L4_CSUM_SEED,	/* correct CHECKSUM_PARTIAL seed (length = L4 length) */
	OG_L4_CSUM_LENGTHLESS,	/* pseudo-header sum without the length (NIC style) */
	OG_L4_CSUM_ZERO,
	OG_L4_CSUM_BAD,		/* wrong as a full checksum and as any seed */
	OG_L4_CSUM_KEEP,	/* leave the field as it is (set it yourself) */
};

/*
 * The classic writer bug: the complete checksum written where a
 * CHECKSUM_PARTIAL seed belongs. Same bytes as a correct full checksum;
 * what makes it a bug is the NEEDS_CSUM flag beside it.
 */
#define OG_L4_CSUM_FULL_AS_SEED	OG_L4_CSUM_FULL

struct og_pkt_spec {
	/* Link layer: none for TUN (L3 first), Ethernet for TAP/veth. */
	bool		ether;
	__u8		src_mac[6];
	__u8		dst_mac[6];
	__u16		vlan_id;	/* 802.1Q tag when non-zero */

	/* Network layer */
	bool		ipv6;
	struct in_addr	saddr4, daddr4;
	struct in6_addr	saddr6, daddr6;
	__u8		ttl;		/* 0: 64 */
	__u8		tos;		/* IPv4 TOS / IPv6 traffic class */
	__u16		ip_id;
	bool		df;
	bool		mf;		/* IPv4 MF, or M in the IPv6 fragment header */
	__u16		frag_off;	/* in 8-byte units */
	__u8		ip_opts_len;	/* IPv4 options (NOPs, then EOL), multiple of 4 */
	bool		bad_ip_csum;	/* IPv4 header checksum off by one */
	int		ip_len_delta;	/* added to tot_len / payload_len (truncation) */
	enum og_pkt_ext	ext[OG_PKT_MAX_EXT];	/* IPv6, in order, OG_EXT_NONE ends */
	__u32		frag_ident;	/* IPv6 fragment header identification */
	struct in6_addr	rt2_addr;	/* home address carried by OG_EXT_RT2 */

	/* Transport */
	__u8		l4proto;	/* IPPROTO_TCP or IPPROTO_UDP */
	__u16		sport, dport;
	__u8		tcp_flags;	/* OG_TCP_* */
	__u32		seq, ack;
	__u16		window;		/* 0: 65535 */
	__u16		mss;		/* TCP MSS option when non-zero */
	bool		tcp_ts;		/* TCP timestamps option */
	bool		sack_perm;
	__u8		wscale;		/* window-scale option when non-zero */
	bool		doff_set;	/* write doff as given, true or not */
	__u8		doff;
	int		udp_len_delta;	/* added to the UDP length field */

	/* Payload: len bytes of a pattern determined by pattern_seed. */
	size_t		payload_len;
	__u8		pattern_seed;

	enum og_l4_csum	l4_csum;
};

/* Where things are in the built frame. Offsets from the first byte. */
struct og_pkt {
	__u8		*data;
	size_t		len;
	size_t		l3_off;
	size_t		l4_off;
	size_t		payload_off;	/* == l4_off + L4 header length */
	size_t		l4_len;		/* L4 header + payload */
	__u16		csum_off;	/* checksum field, relative to l4_off */
	__u8		l4proto;
	bool		ipv6;
	/*
	 * Pseudo-header addresses as the checksum uses them, as offsets
	 * into data (so a copied struct stays valid): with a type 2
	 * routing header the destination is the home address it carries.
	 */
	size_t		ph_src_off;
	size_t		ph_dst_off;
};

/* Defaults for everything, addresses 192.0.2.1 -> 192.0.2.2 / 2001:db8::1 -> ::2. */
void og_pkt_spec_init(struct og_pkt_spec *spec);

/*
 * Build spec into buf[0..cap). Returns the frame length, or -ENOSPC /
 * -EINVAL (bad combination: unknown protocol, options not a multiple of 4,
 * extension headers on IPv4).
 */
int og_pkt_build(const struct og_pkt_spec *spec, void *buf, size_t cap,
		 struct og_pkt *pkt);

/* RFC 1071. Sums may be chained; only the last piece may have odd length. */
__u32 og_csum_add(__u32 sum, const void *buf, size_t len);
__u16 og_csum_fold(__u32 sum);		/* folded, not inverted */
__u16 og_csum(const void *buf, size_t len);	/* ~fold: what goes in a header */

/* Pseudo-header sum of pkt (with or without the L4 length), unfolded. */
__u32 og_pkt_pseudo_sum(const struct og_pkt *pkt, bool with_len);
/* The value mode would put in the L4 checksum field (host order). */
__u16 og_pkt_l4_csum_value(const struct og_pkt *pkt, enum og_l4_csum mode);
/* Write that value into the frame. */
void og_pkt_set_l4_csum(struct og_pkt *pkt, enum og_l4_csum mode);
/* Read the L4 checksum field (host order). */
__u16 og_pkt_l4_csum_get(const struct og_pkt *pkt);
/* Does the L4 checksum verify as a complete checksum? */
bool og_pkt_l4_csum_ok(const struct og_pkt *pkt);
/* Recompute (or break, if bad) the IPv4 header checksum. No-op on IPv6. */
void og_pkt_set_ip_csum(struct og_pkt *pkt, bool bad);

/* Fill a virtio_net_hdr for pkt. */
enum og_vnet_flags {
	OG_VNET_NONE		= 0,
	OG_VNET_NEEDS_CSUM	= VIRTIO_NET_HDR_F_NEEDS_CSUM,
	OG_VNET_DATA_VALID	= VIRTIO_NET_HDR_F_DATA_VALID,
};

struct og_vnet_spec {
	__u8	flags;		/* VIRTIO_NET_HDR_F_* */
	__u8	gso_type;	/* VIRTIO_NET_HDR_GSO_* without ECN */
	bool	ecn;		/* VIRTIO_NET_HDR_GSO_ECN */
	__u16	gso_size;
	int	csum_start;	/* -1: pkt->l4_off */
	int	csum_offset;	/* -1: 16 (TCP) / 6 (UDP) */
	int	hdr_len;	/* -1: up to the end of the L4 header */
};

void og_vnet_spec_init(struct og_vnet_spec *vs);
void og_pkt_vnet_hdr(const struct og_pkt *pkt, const struct og_vnet_spec *vs,
		     struct virtio_net_hdr *hdr);

/* Deterministic payload byte i for a seed (for checking received data). */
static inline __u8 og_pkt_pattern(__u8 seed, size_t i)
{
	return (__u8)(seed + i * 7 + (i >> 8));
}

/* "tcp", "udp", or a name for what the frame carries, for messages. */
const char *og_pkt_l4_name(__u8 l4proto);
/* Parse "S", "SA", "PA", "FPU"... into OG_TCP_* bits; -1 on unknown letter. */
int og_pkt_parse_tcp_flags(const char *s);

#endif /* OG_PKT_H */
