/*
 * chat's line editor for a terminal: input without canonical mode and with
 * our own echo, so that a message arriving while a line is typed is printed
 * above it and the line drawn again. Pipes and files never come here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"

enum edit_esc {
	ESC_NONE = 0,
	ESC_START,		/* after ESC */
	ESC_CSI,		/* after ESC [: skip to a final byte */
	ESC_SS3			/* after ESC O: skip one byte */
};

static struct {
	int		 on;		/* the terminal is in our mode */
	int		 shown;		/* prompt and line are on screen */
	int		 done;		/* the line was taken: clear it first */
	enum edit_esc	 esc;
	const char	*prompt;	/* NULL: nothing to draw */
	char		*buf;		/* CLIENT_LINE_MAX bytes + NUL */
	size_t		 len;
	struct termios	 saved;
} edit;

static void	edit_mode(void);
static void	edit_taken(void);
static void	edit_redraw(void);
static void	edit_erase_char(void);
static void	edit_erase_word(void);
static int	edit_escape(unsigned char);

/* Take over the terminal on stdin; 0 if it is not one, -1 on failure. */
int
edit_start(void)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &edit.saved))
		return 0;
	if ((edit.buf = malloc(CLIENT_LINE_MAX + 1)) == NULL)
		return -1;
	edit.on = 1;
	edit_mode();
	return 1;
}

/* Give the terminal back as it was, the cursor on a fresh line. */
void
edit_stop(void)
{
	if (!edit.on)
		return;
	if (edit.shown)
		fputs("\n", stdout);
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSADRAIN, &edit.saved);
	free(edit.buf);
	memset(&edit, 0, sizeof edit);
}

/* After SIGCONT: the shell may have reset the terminal while stopped. */
void
edit_resume(void)
{
	if (!edit.on)
		return;
	edit_mode();
	edit_redraw();
}

/* Clear the prompt and line off the screen before other output. */
void
edit_hide(void)
{
	if (!edit.on || !edit.shown)
		return;
	fputs("\r\033[K", stdout);
	edit.shown = 0;
}

/* Draw the prompt and the line typed so far again, if hidden. */
void
edit_show(void)
{
	if (!edit.on || edit.shown || edit.prompt == NULL)
		return;
	edit_redraw();
}

/* Set the prompt (NULL: none, as while logging in) and draw it. */
void
edit_prompt(const char *prompt)
{
	if (!edit.on)
		return;
	edit_hide();
	edit.prompt = prompt;
	edit_show();
}

/*
 * Handle one typed byte: 1 when Enter completed *line (valid until the
 * next call), -1 for end of input (^D on an empty line), else 0.
 */
int
edit_byte(unsigned char ch, char **line, size_t *len)
{
	edit_taken();
	if (edit_escape(ch))
		return 0;
	if (ch == '\n' || ch == '\r') {
		edit.buf[edit.len] = '\0';
		*line = edit.buf;
		*len = edit.len;
		edit.done = 1;
		if (edit.shown)
			fputs("\n", stdout);
		edit.shown = 0;
		fflush(stdout);
		return 1;
	}
	if (ch == edit.saved.c_cc[VEOF] && edit.len == 0)
		return -1;
	if (ch == edit.saved.c_cc[VERASE] || ch == '\b' || ch == 0x7f)
		edit_erase_char();
	else if (ch == edit.saved.c_cc[VKILL])
		edit.len = 0;
	else if (ch == edit.saved.c_cc[VWERASE])
		edit_erase_word();
	else if (ch < 0x20 || edit.len == CLIENT_LINE_MAX)
		return 0;	/* other controls; a full line takes no more */
	else {
		edit.buf[edit.len++] = ch;
		if (edit.shown) {
			putchar(ch);
			fflush(stdout);
		}
		return 0;
	}
	edit_redraw();
	return 0;
}

/* Ours: no line discipline echo or editing; ^C and ^Z still signal. */
static void
edit_mode(void)
{
	struct termios	 t = edit.saved;

	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
}

/* A line handed out by edit_byte() is not drawn again nor added to. */
static void
edit_taken(void)
{
	if (edit.done) {
		edit.len = 0;
		edit.done = 0;
	}
}

static void
edit_redraw(void)
{
	if (edit.prompt == NULL)
		return;
	edit_taken();
	fputs("\r\033[K", stdout);
	fputs(edit.prompt, stdout);
	fwrite(edit.buf, 1, edit.len, stdout);
	fflush(stdout);
	edit.shown = 1;
}

/* One UTF-8 character: continuation bytes, then the byte that led. */
static void
edit_erase_char(void)
{
	while (edit.len > 0 && (edit.buf[edit.len - 1] & 0xc0) == 0x80)
		edit.len--;
	if (edit.len > 0)
		edit.len--;
}

static void
edit_erase_word(void)
{
	while (edit.len > 0 && edit.buf[edit.len - 1] == ' ')
		edit.len--;
	while (edit.len > 0 && edit.buf[edit.len - 1] != ' ')
		edit.len--;
}

/* Arrow and function keys send ESC sequences: drop them whole. */
static int
edit_escape(unsigned char ch)
{
	switch (edit.esc) {
	case ESC_NONE:
		if (ch != 0x1b)
			return 0;
		edit.esc = ESC_START;
		break;
	case ESC_START:
		edit.esc = ch == '[' ? ESC_CSI : ch == 'O' ? ESC_SS3 :
		    ESC_NONE;
		break;
	case ESC_CSI:
		if (ch >= 0x40 && ch <= 0x7e)
			edit.esc = ESC_NONE;
		break;
	case ESC_SS3:
		edit.esc = ESC_NONE;
		break;
	}
	return 1;
}
