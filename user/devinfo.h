/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a device is and what it offloads, from the kernel's own interfaces:
 * rtnetlink (RTM_GETLINK: MTU, GSO limits, XDP, link kind, bridge master,
 * veth peer) and the ETHTOOL ioctls (driver, feature bits by their kernel
 * names). Never the text of ethtool or ip. Used by `offguard report`.
 */
#ifndef OG_DEVINFO_H
#define OG_DEVINFO_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

/*
 * The offload features report reasons about, as offguard bits; the
 * kernel's names (ETH_SS_FEATURES strings) are in devinfo.c.
 */
enum og_devfeat {
	OG_DF_TX_CSUM_IPV4	= 1U << 0,	/* tx-checksum-ipv4 */
	OG_DF_TX_CSUM_IPV6	= 1U << 1,	/* tx-checksum-ipv6 */
	OG_DF_TX_CSUM_HW	= 1U << 2,	/* tx-checksum-ip-generic */
	OG_DF_TSO		= 1U << 3,	/* tx-tcp-segmentation */
	OG_DF_TSO6		= 1U << 4,	/* tx-tcp6-segmentation */
	OG_DF_USO		= 1U << 5,	/* tx-udp-segmentation */
	OG_DF_GSO		= 1U << 6,	/* tx-generic-segmentation */
	OG_DF_GRO		= 1U << 7,	/* rx-gro */
	OG_DF_RX_CSUM		= 1U << 8,	/* rx-checksum */
	OG_DF_SG		= 1U << 9,	/* tx-scatter-gather */
};
#define OG_DF_TX_CSUM_ANY	(OG_DF_TX_CSUM_IPV4 | OG_DF_TX_CSUM_IPV6 | \
				 OG_DF_TX_CSUM_HW)

struct og_devinfo {
	__u32	ifindex;
	char	name[IF_NAMESIZE];
	char	kind[16];	/* IFLA_INFO_KIND: "veth", "tun", "bridge", "vxlan", ""; */
	char	driver[32];	/* ETHTOOL_GDRVINFO, "" if none */
	bool	is_tap;		/* kind "tun" in TAP mode (IFLA_TUN_TYPE) */
	bool	up;		/* IFF_UP */
	__u32	mtu;
	__u32	gso_max_size;	/* IFLA_GSO_MAX_SIZE */
	__u32	gso_max_segs;	/* IFLA_GSO_MAX_SEGS */
	__u32	master;		/* IFLA_MASTER (bridge, bond...), 0 if none */
	__u32	link;		/* IFLA_LINK: veth peer's ifindex (maybe in another netns) */
	__u32	xdp_prog_id;	/* IFLA_XDP_PROG_ID, 0 if none */
	__u32	xdp_mode;	/* IFLA_XDP_ATTACHED: XDP_ATTACHED_* */
	/* OG_DF_* bits, from ETHTOOL_GFEATURES */
	__u32	feat_active;	/* on now */
	__u32	feat_available;	/* the device could turn on (hw_features) */
	__u32	feat_requested;	/* what the user asked for (wanted) */
	bool	have_features;	/* false: the ioctl failed (no ethtool ops) */
};

/* Every link of this network namespace; *out is malloc'ed. -errno. */
int og_devinfo_list(struct og_devinfo **out, unsigned int *nr);
/* One link by ifindex. -ENODEV if gone, other -errno. */
int og_devinfo_get(__u32 ifindex, struct og_devinfo *out);

/* "tx-checksum-ipv4" etc. for one OG_DF_* bit, NULL if unknown. */
const char *og_devfeat_name(__u32 bit);

/*
 * The feature bits as a JSON object, by kernel name:
 * {"tx-checksum-ipv4":{"active":..,"available":..,"requested":..},...}
 */
struct json_writer;
void og_devinfo_json_features(struct json_writer *jw,
			      const struct og_devinfo *in);

#endif /* OG_DEVINFO_H */
