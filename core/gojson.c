#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "gojson.h"
#include "err.h"
#include "banned.h"

void sg_gojson_init(sg_gojson *w, sg_buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

static void put(sg_gojson *w, const char *s, size_t n)
{
	if (!w->err && sg_buf_append(w->out, s, n) < 0)
		w->err = SG_ETOOBIG;
}

/* A value is about to be written: emit the comma that separates it from its sibling. */
static void before_value(sg_gojson *w)
{
	/* per level: 0 first item pending, 1 next item needs a comma, 2 a key was just written */
	if (w->depth > 0) {
		if (w->need_comma[w->depth] == 1)
			put(w, ",", 1);
		w->need_comma[w->depth] = 1;
	}
}

static void open_(sg_gojson *w, char c)
{
	before_value(w);
	put(w, &c, 1);
	if (w->depth + 1 >= (int)(sizeof(w->need_comma) / sizeof(w->need_comma[0]))) {
		w->err = SG_EINVALID;
		return;
	}
	w->need_comma[++w->depth] = 0;
}

static void close_(sg_gojson *w, char c)
{
	put(w, &c, 1);
	if (w->depth > 0)
		w->depth--;
}

void sg_gojson_obj_open(sg_gojson *w) { open_(w, '{'); }
void sg_gojson_obj_close(sg_gojson *w) { close_(w, '}'); }
void sg_gojson_arr_open(sg_gojson *w) { open_(w, '['); }
void sg_gojson_arr_close(sg_gojson *w) { close_(w, ']'); }

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t len, i;

	if (c < 0x80) { *cp = c; return 1; }
	if (c >= 0xc2 && c <= 0xdf) { len = 2; v = c & 0x1f; }
	else if (c >= 0xe0 && c <= 0xef) { len = 3; v = c & 0x0f; }
	else if (c >= 0xf0 && c <= 0xf4) { len = 4; v = c & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Go's encodeState.string with escapeHTML = true. */
static void put_string(sg_gojson *w, const char *str, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0;
	char esc[8];

	put(w, "\"", 1);
	while (i < n) {
		unsigned cp;
		size_t l;
		unsigned char c = s[i];

		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
				i++;
				continue;
			}
			put(w, (const char *)s + start, i - start);
			switch (c) {
			case '"': put(w, "\\\"", 2); break;
			case '\\': put(w, "\\\\", 2); break;
			case '\b': put(w, "\\b", 2); break;
			case '\f': put(w, "\\f", 2); break;
			case '\n': put(w, "\\n", 2); break;
			case '\r': put(w, "\\r", 2); break;
			case '\t': put(w, "\\t", 2); break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hx[c >> 4];
				esc[5] = hx[c & 15];
				put(w, esc, 6);
			}
			start = ++i;
			continue;
		}
		l = utf8_len(s + i, n - i, &cp);
		if (l == 0) {
			put(w, (const char *)s + start, i - start);
			put(w, "\\ufffd", 6);
			start = ++i;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			put(w, (const char *)s + start, i - start);
			put(w, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
			i += l;
			start = i;
			continue;
		}
		i += l;
	}
	put(w, (const char *)s + start, n - start);
	put(w, "\"", 1);
}

void sg_gojson_key(sg_gojson *w, const char *key)
{
	before_value(w);
	put_string(w, key, strlen(key));
	put(w, ":", 1);
	w->need_comma[w->depth] = 2;
}

void sg_gojson_strn(sg_gojson *w, const char *s, size_t len)
{
	before_value(w);
	put_string(w, s, len);
}

void sg_gojson_str(sg_gojson *w, const char *s)
{
	sg_gojson_strn(w, s, strlen(s));
}

void sg_gojson_int(sg_gojson *w, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	before_value(w);
	put(w, tmp, (size_t)n);
}

void sg_gojson_null(sg_gojson *w)
{
	before_value(w);
	put(w, "null", 4);
}

void sg_gojson_bool(sg_gojson *w, int v)
{
	before_value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void sg_gojson_raw(sg_gojson *w, const char *json, size_t len)
{
	before_value(w);
	put(w, json, len);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go formats float64 with strconv 'f' or 'e' depending on magnitude, shortest round trip.
 * The shortest %.*e that reads back gives Go's digits and exponent; 'f' is laid out from
 * them by hand, since %g would switch to an exponent for e.g. 100 ("1e+02"). */
static void put_real(sg_gojson *w, double d)
{
	char sci[64], tmp[64], digits[24];
	double a = fabs(d);
	int prec, n = 0, nd = 0, x, i;
	const char *p;

	if (!isfinite(d)) {
		w->err = SG_EINVALID;
		return;
	}
	for (prec = 0; prec <= 16; prec++) {
		snprintf(sci, sizeof(sci), "%.*e", prec, d);
		if (strtod(sci, NULL) == d)
			break;
	}
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		/* Go writes e-07 as e-7; the exponent of such a number has at least 2 digits */
		char *e = strchr(sci, 'e');

		if (e && e[1] == '-' && e[2] == '0' && e[3])
			memmove(e + 2, e + 3, strlen(e + 3) + 1);
		before_value(w);
		put(w, sci, strlen(sci));
		return;
	}
	for (p = sci; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof(digits))
			digits[nd++] = *p;
	x = (int)strtol(p + 1, NULL, 10); /* d = digits[0].digits[1..] * 10^x, -7 < x < 21 */
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = 0;
	if (d < 0 || (d == 0 && signbit(d)))
		tmp[n++] = '-';
	if (x < 0) {
		tmp[n++] = '0';
		tmp[n++] = '.';
		for (i = 0; i < -x - 1; i++)
			tmp[n++] = '0';
		for (i = 0; i < nd; i++)
			tmp[n++] = digits[i];
	} else {
		for (i = 0; i < nd || i <= x; i++) {
			if (i == x + 1)
				tmp[n++] = '.';
			tmp[n++] = i < nd ? digits[i] : '0';
		}
	}
	before_value(w);
	put(w, tmp, (size_t)n);
}

void sg_gojson_value(sg_gojson *w, const json_t *v)
{
	const char **keys = NULL;
	const char *k;
	json_t *val;
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		n = json_object_size(v);
		keys = calloc(n ? n : 1, sizeof(*keys));
		if (!keys) {
			w->err = SG_ERROR;
			return;
		}
		i = 0;
		json_object_foreach((json_t *)v, k, val)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_keys);
		sg_gojson_obj_open(w);
		for (i = 0; i < n; i++) {
			sg_gojson_key(w, keys[i]);
			sg_gojson_value(w, json_object_get(v, keys[i]));
		}
		sg_gojson_obj_close(w);
		free(keys);
		break;
	case JSON_ARRAY:
		sg_gojson_arr_open(w);
		for (i = 0; i < json_array_size(v); i++)
			sg_gojson_value(w, json_array_get(v, i));
		sg_gojson_arr_close(w);
		break;
	case JSON_STRING:
		sg_gojson_strn(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		sg_gojson_int(w, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(w, json_real_value(v));
		break;
	case JSON_TRUE:
		sg_gojson_bool(w, 1);
		break;
	case JSON_FALSE:
		sg_gojson_bool(w, 0);
		break;
	case JSON_NULL:
		sg_gojson_null(w);
		break;
	}
}
