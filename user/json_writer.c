// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "json_writer.h"

/* Deeper nesting than offguard ever produces; beyond it output is clipped. */
#define JW_MAX_DEPTH	32

struct json_writer {
	FILE	*f;
	bool	pretty;
	int	depth;
	/* per level: something was already written, so a comma is due */
	bool	nonempty[JW_MAX_DEPTH];
	bool	is_object[JW_MAX_DEPTH];
	/* jw_name() was just called: the value follows the colon directly */
	bool	after_name;
};

struct json_writer *jw_new(FILE *f, bool pretty)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (!jw)
		return NULL;
	jw->f = f;
	jw->pretty = pretty;
	return jw;
}

static void newline_indent(struct json_writer *jw)
{
	int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (i = 0; i < jw->depth; i++)
		fputs("  ", jw->f);
}

/* Called before every value and every name: comma and indentation. */
static void before_item(struct json_writer *jw)
{
	if (jw->after_name) {
		jw->after_name = false;
		return;
	}
	if (jw->depth == 0)
		return;
	if (jw->nonempty[jw->depth - 1])
		fputc(',', jw->f);
	jw->nonempty[jw->depth - 1] = true;
	newline_indent(jw);
}

/* A complete top-level value ends its line. */
static void after_value(struct json_writer *jw)
{
	if (jw->depth == 0) {
		fputc('\n', jw->f);
		fflush(jw->f);
	}
}

/*
 * Length of the well-formed UTF-8 sequence at s (1..4), or 0 if it is
 * not one: overlong forms, surrogates and code points past U+10FFFF
 * included, as RFC 3629 says.
 */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	__u32 cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void put_escaped(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c >= 0x80) {
			int n = utf8_len((const unsigned char *)s);

			/*
			 * A device name is any bytes but '/' and blanks;
			 * JSON must be UTF-8. A byte that starts no valid
			 * sequence becomes the text \xNN (as in the
			 * Prometheus output), so the document stays
			 * parseable and the name recognisable.
			 */
			if (!n) {
				fprintf(f, "\\\\x%c%c", hex[c >> 4],
					hex[c & 0xf]);
				continue;
			}
			fwrite(s, 1, n, f);
			s += n - 1;
			continue;
		}

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			/* other control characters need \u escapes */
			if (c < 0x20 || c == 0x7f) {
				fputs("\\u00", f);
				fputc(hex[c >> 4], f);
				fputc(hex[c & 0xf], f);
			} else {
				fputc(c, f);
			}
		}
	}
	fputc('"', f);
}

static void start(struct json_writer *jw, bool object)
{
	before_item(jw);
	fputc(object ? '{' : '[', jw->f);
	if (jw->depth < JW_MAX_DEPTH) {
		jw->nonempty[jw->depth] = false;
		jw->is_object[jw->depth] = object;
	}
	jw->depth++;
}

static void end(struct json_writer *jw, bool object)
{
	bool had_items;

	if (jw->depth == 0)
		return;
	jw->depth--;
	had_items = jw->depth < JW_MAX_DEPTH && jw->nonempty[jw->depth];
	if (had_items)
		newline_indent(jw);
	fputc(object ? '}' : ']', jw->f);
	after_value(jw);
}

void jw_start_object(struct json_writer *jw)
{
	start(jw, true);
}

void jw_end_object(struct json_writer *jw)
{
	end(jw, true);
}

void jw_start_array(struct json_writer *jw)
{
	start(jw, false);
}

void jw_end_array(struct json_writer *jw)
{
	end(jw, false);
}

void jw_name(struct json_writer *jw, const char *name)
{
	before_item(jw);
	put_escaped(jw->f, name);
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_name = true;
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!s) {
		jw_null(jw);
		return;
	}
	before_item(jw);
	put_escaped(jw->f, s);
	after_value(jw);
}

void jw_u64(struct json_writer *jw, __u64 v)
{
	before_item(jw);
	fprintf(jw->f, "%" PRIu64, (uint64_t)v);
	after_value(jw);
}

void jw_s64(struct json_writer *jw, __s64 v)
{
	before_item(jw);
	fprintf(jw->f, "%" PRId64, (int64_t)v);
	after_value(jw);
}

void jw_double(struct json_writer *jw, double v, int decimals)
{
	if (!isfinite(v)) {
		jw_null(jw);
		return;
	}
	before_item(jw);
	fprintf(jw->f, "%.*f", decimals, v);
	after_value(jw);
}

void jw_bool(struct json_writer *jw, bool v)
{
	before_item(jw);
	fputs(v ? "true" : "false", jw->f);
	after_value(jw);
}

void jw_null(struct json_writer *jw)
{
	before_item(jw);
	fputs("null", jw->f);
	after_value(jw);
}

void jw_destroy(struct json_writer **jwp)
{
	struct json_writer *jw = *jwp;

	if (!jw)
		return;
	if (jw->after_name) {
		/* a name without its value: complete it rather than emit junk */
		jw_null(jw);
	}
	while (jw->depth > 0) {
		bool object = jw->depth <= JW_MAX_DEPTH ?
			      jw->is_object[jw->depth - 1] : true;

		end(jw, object);
	}
	fflush(jw->f);
	free(jw);
	*jwp = NULL;
}
