/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounded packet pointers. og_pkt_ptr(data, data_end, off, n, max) is a
 * pointer to [off, off+n) of the linear data, or NULL.
 *
 * The verifier records a packet range only while the pointer's largest
 * possible offset plus the access size stays below 64 KiB, so off is
 * first bounded by max (a power of two minus one). clang may test one
 * copy of off and add another to the pointer; the empty asm makes the
 * mask (a no-op at run time) reach the verifier.
 */
#ifndef OG_BPF_PTR_H
#define OG_BPF_PTR_H

static __always_inline void *og_pkt_ptr(void *data, void *data_end,
					__u32 off, __u32 n, __u32 max)
{
	void *p;

	if (off > max)
		return NULL;
	asm volatile("" : "+r"(off));
	off &= max;
	p = data + off;
	if (p + n > data_end)
		return NULL;
	return p;
}

#endif /* OG_BPF_PTR_H */
