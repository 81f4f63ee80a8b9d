// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcapng writer; see pcapng.h. Each block is built whole in w->buf and
 * handed to stdio in one fwrite, so a reader of a file being written (or
 * of one cut short by a crash) sees whole blocks up to the last flush.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

struct blk {
	struct og_pcapng	*w;
	size_t			len;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Record the first failure only: later ones are usually its echoes. */
static int fail(struct og_pcapng *w, int err)
{
	if (!w->err)
		w->err = err;
	return err;
}

static int room(struct blk *b, size_t more)
{
	struct og_pcapng *w = b->w;
	size_t need = b->len + more, cap;
	__u8 *p;

	if (need <= w->buf_cap)
		return 0;
	cap = w->buf_cap ? w->buf_cap : 512;
	while (cap < need)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p)
		return fail(w, -ENOMEM);
	w->buf = p;
	w->buf_cap = cap;
	return 0;
}

/* Append n bytes (src NULL: zeros), then zeros up to a 32-bit boundary. */
static int put(struct blk *b, const void *src, size_t n)
{
	size_t padded = pad4(n);

	if (room(b, padded))
		return -ENOMEM;
	if (src)
		memcpy(b->w->buf + b->len, src, n);
	else
		memset(b->w->buf + b->len, 0, n);
	memset(b->w->buf + b->len + n, 0, padded - n);
	b->len += padded;
	return 0;
}

static int put32(struct blk *b, __u32 v)
{
	return put(b, &v, 4);
}

/* Two 16-bit fields in one 32-bit word, in the order they are stored. */
static int put16x2(struct blk *b, __u16 first, __u16 second)
{
	__u16 v[2] = { first, second };

	return put(b, v, 4);
}

static int put_opt(struct blk *b, __u16 code, const void *val, __u16 len)
{
	return put16x2(b, code, len) ?: put(b, val, len);
}

static int put_opt_end(struct blk *b)
{
	return put16x2(b, OG_PCAPNG_OPT_END, 0);
}

/* Block type and a total length patched in by blk_write(). */
static int blk_start(struct blk *b, struct og_pcapng *w, __u32 type)
{
	b->w = w;
	b->len = 0;
	return put32(b, type) ?: put32(b, 0);
}

/* The total length goes at both ends: readers can walk back and forth. */
static int blk_write(struct blk *b)
{
	struct og_pcapng *w = b->w;
	__u32 total;

	if (put32(b, 0))
		return w->err;
	total = b->len;
	memcpy(w->buf + 4, &total, 4);
	memcpy(w->buf + b->len - 4, &total, 4);
	errno = 0;	/* stdio may fail without setting it */
	if (fwrite(w->buf, 1, b->len, w->f) != b->len)
		return fail(w, errno ? -errno : -EIO);
	return 0;
}

int og_pcapng_open(struct og_pcapng *w, FILE *f, const char *appl)
{
	__u16 version[2] = { 1, 0 };
	__s64 section_len = -1;		/* unknown: written as a stream */
	struct blk b;

	memset(w, 0, sizeof(*w));
	w->f = f;
	if (blk_start(&b, w, OG_PCAPNG_SHB) ||
	    put32(&b, OG_PCAPNG_BOM) ||
	    put(&b, version, sizeof(version)) ||
	    put(&b, &section_len, sizeof(section_len)))
		return w->err;
	if (appl && *appl) {
		size_t n = strlen(appl);

		if (n > OG_PCAPNG_COMMENT_MAX)
			n = OG_PCAPNG_COMMENT_MAX;
		if (put_opt(&b, OG_PCAPNG_SHB_USERAPPL, appl, n) ||
		    put_opt_end(&b))
			return w->err;
	}
	return blk_write(&b);
}

int og_pcapng_iface(struct og_pcapng *w, __u32 ifindex, __u16 linktype,
		    const char *name, __u32 snaplen)
{
	__u8 tsresol = 9;		/* 10^-9 s: bpf_ktime_get_ns() units */
	struct og_pcapng_if *ifs;
	unsigned int i;
	struct blk b;

	if (w->err)
		return w->err;
	for (i = 0; i < w->nr_ifs; i++)
		if (w->ifs[i].ifindex == ifindex &&
		    w->ifs[i].linktype == linktype)
			return i;
	if (w->nr_ifs == w->cap_ifs) {
		unsigned int cap = w->cap_ifs ? w->cap_ifs * 2 : 4;

		ifs = realloc(w->ifs, cap * sizeof(*ifs));
		if (!ifs)
			return fail(w, -ENOMEM);
		w->ifs = ifs;
		w->cap_ifs = cap;
	}
	if (blk_start(&b, w, OG_PCAPNG_IDB) ||
	    put16x2(&b, linktype, 0) ||
	    put32(&b, snaplen))
		return w->err;
	if (name && *name &&
	    put_opt(&b, OG_PCAPNG_IF_NAME, name,
		    strnlen(name, OG_PCAPNG_COMMENT_MAX)))
		return w->err;
	if (put_opt(&b, OG_PCAPNG_IF_TSRESOL, &tsresol, 1) ||
	    put_opt_end(&b) || blk_write(&b))
		return w->err;
	w->ifs[w->nr_ifs].ifindex = ifindex;
	w->ifs[w->nr_ifs].linktype = linktype;
	return w->nr_ifs++;
}

int og_pcapng_packet(struct og_pcapng *w, unsigned int if_id, __u64 ts_ns,
		     const void *data, __u32 caplen, __u32 len,
		     const char *comment)
{
	size_t clen = comment ? strlen(comment) : 0;
	struct blk b;

	if (w->err)
		return w->err;
	/* the caller's mistakes: refused, but the file stays usable */
	if (if_id >= w->nr_ifs || caplen > len)
		return -EINVAL;
	if (clen > OG_PCAPNG_COMMENT_MAX)
		return -EMSGSIZE;
	if (blk_start(&b, w, OG_PCAPNG_EPB) ||
	    put32(&b, if_id) ||
	    put32(&b, ts_ns >> 32) ||
	    put32(&b, (__u32)ts_ns) ||
	    put32(&b, caplen) ||
	    put32(&b, len) ||
	    put(&b, data, caplen))
		return w->err;
	if (clen && (put_opt(&b, OG_PCAPNG_OPT_COMMENT, comment, clen) ||
		     put_opt_end(&b)))
		return w->err;
	if (blk_write(&b))
		return w->err;
	w->packets++;
	return 0;
}

int og_pcapng_flush(struct og_pcapng *w)
{
	if (w->err)
		return w->err;
	errno = 0;
	if (fflush(w->f))
		return fail(w, errno ? -errno : -EIO);
	return 0;
}

int og_pcapng_close(struct og_pcapng *w)
{
	int err;

	if (!w->f)
		return w->err;
	og_pcapng_flush(w);
	/* fclose reports what a write-back (NFS, ENOSPC) refused late */
	errno = 0;
	if (fclose(w->f))
		fail(w, errno ? -errno : -EIO);
	w->f = NULL;
	free(w->ifs);
	free(w->buf);
	err = w->err;
	w->ifs = NULL;
	w->buf = NULL;
	w->nr_ifs = w->cap_ifs = 0;
	w->buf_cap = 0;
	return err;
}
