/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Streaming JSON writer. Output is written as calls are made; the writer
 * only remembers, per open object or array, whether a comma is due. Compact
 * output is one line; pretty output indents by two spaces. A newline ends
 * every top-level value, so interval output is one document per line.
 *
 * Inside an object, call jw_name() before each value (or use the *_field
 * helpers); inside an array, call the value functions directly.
 */
#ifndef OG_JSON_WRITER_H
#define OG_JSON_WRITER_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct json_writer;

struct json_writer *jw_new(FILE *f, bool pretty);
/* Closes whatever is still open, so output stays well-formed on errors. */
void jw_destroy(struct json_writer **jw);

void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);

void jw_name(struct json_writer *jw, const char *name);
void jw_string(struct json_writer *jw, const char *s);	/* NULL: null */
void jw_u64(struct json_writer *jw, __u64 v);
void jw_s64(struct json_writer *jw, __s64 v);
/* Fixed-point with 'decimals' digits after the point; NaN/inf print null. */
void jw_double(struct json_writer *jw, double v, int decimals);
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);

static inline void jw_string_field(struct json_writer *jw, const char *name,
				   const char *s)
{
	jw_name(jw, name);
	jw_string(jw, s);
}

static inline void jw_u64_field(struct json_writer *jw, const char *name,
				__u64 v)
{
	jw_name(jw, name);
	jw_u64(jw, v);
}

static inline void jw_bool_field(struct json_writer *jw, const char *name,
				 bool v)
{
	jw_name(jw, name);
	jw_bool(jw, v);
}

static inline void jw_null_field(struct json_writer *jw, const char *name)
{
	jw_name(jw, name);
	jw_null(jw);
}

#endif /* OG_JSON_WRITER_H */
