/*
 * IRC message codec: RFC 1459/2812 framing of prefix, command and
 * parameters with IRCv3 message tags in front. Parsing works in place;
 * building drops CR, LF and NUL so no field can start a second line.
 */
#include <string.h>

#include "irc.h"
#include "utf8.h"

struct irc_out {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static char	*irc_skip_spaces(char *);
static char	*irc_word(char *);
static int	 irc_command_fix(char *);
static void	 irc_params(char *, struct irc_msg *);
static void	 irc_unescape(char *);
static int	 irc_middle_ok(const char *);
static int	 irc_needs_colon(const char *);
static void	 irc_put(struct irc_out *, const char *);
static int	 irc_nick_char(int, int);

static char *
irc_skip_spaces(char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* End the word at p; returns what follows its space, or its NUL. */
static char *
irc_word(char *p)
{
	char	*sp;

	if ((sp = strchr(p, ' ')) == NULL)
		return p + strlen(p);
	*sp = '\0';
	return sp + 1;
}

/* Letters (upper-cased here) or exactly three digits. */
static int
irc_command_fix(char *cmd)
{
	char	*p;

	if (cmd[0] >= '0' && cmd[0] <= '9')
		return strlen(cmd) == 3 && cmd[1] >= '0' && cmd[1] <= '9' &&
		    cmd[2] >= '0' && cmd[2] <= '9';
	for (p = cmd; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (*p < 'A' || *p > 'Z')
			return 0;
	}
	return p != cmd;
}

/* RFC 2812 2.3.1: middles, then a trailing after ':' or as the 15th. */
static void
irc_params(char *p, struct irc_msg *m)
{
	for (;;) {
		p = irc_skip_spaces(p);
		if (*p == '\0')
			return;
		if (*p == ':' || m->nparams == IRC_PARAMS_MAX - 1) {
			m->params[m->nparams++] = *p == ':' ? p + 1 : p;
			return;
		}
		m->params[m->nparams++] = p;
		p = irc_word(p);
	}
}

enum irc_parse_result
irc_parse(char *line, struct irc_msg *m)
{
	char	*p = irc_skip_spaces(line), *end;

	memset(m, 0, sizeof *m);
	if (*p == '\0')
		return IRC_PARSE_EMPTY;
	if (*p == '@') {
		end = strchr(p, ' ');
		if ((end != NULL ? (size_t)(end - p + 1) : strlen(p)) >
		    IRC_TAGS_MAX)
			return IRC_PARSE_TAGS_TOO_LONG;
		m->tags = p + 1;
		p = irc_skip_spaces(irc_word(p));
	}
	if (*p == ':') {
		m->prefix = p + 1;
		p = irc_skip_spaces(irc_word(p));
	}
	if (*p == '\0')
		return IRC_PARSE_NO_COMMAND;
	m->command = p;
	p = irc_word(p);
	if (!irc_command_fix(m->command))
		return IRC_PARSE_BAD_COMMAND;
	irc_params(p, m);
	return IRC_PARSE_OK;
}

enum irc_parse_result
irc_parse_len(char *line, size_t len, struct irc_msg *m)
{
	line[irc_strip(line, len)] = '\0';
	return irc_parse(line, m);
}

/* IRCv3 message-tags: \: ; \s space \\ \r \n, else the char itself. */
static void
irc_unescape(char *s)
{
	char	*out = s;

	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			*out++ = *s;
			continue;
		}
		if (*++s == '\0')	/* a lone trailing '\' is dropped */
			break;
		switch (*s) {
		case ':':
			*out++ = ';';
			break;
		case 's':
			*out++ = ' ';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case 'n':
			*out++ = '\n';
			break;
		default:
			*out++ = *s;
			break;
		}
	}
	*out = '\0';
}

int
irc_tag_next(char **cursor, char **key, char **value)
{
	char	*p = *cursor, *semi, *eq;

	if (p == NULL)
		return 0;
	while (*p == ';' || *p == '=') {	/* no key: skip the entry */
		if (*p == '=')
			p += strcspn(p, ";");
		else
			p++;
	}
	if (*p == '\0') {
		*cursor = p;
		return 0;
	}
	if ((semi = strchr(p, ';')) != NULL) {
		*semi = '\0';
		*cursor = semi + 1;
	} else
		*cursor = p + strlen(p);
	*key = p;
	if ((eq = strchr(p, '=')) != NULL) {
		*eq = '\0';
		*value = eq + 1;
		irc_unescape(*value);
	} else
		*value = p + strlen(p);
	return 1;
}

/* A middle parameter, CR LF dropped: not empty, no space, no ':' first. */
static int
irc_middle_ok(const char *s)
{
	int	first = 1;

	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			continue;
		if (*s == ' ' || (first && *s == ':'))
			return 0;
		first = 0;
	}
	return !first;
}

static int
irc_needs_colon(const char *s)
{
	s += strspn(s, "\r\n");
	return *s == '\0' || *s == ':' || strchr(s, ' ') != NULL;
}

/* Append like snprintf: count everything, store what fits, drop CR LF. */
static void
irc_put(struct irc_out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			continue;
		if (o->len + 1 < o->size)
			o->buf[o->len] = *s;
		o->len++;
	}
}

size_t
irc_build(char *buf, size_t size, const struct irc_msg *m)
{
	struct irc_out	o = { buf, size, 0 };
	int		i;

	for (i = 0; i + 1 < m->nparams; i++)
		if (!irc_middle_ok(m->params[i]))
			return (size_t)-1;
	if (m->tags != NULL) {
		irc_put(&o, "@");
		irc_put(&o, m->tags);
		irc_put(&o, " ");
	}
	if (m->prefix != NULL) {
		irc_put(&o, ":");
		irc_put(&o, m->prefix);
		irc_put(&o, " ");
	}
	irc_put(&o, m->command);
	for (i = 0; i < m->nparams; i++) {
		irc_put(&o, " ");
		if (i + 1 == m->nparams && irc_needs_colon(m->params[i]))
			irc_put(&o, ":");
		irc_put(&o, m->params[i]);
	}
	if (o.len + 2 < size)
		memcpy(buf + o.len, "\r\n", 2);
	else if (o.len + 1 < size)
		buf[o.len] = '\r';
	o.len += 2;
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

size_t
irc_strip(char *s, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n' && s[i] != '\0')
			s[n++] = s[i];
	return n;
}

size_t
irc_split(const char *text, size_t len, size_t max, size_t *next)
{
	size_t	cut, i;

	if (len <= max) {
		*next = len;
		return len;
	}
	if ((cut = utf8_cut(text, len, max)) == 0)
		cut = utf8_char_len(text, len);	/* max below one char */
	for (i = cut; i >= 1 && i >= cut / 2; i--) {
		if (i < len && text[i] == ' ') {
			*next = i + 1;
			return i;
		}
	}
	*next = cut;
	return cut;
}

/* RFC 2812 2.3.1: letter / special first; then also digit / '-'. */
static int
irc_nick_char(int c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    strchr("[]\\`_^{|}", c) != NULL)
		return c != '\0';
	return !first && ((c >= '0' && c <= '9') || c == '-');
}

int
irc_nick_valid(const char *nick, size_t max)
{
	size_t	i;

	for (i = 0; nick[i] != '\0'; i++)
		if (i >= max || !irc_nick_char((unsigned char)nick[i], i == 0))
			return 0;
	return i > 0;
}
