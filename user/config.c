// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's configuration file: see config.h for the format. Strict on
 * purpose: a daemon that guesses what a misspelt line meant attaches the
 * wrong policy to guests' devices, so every unknown word is an error that
 * names the file, the line and the word, and a file with one is refused
 * whole (at start: exit 1; on SIGHUP: the old configuration stays).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "instance.h"
#include "names.h"
#include "util.h"

/* Words of a line at most: more is an error anyway ("unexpected"). */
#define MAX_WORDS	32

struct parse_ctx {
	const char	*name;
	unsigned int	line;
	char		*err;
	size_t		errlen;
};

static int perr(struct parse_ctx *pc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct parse_ctx *pc, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(pc->err, pc->errlen, "%s:%u: ", pc->name, pc->line);
	if (n < 0 || (size_t)n >= pc->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(pc->err + n, pc->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* strerror in offguard's words: lower case, continuing a sentence. */
static const char *file_errstr(int err, char *buf, size_t size)
{
	snprintf(buf, size, "%s", strerror(err < 0 ? -err : err));
	buf[0] = tolower((unsigned char)buf[0]);
	return buf;
}

const char *og_pattern_problem(const char *p)
{
	const char *c, *q, *close;

	if (!*p)
		return "empty";
	if (strlen(p) >= IF_NAMESIZE)
		return "longer than 15 characters, the longest interface name";
	if (!strcmp(p, ".") || !strcmp(p, ".."))
		return "not an interface name";
	for (c = p; *c; c++) {
		/* the kernel's dev_valid_name() refuses these */
		if (*c == '/')
			return "'/' cannot be in an interface name";
		if (*c == ':')
			return "':' cannot be in an interface name";
		if (isspace((unsigned char)*c) || !isprint((unsigned char)*c))
			return "only printable characters, no whitespace";
		if (*c == '\\' && !c[1])
			return "'\\' at the end escapes nothing";
		if (*c == '\\') {
			c++;
			continue;
		}
		/*
		 * fnmatch() takes an unclosed '[' literally; a user who wrote
		 * one meant a set and would never see it match.
		 */
		if (*c == '[') {
			q = c + 1;
			if (*q == '!' || *q == '^')
				q++;
			/* a ']' first in the set is one of its characters */
			if (*q == ']')
				q++;
			close = strchr(q, ']');
			if (!close)
				return "'[' without a closing ']'";
			c = close;
		}
	}
	return NULL;
}

static int parse_hooks(struct parse_ctx *pc, char *val, unsigned int *mask)
{
	char *item, *save = NULL;
	int h;

	/* strtok_r would skip the empty items of "tc-ingress,,xdp" */
	for (item = val; item; item = save) {
		save = strchr(item, ',');
		if (save)
			*save++ = 0;
		if (!strcmp(item, "all")) {
			*mask |= OG_HOOKS_TC | OG_HOOK_BIT(OG_HOOK_XDP);
			continue;
		}
		h = *item ? og_hook_by_name(item) : -1;
		if (h != OG_HOOK_TC_INGRESS && h != OG_HOOK_TC_EGRESS &&
		    h != OG_HOOK_XDP)
			return perr(pc, "bad hook '%s' (tc-ingress, tc-egress, xdp or all)",
				    item);
		*mask |= OG_HOOK_BIT(h);
	}
	return 0;
}

/* "key=value" or "key"; *val NULL when there is no '='. */
static void split_kv(char *word, char **val)
{
	char *eq = strchr(word, '=');

	*val = NULL;
	if (eq) {
		*eq = 0;
		*val = eq + 1;
	}
}

static int parse_match(struct parse_ctx *pc, char **w, int nw,
		       struct og_config *cfg)
{
	bool seen_hooks = false, seen_policy = false, seen_woc = false;
	bool seen_mtu = false, seen_xdp = false;
	struct og_rule r = { .line = pc->line, .policy = OG_POLICY_OBSERVE };
	const char *why;
	struct og_rule *nr;
	unsigned int i;
	char *val;
	int k, p;

	if (nw < 2)
		return perr(pc, "match: no pattern given");
	why = og_pattern_problem(w[1]);
	if (why)
		return perr(pc, "bad pattern '%s': %s", w[1], why);
	snprintf(r.pattern, sizeof(r.pattern), "%s", w[1]);
	for (i = 0; i < cfg->nr_rules; i++)
		if (!strcmp(cfg->rules[i].pattern, r.pattern))
			return perr(pc, "duplicate pattern '%s' (first at line %u): this rule would never match",
				    r.pattern, cfg->rules[i].line);

	for (k = 2; k < nw; k++) {
		split_kv(w[k], &val);
#define ONCE(flag) do {							\
		if (flag)						\
			return perr(pc, "'%s' given twice", w[k]);	\
		flag = true;						\
	} while (0)
#define NEED_VAL(hint) do {						\
		if (!val || !*val)					\
			return perr(pc, "'%s' needs a value (%s=%s)",	\
				    w[k], w[k], hint);			\
	} while (0)
		if (!strcmp(w[k], "hooks") || !strcmp(w[k], "hook")) {
			ONCE(seen_hooks);
			NEED_VAL("tc-ingress,tc-egress,xdp|all");
			if (parse_hooks(pc, val, &r.hooks))
				return -EINVAL;
		} else if (!strcmp(w[k], "policy")) {
			ONCE(seen_policy);
			NEED_VAL("observe|repair|strict");
			p = og_policy_by_name(val);
			if (p < 0)
				return perr(pc, "bad policy '%s' (observe, repair or strict)",
					    val);
			r.policy = p;
		} else if (!strcmp(w[k], "writer-omits-csum")) {
			ONCE(seen_woc);
			if (val)
				return perr(pc, "'writer-omits-csum' takes no value");
			r.flags |= OG_CONF_WRITER_OMITS_CSUM;
		} else if (!strcmp(w[k], "mtu")) {
			ONCE(seen_mtu);
			NEED_VAL("N");
			if (!og_parse_u32(val, 0, 65535, &r.mtu) ||
			    (r.mtu && r.mtu < 68))
				return perr(pc, "bad mtu '%s' (0, or 68..65535)",
					    val);
		} else if (!strcmp(w[k], "xdp-mode")) {
			ONCE(seen_xdp);
			NEED_VAL("native|skb");
			if (!strcmp(val, "native"))
				r.xdp_mode = OG_ATTACH_XDP;
			else if (!strcmp(val, "skb") || !strcmp(val, "generic"))
				r.xdp_mode = OG_ATTACH_XDP_SKB;
			else
				return perr(pc, "bad xdp-mode '%s' (native or skb)",
					    val);
		} else {
			return perr(pc, "unknown key '%s'", w[k]);
		}
#undef ONCE
#undef NEED_VAL
	}
	/* attach's default: the two tc hooks, the skb metadata checks */
	if (!r.hooks)
		r.hooks = OG_HOOKS_TC;

	nr = realloc(cfg->rules, (cfg->nr_rules + 1) * sizeof(*nr));
	if (!nr)
		return perr(pc, "out of memory");
	cfg->rules = nr;
	cfg->rules[cfg->nr_rules++] = r;
	return 0;
}

static int parse_prometheus(struct parse_ctx *pc, char **w, int nw,
			    struct og_config *cfg)
{
	unsigned int interval = OG_PROM_INTERVAL_DEFAULT;
	bool seen_interval = false;
	char *val;
	int k;

	if (cfg->prom_path)
		return perr(pc, "duplicate prometheus line (first at line %u)",
			    cfg->prom_line);
	if (nw < 2)
		return perr(pc, "prometheus: no path given");
	/* the daemon runs from /: a relative path would land there */
	if (w[1][0] != '/')
		return perr(pc, "prometheus: path '%s' is not absolute", w[1]);
	if (w[1][strlen(w[1]) - 1] == '/')
		return perr(pc, "prometheus: path '%s' names a directory, not a file",
			    w[1]);
	for (k = 2; k < nw; k++) {
		split_kv(w[k], &val);
		if (strcmp(w[k], "interval"))
			return perr(pc, "unknown key '%s'", w[k]);
		if (seen_interval)
			return perr(pc, "'interval' given twice");
		seen_interval = true;
		if (!val || !og_parse_u32(val, 1, 86400, &interval))
			return perr(pc, "bad interval '%s' (whole seconds, 1..86400)",
				    val ?: "");
	}
	cfg->prom_path = strdup(w[1]);
	if (!cfg->prom_path)
		return perr(pc, "out of memory");
	cfg->prom_interval = interval;
	cfg->prom_line = pc->line;
	return 0;
}

/* Split at blanks; a word starting with '#' ends the line. */
static int split_words(char *line, char **w)
{
	char *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(line, " \t\r\n\v\f", &save); t;
	     t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		if (*t == '#')
			break;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = t;
	}
	return n;
}

int og_config_parse(FILE *f, const char *name, struct og_config *cfg,
		    char *err, size_t errlen)
{
	struct parse_ctx pc = { .name = name, .err = err, .errlen = errlen };
	char *line = NULL, *w[MAX_WORDS];
	size_t cap = 0;
	ssize_t len;
	int nw, ret = 0;
	char buf[64];

	memset(cfg, 0, sizeof(*cfg));
	if (errlen)
		err[0] = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		pc.line++;
		if (memchr(line, 0, len)) {
			ret = perr(&pc, "a NUL byte: not a text file?");
			break;
		}
		nw = split_words(line, w);
		if (nw < 0) {
			ret = perr(&pc, "more than %d words", MAX_WORDS);
			break;
		}
		if (!nw)
			continue;
		if (!strcmp(w[0], "match"))
			ret = parse_match(&pc, w, nw, cfg);
		else if (!strcmp(w[0], "prometheus"))
			ret = parse_prometheus(&pc, w, nw, cfg);
		else if (!strcmp(w[0], "segd"))
			/*
			 * segd owns AF_XDP sockets and a busy loop: its own
			 * process (and unit), not a thread of this daemon.
			 */
			ret = perr(&pc, "%s", "segd is not a daemon directive: run offguard segd --in IN --out OUT, one process per pair");
		else
			ret = perr(&pc, "unknown directive '%s' (match or prometheus)",
				   w[0]);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		ret = -(errno ?: EIO);
		snprintf(err, errlen, "%s: cannot read: %s", name,
			 file_errstr(ret, buf, sizeof(buf)));
	}
	free(line);
	if (ret)
		og_config_free(cfg);
	return ret;
}

int og_config_load(const char *path, struct og_config *cfg, char *err,
		   size_t errlen)
{
	struct stat st;
	char buf[64];
	FILE *f;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path,
			 file_errstr(ret, buf, sizeof(buf)));
		return ret;
	}
	/* fopen() opens a directory for reading; reading it fails later */
	if (!fstat(fileno(f), &st) && !S_ISREG(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "%s: %s", path,
			 S_ISDIR(st.st_mode) ? "is a directory" :
					       "not a regular file");
		return -EINVAL;
	}
	ret = og_config_parse(f, path, cfg, err, errlen);
	fclose(f);
	return ret;
}

void og_config_free(struct og_config *cfg)
{
	free(cfg->rules);
	free(cfg->prom_path);
	memset(cfg, 0, sizeof(*cfg));
}

const struct og_rule *og_config_match(const struct og_config *cfg,
				      const char *ifname)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_rules; i++)
		if (!fnmatch(cfg->rules[i].pattern, ifname, 0))
			return &cfg->rules[i];
	return NULL;
}

bool og_rule_same(const struct og_rule *a, const struct og_rule *b)
{
	return a->hooks == b->hooks && a->policy == b->policy &&
	       a->flags == b->flags && a->mtu == b->mtu &&
	       a->xdp_mode == b->xdp_mode;
}
