/* Turns a program's --help text into a man page (roff), so that the page
 * is generated from the same text as --help and never written twice.
 *
 * The help's layout is kept as it is (no-fill blocks); lines wholly in
 * capitals ("DESCRIPTION") become sections, lines ending with ':' at the
 * left margin ("Bridge commands:") subsections; roff's special characters
 * are escaped. */
#ifndef PONTOON_UTIL_MAN_ROFF_H
#define PONTOON_UTIL_MAN_ROFF_H

#include <stdio.h>

/* The .TH line and NAME section: `name` (e.g. "pontoon"), its section
 * ("8"), a one-line summary, and the source ("Pontoon 0.1"). */
void man_roff_header(FILE *out, const char *name, const char *section, const char *summary,
                     const char *source);
/* One line of text, escaped (after a request such as ".SS "). */
void man_roff_text(FILE *out, const char *text);
/* The help text's lines as roff.  With `demote` (a command's own manual
 * inside the program's) headings become bold paragraph titles. */
void man_roff_body(FILE *out, const char *text, int demote);

#endif
