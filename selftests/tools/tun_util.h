/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the TUN/TAP test tools (og_send, og_vnet_relay) share: the
 * TUNSETOFFLOAD names they accept and bringing a device up. Each tool
 * reports errors its own way, so these return them.
 */
#ifndef OG_TOOLS_TUN_UTIL_H
#define OG_TOOLS_TUN_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>

/* uapi 6.2+ (USO); ABI values */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#define TUN_F_USO6	0x40
#endif

#define OG_TUN_OFFLOAD_NAMES	"csum,tso4,tso6,ecn,ufo,uso4,uso6,none"

/*
 * "csum,tso4,..." to TUN_F_* flags in *flags. 0, or -1 with the first
 * unknown name copied to bad (bad[0] == 0: the list is too long).
 */
static inline int og_tun_offloads(const char *s, unsigned int *flags,
				  char *bad, size_t bad_len)
{
	static const struct {
		const char	*name;
		unsigned int	flag;
	} names[] = {
		{ "csum", TUN_F_CSUM }, { "tso4", TUN_F_TSO4 },
		{ "tso6", TUN_F_TSO6 }, { "ecn", TUN_F_TSO_ECN },
		{ "ufo", TUN_F_UFO }, { "uso4", TUN_F_USO4 },
		{ "uso6", TUN_F_USO6 }, { "none", 0 },
	};
	char buf[128], *tok, *save;
	size_t i;

	*flags = 0;
	if (bad_len)
		bad[0] = 0;
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			snprintf(bad, bad_len, "%s", tok);
			return -1;
		}
		*flags |= names[i].flag;
	}
	return 0;
}

/* IFF_UP on name: 0 or -errno, *what naming the step that failed. */
static inline int og_if_up(const char *name, const char **what)
{
	struct ifreq ifr = {};
	int s, err = 0;

	*what = "socket";
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	*what = "SIOCGIFFLAGS";
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		err = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		*what = "cannot set the device up";
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	close(s);
	return err;
}

#endif /* OG_TOOLS_TUN_UTIL_H */
